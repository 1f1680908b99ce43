import { cleanup, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import type { Insights } from "../../../api/types";
import { fakeApi, renderApp, signIn, signOutForTest } from "../../../test/fakeApi";

// The field sample's figures (issue 2): 98 sessions, 19.21 drilling hours, 40.82 % tagged.
function insights(overrides: Partial<Insights> = {}): Insights {
  return {
    start: "2025-01-06T07:00:00Z",
    end: "2025-01-31T16:00:00Z",
    devices: 3,
    sessions: 98,
    drilling_hours: 19.2125,
    session_hours: 31.8,
    average_session_minutes: 19.469,
    tagged_sessions: 40,
    tagged_pct: 40.816326530612244,
    states: [
      { state: "OFF", samples: 10, share_pct: 0.26, hours: 0.083 },
      { state: "STANDBY", samples: 500, share_pct: 12.8, hours: 4.17 },
      { state: "SPIN", samples: 1090, share_pct: 27.9, hours: 9.08 },
      { state: "DRILL", samples: 2305, share_pct: 59.04, hours: 19.2125 },
    ],
    low_battery_events: 0,
    anomalies: { short_sessions: 0, lost_sample_sessions: 2, lost_samples: 5, missing_gps_sessions: 0, missing_gps_samples: 0, low_battery_sessions: 0, low_battery_samples: 0 },
    locations: { total: 0, points: [] },
    ...overrides,
  };
}

const NO_ANOMALIES = { counts: insights().anomalies, items: [], total: 0, limit: 1000, offset: 0 };
const DEVICES = { devices: [], total: 0, limit: 10000, offset: 0 };

beforeEach(() => {
  signOutForTest();
  signIn("viewer");
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function kpi(label: string): string {
  const grid = screen.getByLabelText("Fleet KPIs");
  const term = within(grid).getByText(label, { selector: "dt" });
  return term.nextElementSibling?.textContent ?? "";
}

test("KPIs show the API's figures with their units", async () => {
  fakeApi({ "/api/v1/insights": { body: insights() }, "/api/v1/anomalies": { body: NO_ANOMALIES }, "/api/v1/devices": { body: DEVICES } });
  renderApp("/");
  await screen.findByText("Drilling hours");
  expect(kpi("Drilling hours")).toBe("19.2 h");
  expect(kpi("Sessions")).toBe("98");
  expect(kpi("Average session length")).toBe("19.5 min");
  expect(kpi("Tagged sessions")).toBe("40.8 %");
  expect(screen.getByText("No device shows anomalies in this range.")).toBeTruthy();
});

test("a range without sessions shows the empty state, not zeros", async () => {
  fakeApi({ "/api/v1/insights": { body: insights({ sessions: 0, drilling_hours: 0 }) }, "/api/v1/anomalies": { body: NO_ANOMALIES }, "/api/v1/devices": { body: DEVICES } });
  renderApp("/?from=2030-01-01");
  expect(await screen.findByText(/No sessions in this range/)).toBeTruthy();
  expect(screen.queryByText("Drilling hours")).toBeNull();
});

test("an API error shows what went wrong and a retry button", async () => {
  fakeApi({
    "/api/v1/insights": { status: 500, body: { detail: "telemetry store unavailable" } },
    "/api/v1/anomalies": { body: NO_ANOMALIES },
    "/api/v1/devices": { body: DEVICES },
  });
  renderApp("/");
  const alert = await screen.findByRole("alert");
  expect(alert.textContent).toContain("Could not load fleet KPIs.");
  expect(alert.textContent).toContain("telemetry store unavailable");
  expect(within(alert).getByRole("button", { name: "Try again" })).toBeTruthy();
});

test("an end date before the start date is flagged and not sent", async () => {
  const { calls } = fakeApi({ "/api/v1/insights": { body: insights() }, "/api/v1/anomalies": { body: NO_ANOMALIES }, "/api/v1/devices": { body: DEVICES } });
  renderApp("/?from=2025-07-10&to=2025-07-01");
  expect((await screen.findByRole("alert")).textContent).toBe("The end date is before the start date.");
  expect(calls.some((c) => c.url.pathname === "/api/v1/insights")).toBe(false);
});
