import { expect, test } from "vitest";
import type { AnomalyItem, AnomalyKind } from "../../api/types";
import { rankDevices } from "./api";

function item(device: string, kind: AnomalyKind, start: string): AnomalyItem {
  return {
    kind,
    session_id: `${device}-${start}`,
    device_id: device,
    start_ts: start,
    end_ts: start,
    duration_s: 600,
    samples: 20,
    lost_samples: 0,
    missing_gps: 0,
    battery_min: 50,
  };
}

test("devices are ranked by weighted anomalies: low battery outweighs missing GPS", () => {
  const items = [
    item("gps", "missing_gps", "2025-07-01T08:00:00Z"),
    item("gps", "missing_gps", "2025-07-02T08:00:00Z"),
    item("battery", "low_battery", "2025-07-01T09:00:00Z"),
    item("radio", "lost_samples", "2025-07-03T08:00:00Z"),
  ];
  const rows = rankDevices(items, 2);
  expect(rows.map((r) => r.deviceId)).toEqual(["battery", "gps"]);
  expect(rows[1]).toEqual({
    deviceId: "gps",
    total: 2,
    latest: "2025-07-02T08:00:00Z",
    byKind: { short_session: 0, lost_samples: 0, missing_gps: 2, low_battery: 0 },
  });
});
