import { cleanup, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, useLocation } from "react-router";
import { afterEach, expect, test } from "vitest";
import { ChartData, type ChartDataRow } from "./ChartData";

// Shown texts sort differently from their values: "9.0 h" > "10.0 h" as text.
const ROWS: ChartDataRow[] = [
  { key: "2026-03-02", cells: ["2026-03-02", "9.0 h"], values: ["2026-03-02", 9] },
  { key: "2026-03-01", cells: ["2026-03-01", "10.0 h"], values: ["2026-03-01", 10] },
  { key: "2026-03-03", cells: ["2026-03-03", "—"], values: ["2026-03-03", null] },
];

function Probe() {
  const location = useLocation();
  return (
    <>
      <ChartData id="hoursdata" caption="Hours per day" columns={[{ label: "Day" }, { label: "Hours", numeric: true }]} rows={ROWS} />
      <output>{location.search}</output>
    </>
  );
}

const days = () =>
  within(screen.getByRole("region", { name: "Hours per day" }))
    .getAllByRole("row")
    .slice(1)
    .map((r) => within(r).getAllByRole("cell")[0].textContent);

afterEach(cleanup);

test("a chart's data table keeps the chart's order until a header sorts it by value, in the URL", async () => {
  render(
    <MemoryRouter initialEntries={["/?other=1"]}>
      <Probe />
    </MemoryRouter>,
  );
  expect(days()).toEqual(["2026-03-02", "2026-03-01", "2026-03-03"]);
  await userEvent.click(screen.getByRole("button", { name: /^Hours/ }));
  expect(days()).toEqual(["2026-03-01", "2026-03-02", "2026-03-03"]); // 10 h, 9 h, missing last
  expect(screen.getByRole("status").textContent).toBe("?other=1&hoursdatasort=c1&hoursdataorder=desc");
  await userEvent.click(screen.getByRole("button", { name: /^Day/ }));
  expect(days()).toEqual(["2026-03-01", "2026-03-02", "2026-03-03"]);
  expect(screen.getByRole("columnheader", { name: /^Day/ }).getAttribute("aria-sort")).toBe("ascending");
});

test("a chart's data table sort in the URL is applied on arrival", () => {
  render(
    <MemoryRouter initialEntries={["/?hoursdatasort=c1&hoursdataorder=asc"]}>
      <Probe />
    </MemoryRouter>,
  );
  expect(days()).toEqual(["2026-03-02", "2026-03-01", "2026-03-03"]);
  expect(screen.getByRole("columnheader", { name: /^Hours/ }).getAttribute("aria-sort")).toBe("ascending");
});
