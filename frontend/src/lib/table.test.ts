import { expect, test } from "vitest";
import { sortRows } from "./table";

const rows = [
  { id: "b", value: 2 },
  { id: "a", value: null },
  { id: "c", value: 2 },
  { id: "d", value: 1 },
];

test("rows sort both ways with missing values last and ties by id", () => {
  const asc = sortRows(
    rows,
    (r) => r.value,
    "asc",
    (r) => r.id,
  ).map((r) => r.id);
  const desc = sortRows(
    rows,
    (r) => r.value,
    "desc",
    (r) => r.id,
  ).map((r) => r.id);
  expect(asc).toEqual(["d", "b", "c", "a"]);
  expect(desc).toEqual(["b", "c", "d", "a"]);
});
