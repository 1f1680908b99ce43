import { expect, test } from "vitest";
import type { AnomalyItem, AnomalyKind } from "../../api/types";
import { anomalyLabel, collisionSummary, rankDevices } from "./api";

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
    byKind: { short_session: 0, lost_samples: 0, missing_gps: 2, low_battery: 0, id_collision: 0 },
  });
});

test("a second pod's evidence reads as duration, both counters, distance and both batteries", () => {
  const summary = collisionSummary({
    start_ts: "2025-07-21T23:26:20Z",
    end_ts: "2025-07-21T23:36:20Z",
    intruder_rows: 21,
    intruder_seq_from: 861,
    intruder_seq_to: 881,
    own_seq_from: 1620,
    own_seq_to: 1660,
    distance_m: 32845.5,
    intruder_battery: 60,
    own_battery: 70,
  });
  expect(summary).toBe("second pod for 10.0 min (21 samples), seq 861–881 against own 1620–1660, 32.8 km apart, battery 60 % against own 70 %");
  expect(anomalyLabel("id_collision")).toBe("Two pods under one ID");
});
