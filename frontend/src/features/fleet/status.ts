import type { HealthStatus } from "../../api/mlTypes";
import type { DeviceStatus } from "../../api/types";
import { STATUSES } from "../ml/labels";

export type StatusKey = HealthStatus | "unknown";
export const STATUS_KEYS: StatusKey[] = [...STATUSES, "unknown"];

/** How many devices show each status ("unknown": not scored). */
export function countStatuses(devices: DeviceStatus[]): Record<StatusKey, number> {
  const counts = Object.fromEntries(STATUS_KEYS.map((s) => [s, 0])) as Record<StatusKey, number>;
  for (const d of devices) counts[d.status ?? "unknown"] += 1;
  return counts;
}

/** Devices whose shown status is one of ``statuses`` (all when empty). */
export function withStatus(devices: DeviceStatus[], statuses: StatusKey[]): DeviceStatus[] {
  if (statuses.length === 0) return devices;
  const wanted = new Set(statuses);
  return devices.filter((d) => wanted.has(d.status ?? "unknown"));
}
