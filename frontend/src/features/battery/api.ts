import { useQuery } from "@tanstack/react-query";
import { get } from "../../api/client";
import type { BatteryPeriod, BatteryPoint, BatteryTrends } from "../../api/types";
import { filterProblem, scopeParams, type Filters } from "../../lib/filters";
import { DATA_EVERY } from "../../lib/live";

/** Points the server may return; it widens buckets to stay under this. */
export const MAX_POINTS = 2000;

/** Battery avg/min/max per device and bucket, downsampled by the server. */
export function useBatteryTrends(filters: Filters, period: BatteryPeriod, enabled = true) {
  return useQuery({
    queryKey: ["battery", filters, period],
    queryFn: () => get<BatteryTrends>("/api/v1/battery/trends", { ...scopeParams(filters), period, max_points: MAX_POINTS }),
    enabled: enabled && filterProblem(filters) === null,
    refetchInterval: DATA_EVERY,
  });
}

/** A bucket width in words: "1-hour", "1-day", "9-day", "6-hour" (null: one per device). */
export function bucketLabel(seconds: number | null): string {
  if (seconds === null) return "whole-range";
  if (seconds % 86400 === 0) return `${seconds / 86400}-day`;
  if (seconds % 3600 === 0) return `${seconds / 3600}-hour`;
  return `${Math.round(seconds / 60)}-minute`;
}

/** One device's battery over the range. */
export interface DeviceBattery {
  deviceId: string;
  points: { t: number; avg: number; min: number; max: number; samples: number }[];
  latest: number;
  min: number;
  max: number;
  samples: number;
}

/** Group the points by device, lowest minimum battery first. */
export function byDevice(points: BatteryPoint[]): DeviceBattery[] {
  const devices = new Map<string, DeviceBattery>();
  for (const p of points) {
    let d = devices.get(p.device_id);
    if (!d) {
      d = { deviceId: p.device_id, points: [], latest: p.avg_battery, min: p.min_battery, max: p.max_battery, samples: 0 };
      devices.set(p.device_id, d);
    }
    d.points.push({ t: Date.parse(p.bucket_start), avg: p.avg_battery, min: p.min_battery, max: p.max_battery, samples: p.samples });
    d.min = Math.min(d.min, p.min_battery);
    d.max = Math.max(d.max, p.max_battery);
    d.samples += p.samples;
  }
  for (const d of devices.values()) {
    d.points.sort((a, b) => a.t - b.t);
    d.latest = d.points[d.points.length - 1].avg;
  }
  return [...devices.values()].sort((a, b) => a.min - b.min || a.deviceId.localeCompare(b.deviceId));
}
