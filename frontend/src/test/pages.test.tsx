// Every analytics page rendered in development mode with realistic answers: React and
// the chart and map libraries must not warn, and each page shows its data with units.
import { cleanup, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import type { AnomalyPage, BatteryTrends, DeviceSummary, SessionPage, SessionRead, DailyActivityPage } from "../api/types";
import { fakeApi, renderApp, signIn, signOutForTest } from "./fakeApi";

const SESSION: SessionRead = {
  session_id: "7a3f55e1-1736150400",
  device_id: "7a3f55e1",
  start_ts: "2025-01-06T08:00:00Z",
  end_ts: "2025-01-06T08:20:00Z",
  duration_s: 1200,
  samples: 38,
  expected_samples: 41,
  lost_samples: 3,
  off_samples: 0,
  standby_samples: 4,
  spin_samples: 10,
  drill_samples: 24,
  drilling_s: 720,
  tagged: true,
  ble_ids: ["85:E6:97:10"],
  centroid_lat: 52.5,
  centroid_lon: 13.4,
  last_lat: 52.5,
  last_lon: 13.4,
  missing_gps: 0,
  battery_start: 80,
  battery_end: 18,
  battery_min: 18,
  low_battery_samples: 2,
  low_battery: true,
  avg_current: 5.123,
  max_current: 9.1,
  std_current: 1.2,
};
const DEVICE: DeviceSummary = {
  device_id: "7a3f55e1",
  first_seen: "2025-01-06T08:00:00Z",
  last_seen: "2025-01-31T16:00:00Z",
  sessions: 31,
  samples: 1300,
  drilling_hours: 6.25,
  last_battery: 64,
  last_lat: 52.5,
  last_lon: 13.4,
};
const SESSIONS: SessionPage = { sessions: [SESSION], total: 1, limit: 25, offset: 0 };
const DAILY: DailyActivityPage = {
  devices: ["7a3f55e1"],
  other_devices: 0,
  days: [
    { day: "2025-01-06", sessions: 3, drilling_hours: 0.5, hours: [0.5], other_hours: 0 },
    { day: "2025-01-07", sessions: 2, drilling_hours: 0.25, hours: [0.25], other_hours: 0 },
  ],
};
const BATTERY: BatteryTrends = {
  period: "day",
  bucket_seconds: 86400,
  devices: 1,
  truncated: false,
  points: [
    { device_id: "7a3f55e1", bucket_start: "2025-01-06T00:00:00Z", avg_battery: 70.5, min_battery: 18, max_battery: 90, samples: 100 },
    { device_id: "7a3f55e1", bucket_start: "2025-01-07T00:00:00Z", avg_battery: 65.25, min_battery: 40, max_battery: 88, samples: 90 },
  ],
};
const COUNTS = {
  short_sessions: 0,
  lost_sample_sessions: 1,
  lost_samples: 3,
  missing_gps_sessions: 0,
  missing_gps_samples: 0,
  low_battery_sessions: 1,
  low_battery_samples: 2,
  id_collision_sessions: 1,
};
const ANOMALIES: AnomalyPage = {
  counts: COUNTS,
  items: [
    {
      kind: "low_battery",
      session_id: SESSION.session_id,
      device_id: "7a3f55e1",
      start_ts: SESSION.start_ts,
      end_ts: SESSION.end_ts,
      duration_s: 1200,
      samples: 38,
      lost_samples: 3,
      missing_gps: 0,
      battery_min: 18,
    },
    {
      kind: "id_collision",
      session_id: SESSION.session_id,
      device_id: "7a3f55e1",
      start_ts: SESSION.start_ts,
      end_ts: SESSION.end_ts,
      duration_s: 1200,
      samples: 38,
      lost_samples: 3,
      missing_gps: 0,
      battery_min: 18,
      collision: {
        start_ts: SESSION.start_ts,
        end_ts: SESSION.end_ts,
        intruder_rows: 21,
        intruder_seq_from: 861,
        intruder_seq_to: 881,
        own_seq_from: 1620,
        own_seq_to: 1660,
        distance_m: 21278.5,
        intruder_battery: 86,
        own_battery: 85,
      },
    },
  ],
  total: 2,
  limit: 25,
  offset: 0,
};
const INSIGHTS = {
  start: SESSION.start_ts,
  end: SESSION.end_ts,
  devices: 1,
  sessions: 1,
  drilling_hours: 0.2,
  session_hours: 0.33,
  average_session_minutes: 20,
  tagged_sessions: 1,
  tagged_pct: 100,
  states: [],
  low_battery_events: 1,
  anomalies: COUNTS,
  locations: { total: 1, points: [{ session_id: SESSION.session_id, device_id: "7a3f55e1", start_ts: SESSION.start_ts, lat: 52.5, lon: 13.4, drilling_hours: 0.2 }] },
};

beforeEach(() => {
  signOutForTest();
  signIn("viewer");
  fakeApi({
    "/api/v1/sessions": { body: SESSIONS },
    "/api/v1/sessions/daily": { body: DAILY },
    "/api/v1/insights": { body: INSIGHTS },
    "/api/v1/battery/trends": { body: BATTERY },
    "/api/v1/anomalies": { body: ANOMALIES },
    "/api/v1/devices": { body: { devices: [DEVICE], total: 1, limit: 10000, offset: 0 } },
    "/api/v1/devices/7a3f55e1": { body: DEVICE },
  });
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

test("sessions: table rows carry units and local times with UTC on hover; the map has a label", async () => {
  renderApp("/sessions");
  const table = await screen.findByRole("region", { name: "Sessions" });
  const cells = within(table)
    .getAllByRole("cell")
    .map((c) => c.textContent);
  expect(cells).toEqual(expect.arrayContaining(["20.0 min", "12.0 min", "80 → 18 %", "5.12 A", "85:E6:97:10"]));
  expect(
    within(table)
      .getByText((_, el) => el?.tagName === "TIME")
      .getAttribute("title"),
  ).toBe("2025-01-06 08:00:00 UTC");
  expect(await screen.findByRole("region", { name: "Map of 1 session locations" })).toBeTruthy();
  expect(screen.getByText(/Drilling hours per UTC day over 2 days and 5 sessions/)).toBeTruthy();
});

test("battery: per-device table in percent, low minimum flagged", async () => {
  renderApp("/battery");
  const table = await screen.findByRole("region", { name: "Battery per device" });
  const row = within(table).getAllByRole("row")[1];
  expect(
    within(row)
      .getAllByRole("cell")
      .map((c) => c.textContent),
  ).toEqual(["7a3f55e1", "65.3 %", "18 %", "90 %", "190"]);
  expect(within(row).getByText("18 %").className).toContain("warn");
});

test("anomalies: counts with units and the anomalous session", async () => {
  renderApp("/anomalies");
  expect(await screen.findByText("Low battery (< 20 %)", { selector: "td" })).toBeTruthy();
  expect(screen.getByText("2 samples")).toBeTruthy();
  expect(screen.getByText("below 20 % in 1 sessions")).toBeTruthy();
  expect(screen.getByText("Two pods under one ID", { selector: "td" })).toBeTruthy();
  expect(screen.getByText(/seq 861–881 against own 1620–1660, 21\.3 km apart, battery 86 % against own 85 %/)).toBeTruthy();
  expect(screen.getByText("Two pods under one ID", { selector: "label" })).toBeTruthy();
});

test("device detail: summary, recent sessions, and the ML sections say the ML API is missing", async () => {
  renderApp("/devices/7a3f55e1");
  expect(await screen.findByText("6.3 h")).toBeTruthy();
  expect(screen.getByText("64 %")).toBeTruthy();
  expect(await screen.findByRole("region", { name: "Sessions of 7a3f55e1" })).toBeTruthy();
  const alerts = await screen.findAllByText("ML API not available.");
  expect(alerts).toHaveLength(2);
});
