// Client-side sort, filter and ranking over the fleet's cached health scores (1,000 devices
// sort in a few milliseconds, so the server sends the whole list once).
import { useCallback, useMemo } from "react";
import { useSearchParams } from "react-router";
import type { Alert, ComponentKey, DeviceHealth, HealthStatus } from "../../api/mlTypes";
import { COMPONENTS, SEVERITY_RANK, STATUS_RANK, STATUSES } from "./labels";

export type SortKey = "health" | "device" | "status" | "confidence" | "last_seen" | ComponentKey;
export type SortDir = "asc" | "desc";

export const SORT_LABEL: Record<SortKey, string> = {
  health: "Health score",
  device: "Device id",
  status: "Status",
  confidence: "Confidence",
  last_seen: "Last seen",
  ...Object.fromEntries(COMPONENTS.map((c) => [c.key, c.label])),
} as Record<SortKey, string>;

/** The direction a column sorts in first: worst first for scores and status, A–Z for ids. */
export const FIRST_DIR: Record<SortKey, SortDir> = {
  health: "asc",
  device: "asc",
  status: "desc",
  confidence: "asc",
  last_seen: "asc",
  current_stability: "asc",
  battery_performance: "asc",
  gps_reliability: "asc",
  telemetry_quality: "asc",
};

function sortValue(d: DeviceHealth, key: SortKey): number | string | null {
  switch (key) {
    case "health":
      return d.health_score;
    case "device":
      return d.device_id;
    case "status":
      return STATUS_RANK[d.status];
    case "confidence":
      return d.confidence;
    case "last_seen":
      return d.last_seen;
    default:
      return d.component_scores[key];
  }
}

/** Sorted copy; missing values go last in both directions, ties by device id. */
export function sortHealth(devices: DeviceHealth[], key: SortKey, dir: SortDir): DeviceHealth[] {
  const sign = dir === "asc" ? 1 : -1;
  return [...devices].sort((a, b) => {
    const [x, y] = [sortValue(a, key), sortValue(b, key)];
    if (x === null || y === null) return x === y ? a.device_id.localeCompare(b.device_id) : x === null ? 1 : -1;
    const order = typeof x === "string" ? x.localeCompare(String(y)) : x - Number(y);
    return order === 0 ? a.device_id.localeCompare(b.device_id) : sign * order;
  });
}

/** Devices with one of ``statuses`` (all when empty) whose id contains ``search``. */
export function filterHealth(devices: DeviceHealth[], statuses: HealthStatus[], search: string): DeviceHealth[] {
  const needle = search.trim().toLowerCase();
  const wanted = new Set(statuses);
  return devices.filter((d) => (wanted.size === 0 || wanted.has(d.status)) && (!needle || d.device_id.toLowerCase().includes(needle)));
}

/** Devices per status. */
export function countByStatus(devices: DeviceHealth[]): Record<HealthStatus, number> {
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<HealthStatus, number>;
  for (const d of devices) counts[d.status] += 1;
  return counts;
}

/** Why a device scores as it does, in a sentence: its top factor, else its first finding. */
export function topReason(d: DeviceHealth): string | null {
  return d.explanatory_factors[0]?.description ?? d.findings[0]?.description ?? null;
}

/** A device to look at, why, and by when (from its worst unresolved alert). */
export interface AttentionItem {
  device: DeviceHealth;
  alert: Alert | null;
  reason: string | null;
}

/** Devices that are not healthy or carry an alert: alerted first (most severe), then worst status, then lowest score. */
export function rankAttention(devices: DeviceHealth[], alerts: Map<string, Alert>, only: string[] = []): AttentionItem[] {
  const scope = only.length ? new Set(only) : null;
  const items = devices
    .filter((d) => (!scope || scope.has(d.device_id)) && (d.status !== "healthy" || alerts.has(d.device_id)))
    .map((device) => ({ device, alert: alerts.get(device.device_id) ?? null, reason: topReason(device) }));
  const alertRank = (item: AttentionItem) => (item.alert ? SEVERITY_RANK[item.alert.severity] : 0);
  return items.sort(
    (a, b) =>
      alertRank(b) - alertRank(a) ||
      STATUS_RANK[b.device.status] - STATUS_RANK[a.device.status] ||
      (a.device.health_score ?? 101) - (b.device.health_score ?? 101) ||
      a.device.device_id.localeCompare(b.device.device_id),
  );
}

const SORT_KEYS = Object.keys(FIRST_DIR) as SortKey[];

/** The fleet health view's search, statuses, sort and direction, kept in the URL. */
export interface HealthView {
  search: string;
  statuses: HealthStatus[];
  sort: SortKey;
  dir: SortDir;
}

/** Read and update the view in the search parameters (changing it returns to page 1). */
export function useHealthView(): [HealthView, (next: Partial<HealthView>) => void] {
  const [params, setParams] = useSearchParams();
  const sortParam = params.get("sort") as SortKey | null;
  const sort = sortParam && SORT_KEYS.includes(sortParam) ? sortParam : "health";
  const dir: SortDir = params.get("dir") === "desc" ? "desc" : params.get("dir") === "asc" ? "asc" : FIRST_DIR[sort];
  const statusKey = params.getAll("status").filter((s): s is HealthStatus => (STATUSES as string[]).includes(s)).join(",");
  const search = params.get("q") ?? "";
  const view = useMemo<HealthView>(
    () => ({ search, sort, dir, statuses: statusKey ? (statusKey.split(",") as HealthStatus[]) : [] }),
    [search, sort, dir, statusKey],
  );
  const update = useCallback(
    (next: Partial<HealthView>) =>
      setParams(
        (current) => {
          const merged = new URLSearchParams(current);
          if (next.search !== undefined) {
            if (next.search) merged.set("q", next.search);
            else merged.delete("q");
          }
          if (next.statuses !== undefined) {
            merged.delete("status");
            next.statuses.forEach((s) => merged.append("status", s));
          }
          if (next.sort !== undefined) merged.set("sort", next.sort);
          if (next.dir !== undefined) merged.set("dir", next.dir);
          merged.delete("page");
          return merged;
        },
        { replace: true },
      ),
    [setParams],
  );
  return [view, update];
}
