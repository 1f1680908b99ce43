import { cleanup, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import type { DeviceHealth } from "../../../api/mlTypes";
import { fakeApi, renderApp, signIn, signOutForTest } from "../../../test/fakeApi";
import { alert, BATTERY_FACTOR, deviceHealth, fleetStatus, healthPage } from "../../../test/mlFixtures";

// 1,000 devices: 10 critical (scores 20–29), 90 degraded (60–69), 5 without data, the rest healthy.
function fleet(): DeviceHealth[] {
  return Array.from({ length: 1000 }, (_, i) => {
    const id = `pod-${String(i).padStart(4, "0")}`;
    if (i < 10) return deviceHealth(id, { health_score: 29 - i, status: "critical", explanatory_factors: [BATTERY_FACTOR] });
    if (i < 100) return deviceHealth(id, { health_score: 60 + (i % 10), status: "degraded" });
    if (i < 105) return deviceHealth(id, { health_score: null, status: "insufficient_data", confidence: 0 });
    return deviceHealth(id);
  });
}

beforeEach(() => {
  signOutForTest();
  signIn("viewer");
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function rows(): string[][] {
  const table = screen.getByRole("region", { name: "Device health" });
  return within(table)
    .getAllByRole("row")
    .slice(1)
    .map((row) =>
      within(row)
        .getAllByRole("cell")
        .map((cell) => cell.textContent ?? ""),
    );
}

test("1,000 devices: worst first, 50 per page, each row with score, status, confidence and reason", async () => {
  fakeApi({ "/api/ml/health-scores": { body: healthPage(fleet()) }, "/api/v1/fleet/status": { body: fleetStatus(fleet()) } });
  renderApp("/health");
  expect(await screen.findByText("1–50 of 1,000 devices")).toBeTruthy();
  const shown = rows();
  expect(shown).toHaveLength(50);
  expect(shown[0].slice(0, 4)).toEqual(["pod-0009", "Critical", "20.0 / 100", "none"]);
  expect(shown[0][5]).toBe("100 %");
  expect(shown[0][6]).toBe(BATTERY_FACTOR.description);
  expect(shown[9][0]).toBe("pod-0000");
  expect(screen.getByRole("columnheader", { name: /Status/ }).getAttribute("aria-sort")).toBe("descending");
});

test("a healthy-scored device with an open CRITICAL alert shows as Critical, and the alert filter finds it", async () => {
  const user = userEvent.setup();
  const devices = [deviceHealth("pod-a"), deviceHealth("pod-b")];
  const critical = alert({ device_id: "pod-b", severity: "CRITICAL" });
  fakeApi({ "/api/ml/health-scores": { body: healthPage(devices) }, "/api/v1/fleet/status": { body: fleetStatus(devices, [critical]) } });
  renderApp("/health");
  expect(await screen.findByRole("button", { name: "Critical (1)" })).toBeTruthy();
  expect(rows()[0].slice(0, 4)).toEqual(["pod-b", "Critical", "100.0 / 100", "CRITICAL open"]);
  await user.selectOptions(screen.getByLabelText("Alert"), "none");
  expect(rows().map((r) => r[0])).toEqual(["pod-a"]);
});

test("status toggles and the search narrow the list; devices without a score sort last", async () => {
  const user = userEvent.setup();
  fakeApi({ "/api/ml/health-scores": { body: healthPage(fleet()) }, "/api/v1/fleet/status": { body: fleetStatus(fleet()) } });
  renderApp("/health");
  await user.click(await screen.findByRole("button", { name: "Critical (10)" }));
  expect(screen.getByText("10 devices")).toBeTruthy();
  await user.click(screen.getByRole("button", { name: "Insufficient data (5)" }));
  const shown = rows().map((r) => r[0]);
  expect(shown).toHaveLength(15);
  expect(shown.slice(-5)).toEqual(["pod-0100", "pod-0101", "pod-0102", "pod-0103", "pod-0104"]);

  await user.type(screen.getByLabelText("Search"), "pod-000");
  expect(rows().map((r) => r[0])).toEqual(["pod-0009", "pod-0008", "pod-0007", "pod-0006", "pod-0005", "pod-0004", "pod-0003", "pod-0002", "pod-0001", "pod-0000"]);
  await user.type(screen.getByLabelText("Search"), "x");
  expect(screen.getByText("No device matches these filters.")).toBeTruthy();
});

test("a column header sorts by it, and a second click reverses the order", async () => {
  const user = userEvent.setup();
  fakeApi({ "/api/ml/health-scores": { body: healthPage(fleet()) } });
  renderApp("/health");
  const header = await screen.findByRole("button", { name: /^Device/ });
  await user.click(header);
  expect(rows()[0][0]).toBe("pod-0000");
  expect(screen.getByRole("columnheader", { name: /^Device/ }).getAttribute("aria-sort")).toBe("ascending");
  await user.click(header);
  expect(rows()[0][0]).toBe("pod-0999");
  expect(screen.getByRole("columnheader", { name: /^Device/ }).getAttribute("aria-sort")).toBe("descending");
});

test.each([
  ["order=desc", "a link's order= sets the direction"],
  ["dir=desc", "an old link's dir= still sets the direction"],
])("%s: %s", async (param) => {
  fakeApi({ "/api/ml/health-scores": { body: healthPage(fleet()) } });
  renderApp(`/health?sort=device&${param}`);
  expect(await screen.findByText("1–50 of 1,000 devices")).toBeTruthy();
  expect(rows()[0][0]).toBe("pod-0999");
  expect(screen.getByRole("columnheader", { name: /^Device/ }).getAttribute("aria-sort")).toBe("descending");
});

test("a missing ML API (404) says so with the backend's reason", async () => {
  fakeApi({});
  renderApp("/health");
  const alert = await screen.findByRole("alert");
  expect(alert.textContent).toContain("ML API not available.");
  expect(alert.textContent).toContain("no API route /api/ml/health-scores");
});
