import { cleanup, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import type { HealthForecast, TrendPoint } from "../../../api/mlTypes";
import { fakeApi, renderApp, signIn, signOutForTest, type Handler } from "../../../test/fakeApi";
import { alert, alertPage, degrading, fleetStatus, healthPage } from "../../../test/mlFixtures";

const DEVICE = {
  device_id: "b4b9bb52",
  first_seen: "2025-07-01T06:00:00Z",
  last_seen: "2025-08-04T16:59:00Z",
  sessions: 40,
  samples: 1500,
  drilling_hours: 7.25,
  last_battery: 57,
  last_lat: null,
  last_lon: null,
};
const NO_SESSIONS = { sessions: [], total: 0, limit: 10, offset: 0 };
const NO_BATTERY = { period: "day", bucket_seconds: 86400, devices: 0, truncated: false, points: [] };

function trend(): TrendPoint[] {
  return ["2025-08-01", "2025-08-02", "2025-08-03", "2025-08-04"].map((date, i) => ({
    date,
    health_score: 80 - 5 * i,
    current_stability: 100,
    battery_performance: 60 - 15 * i,
    gps_reliability: 100,
    telemetry_quality: 100,
    confidence: 1,
    status: i < 2 ? "watch" : "degraded",
  }));
}

const FORECAST: HealthForecast = {
  horizon_days: 7,
  slope_per_day: -2.74,
  health_at_horizon: 41.6,
  interval_at_horizon: [32.41, 50.79],
  days_to_threshold: { alert: 0, medium: 0, high: 3.9, critical: null },
  timeframe: { alert: "now", medium: "now", high: "1-8 days", critical: null },
  predicted_failure: null,
  series: [{ date: "2025-08-05", health_score: 62, lower: 58, upper: 66 }],
};

// Thresholds other than the defaults: the page must draw and name the ones the server sends.
const THRESHOLDS = { alert: 65, medium: 65, high: 45, critical: 25 };

function routes(health: Handler) {
  return {
    "/api/v1/devices/b4b9bb52": { body: DEVICE },
    "/api/v1/sessions": { body: NO_SESSIONS },
    "/api/v1/battery/trends": { body: NO_BATTERY },
    "/api/ml/health-scores": health,
    "/api/ml/alerts": { body: alertPage([alert()]) },
    "/api/v1/fleet/status": { body: fleetStatus([degrading()], [alert()]) },
  };
}

beforeEach(() => {
  signOutForTest();
  signIn("viewer");
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

test("a degrading device shows its factors in words, the forecast against the server's thresholds, and its alert", async () => {
  const device = {
    ...degrading(),
    trend: trend(),
    forecast: FORECAST,
    findings: [{ type: "telemetry", finding: "silence", description: "No data for 2 day(s) although this machine is normally in use." }],
  };
  const { calls } = fakeApi(routes({ body: healthPage([device], THRESHOLDS) }));
  renderApp("/devices/b4b9bb52");
  const factors = await screen.findByRole("list", { name: "Explanatory factors" });
  expect(within(factors).getByText("The battery drains 20.3 % per operating hour against 1.6 % in the fleet.")).toBeTruthy();
  expect(within(factors).getByText("Battery performance · costs 27.6 points · compared with the fleet")).toBeTruthy();
  const forecast = within(screen.getByRole("list", { name: "Forecast" }))
    .getAllByRole("listitem")
    .map((li) => li.textContent);
  expect(forecast).toEqual([
    "Forecast in 7 days: 41.6 / 100 (80 % band 32.4–50.8).",
    "Health is falling 2.7 points a day.",
    "Already below MEDIUM (65).",
    "Expected below HIGH (45) in about 3.9 days (1–8 days).",
    "Not expected below CRITICAL (25) within 60 days.",
  ]);
  expect(screen.getByText(/MEDIUM 65, HIGH 45 and CRITICAL 25 alert levels/)).toBeTruthy();
  expect(screen.getByText(/No data for 2 day\(s\)/)).toBeTruthy();
  const summary = screen.getByLabelText("Health summary");
  expect(within(summary).getByText("Health score").nextElementSibling?.textContent).toBe("64.2 / 100");
  const todo = screen.getByRole("heading", { name: "What to do" });
  const alerts = await screen.findByRole("list", { name: "Alerts of b4b9bb52, most urgent first" });
  expect(alerts.textContent).toContain("Do: Order a replacement pod battery");
  expect(todo.compareDocumentPosition(factors) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy(); // the alert and its action come first
  const asked = calls.find((c) => c.url.pathname === "/api/ml/health-scores")?.url.searchParams;
  expect([asked?.get("device_id"), asked?.get("include_trends")]).toEqual(["b4b9bb52", "true"]);
});

test("a device without a score (404 naming the device) shows an empty state, not an error", async () => {
  fakeApi(routes({ status: 404, body: { detail: "no health score for device b4b9bb52", field: "device_id" } }));
  renderApp("/devices/b4b9bb52");
  expect(await screen.findByText("No health score: this device has no telemetry in the scoring window.")).toBeTruthy();
});
