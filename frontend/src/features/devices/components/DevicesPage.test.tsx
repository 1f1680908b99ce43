import { cleanup, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import type { DeviceSummary } from "../../../api/types";
import { fakeApi, renderApp, signIn, signOutForTest } from "../../../test/fakeApi";

function device(n: number): DeviceSummary {
  return {
    device_id: `dev-${String(n).padStart(4, "0")}`,
    first_seen: "2025-07-01T06:00:00Z",
    last_seen: "2025-07-14T16:00:00Z",
    sessions: n,
    samples: n * 30,
    drilling_hours: n / 10,
    last_battery: 50,
    last_lat: null,
    last_lon: null,
  };
}

// A fleet of 1,000 devices: the page must show 25 rows at a time, not all of them.
const FLEET = Array.from({ length: 1000 }, (_, i) => device(i + 1));

beforeEach(() => {
  signOutForTest();
  signIn("viewer");
  fakeApi({ "/api/v1/devices": { body: { devices: FLEET, total: FLEET.length, limit: 10000, offset: 0 } } });
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function deviceCells(): string[] {
  const table = screen.getByRole("region", { name: "Devices" });
  return within(table)
    .getAllByRole("row")
    .slice(1)
    .map((row) => within(row).getAllByRole("cell")[0].textContent ?? "");
}

test("1,000 devices are shown 25 per page with next and previous", async () => {
  const user = userEvent.setup();
  renderApp("/devices");
  expect(await screen.findByText("1–25 of 1,000 devices")).toBeTruthy();
  expect(deviceCells()).toHaveLength(25);
  expect(deviceCells()[0]).toBe("dev-0001");
  expect((screen.getByRole("button", { name: "Previous" }) as HTMLButtonElement).disabled).toBe(true);

  await user.click(screen.getByRole("button", { name: "Next" }));
  expect(await screen.findByText("26–50 of 1,000 devices")).toBeTruthy();
  expect(deviceCells()[0]).toBe("dev-0026");

  await user.click(screen.getByRole("button", { name: "Previous" }));
  expect(await screen.findByText("1–25 of 1,000 devices")).toBeTruthy();
});

test("the last page is partial and cannot go further", async () => {
  renderApp("/devices?page=40");
  expect(await screen.findByText("976–1,000 of 1,000 devices")).toBeTruthy();
  expect((screen.getByRole("button", { name: "Next" }) as HTMLButtonElement).disabled).toBe(true);
});

test("searching narrows the list and says when nothing matches", async () => {
  const user = userEvent.setup();
  renderApp("/devices?page=3");
  await user.type(await screen.findByLabelText("Search"), "dev-099");
  expect(deviceCells()).toEqual(["dev-0990", "dev-0991", "dev-0992", "dev-0993", "dev-0994", "dev-0995", "dev-0996", "dev-0997", "dev-0998", "dev-0999"]);
  await user.type(screen.getByLabelText("Search"), "x");
  expect(screen.getByText("No device matches “dev-099x”.")).toBeTruthy();
});
