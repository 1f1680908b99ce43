import { expect, test } from "vitest";
import type { TimelineEntry } from "../../api/types";
import { stackByDevice } from "./api";

function entry(day: string, device: string, hours: number): TimelineEntry {
  return { day, device_id: device, sessions: 1, drilling_hours: hours, session_hours: hours * 2, tagged_sessions: 0 };
}

test("the busiest devices get their own series and the rest are summed per day", () => {
  const entries = [
    entry("2025-07-02", "a", 5),
    entry("2025-07-01", "a", 1),
    entry("2025-07-01", "b", 4),
    entry("2025-07-01", "c", 0.5),
    entry("2025-07-02", "d", 0.25),
  ];
  const { rows, devices } = stackByDevice(entries, 2);
  expect(devices).toEqual(["a", "b"]);
  expect(rows.map((r) => r.day)).toEqual(["2025-07-01", "2025-07-02"]);
  expect(rows[0]).toEqual({ day: "2025-07-01", sessions: 3, other: 0.5, hours: { a: 1, b: 4 } });
  expect(rows[1]).toEqual({ day: "2025-07-02", sessions: 2, other: 0.25, hours: { a: 5, b: 0 } });
});

test("one device over the cap is shown itself rather than as a lone 'other'", () => {
  const { devices, rows } = stackByDevice([entry("2025-07-01", "a", 2), entry("2025-07-01", "b", 1), entry("2025-07-01", "c", 3)], 2);
  expect(devices).toEqual(["c", "a", "b"]);
  expect(rows[0].other).toBe(0);
});
