import { cleanup, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import type { Insights } from "../../../api/types";
import { fakeApi, renderApp, signIn, signOutForTest } from "../../../test/fakeApi";
import { alert, alertPage, degrading, deviceHealth, fleetStatus } from "../../../test/mlFixtures";

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
const NO_ML = { ml_available: false, ml_message: "the ML subsystem is disabled (ML_ENABLED=false)", as_of: null, devices: [] };

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
  fakeApi({ "/api/v1/insights": { body: insights() }, "/api/v1/anomalies": { body: NO_ANOMALIES }, "/api/v1/devices": { body: DEVICES }, "/api/v1/fleet/status": { body: NO_ML } });
  renderApp("/");
  await screen.findByText("Drilling hours");
  expect(kpi("Drilling hours")).toBe("19.2 h");
  expect(kpi("Sessions")).toBe("98");
  expect(kpi("Average session length")).toBe("19.5 min");
  expect(kpi("Tagged sessions")).toBe("40.8 %");
  expect(await screen.findByText("No device shows anomalies in this range.")).toBeTruthy();
  expect(screen.getByText(/Health scores and alerts are not available \(the ML subsystem is disabled/)).toBeTruthy();
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
    "/api/v1/fleet/status": { body: NO_ML },
  });
  renderApp("/");
  const alert = await screen.findByText(/Could not load fleet KPIs/).then((el) => el.closest("[role=alert]") as HTMLElement);
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

test("needs attention lists unresolved alerts by severity with date, reason, action and who is on it, then devices getting worse", async () => {
  const motor = deviceHealth("b77a3b61", { health_score: 100, status: "healthy" });
  const battery = degrading("b4b9bb52");
  const watched = deviceHealth("2894d3c0", { status: "watch", health_score: 72, findings: [{ type: "telemetry", finding: "gaps", description: "Samples go missing." }] });
  const devices = [deviceHealth("16474f94"), watched, battery, motor];
  const alerts = [
    alert({ alert_id: "a-2", device_id: "b4b9bb52", severity: "HIGH", status: "acknowledged", acknowledged_by: "otto", acknowledged_at: "2025-08-05T07:00:00Z" }),
    alert({ alert_id: "a-1", device_id: "b77a3b61", severity: "CRITICAL", predicted_issue_type: "motor", recommended_actions: ["Replace the motor brushes"] }),
  ];
  const byStatus = (url: URL) => ({ body: alertPage(alerts.filter((a) => a.status === url.searchParams.get("status"))) });
  fakeApi({
    "/api/v1/insights": { body: insights() },
    "/api/v1/devices": { body: DEVICES },
    "/api/v1/fleet/status": { body: fleetStatus(devices, alerts) },
    "/api/ml/alerts": byStatus,
  });
  renderApp("/");
  const handle = await screen.findByRole("list", { name: /Alerts to handle: 1 open, 1 being handled/ });
  const items = within(handle).getAllByRole("listitem");
  expect(items[0].textContent).toContain("CRITICAL");
  expect(items[0].textContent).toContain("b77a3b61");
  expect(items[0].textContent).toContain("Nobody yet");
  expect(items[0].textContent).toContain("Do: Replace the motor brushes");
  expect(items[1].textContent).toContain("On it: otto since");
  expect(items[1].textContent).toContain("The battery drains 20.3 % per operating hour");
  const worse = screen.getByRole("list", { name: /Getting worse, no alert yet: 1/ });
  expect(within(worse).getByRole("listitem").textContent).toContain("2894d3c0");
  expect(within(worse).getByRole("listitem").textContent).toContain("Samples go missing.");
  // The KPIs come after what needs action.
  const heading = screen.getByRole("heading", { name: "Needs attention today" });
  expect(heading.compareDocumentPosition(await screen.findByText("Drilling hours")) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
});
