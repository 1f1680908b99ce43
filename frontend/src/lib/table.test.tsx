import { cleanup, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, useLocation } from "react-router";
import { afterEach, expect, test } from "vitest";
import { SortHeaders } from "../components/SortHeader";
import { type Column, sortRows, useSortedRows } from "./table";

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

interface Row {
  id: string;
  n: number | null;
}
type Key = "id" | "n";
const COLUMNS: Column<Row, Key>[] = [
  { key: "id", label: "Name", value: (r) => r.id },
  { key: "n", label: "Count", value: (r) => r.n, first: "desc", numeric: true },
];
const ROWS: Row[] = [
  { id: "b", n: 1 },
  { id: "a", n: 3 },
  { id: "c", n: null },
];
const byId = (r: Row) => r.id;

afterEach(cleanup);

function Probe({ prefix }: { prefix: string }) {
  const table = useSortedRows(ROWS, COLUMNS, "id", byId, prefix);
  const location = useLocation();
  return (
    <>
      <table>
        <thead>
          <tr>
            <SortHeaders columns={COLUMNS} sort={table.sort.sort} order={table.sort.order} onSort={table.onSort} />
          </tr>
        </thead>
        <tbody>
          {table.rows.map((r) => (
            <tr key={r.id}>
              <td>{r.id}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <output>{location.search}</output>
    </>
  );
}

function shown(): string[] {
  return screen.getAllByRole("cell").map((c) => c.textContent ?? "");
}

test("a browser-sorted table reads and writes its sort under its URL prefix and resets its page", async () => {
  render(
    <MemoryRouter initialEntries={["/?deploypage=3&other=1"]}>
      <Probe prefix="deploy" />
    </MemoryRouter>,
  );
  expect(shown()).toEqual(["a", "b", "c"]);
  await userEvent.click(screen.getByRole("button", { name: /^Count/ }));
  expect(shown()).toEqual(["a", "b", "c"]); // 3, 1, then the missing count last
  expect(screen.getByRole("columnheader", { name: /^Count/ }).getAttribute("aria-sort")).toBe("descending");
  expect(screen.getByRole("status").textContent).toBe("?other=1&deploysort=n&deployorder=desc");
  await userEvent.click(screen.getByRole("button", { name: /^Count/ }));
  expect(shown()).toEqual(["b", "a", "c"]);
});

test("a sort in the URL is applied on arrival; an unknown column falls back", () => {
  render(
    <MemoryRouter initialEntries={["/?sort=n&order=asc"]}>
      <Probe prefix="" />
    </MemoryRouter>,
  );
  expect(shown()).toEqual(["b", "a", "c"]);
  cleanup();
  render(
    <MemoryRouter initialEntries={["/?sort=nope&order=desc"]}>
      <Probe prefix="" />
    </MemoryRouter>,
  );
  expect(shown()).toEqual(["c", "b", "a"]);
});
