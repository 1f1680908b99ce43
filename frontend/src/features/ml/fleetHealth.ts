// Client-side sort, filter and ranking over the fleet's cached health scores (1,000 devices
// sort in a few milliseconds, so the server sends the whole list once), joined with each
// device's shown status (the worse of model and alerts) from /api/v1/fleet/status.
import { useCallback, useMemo } from "react";
import { useSearchParams } from "react-router";
import type { ComponentKey, DeviceHealth, HealthStatus } from "../../api/mlTypes";
import type { ActiveAlert, DeviceStatus } from "../../api/types";
import { COMPONENTS, SEVERITY_RANK, STATUS_RANK, STATUSES } from "./labels";

export type SortKey = "health" | "device" | "status" | "alert" | "confidence" | "last_seen" | ComponentKey;
export type SortDir = "asc" | "desc";
export type AlertFilter = "" | "any" | "open" | "acknowledged" | "none";

/** A scored device with the status every page shows and its most urgent alert. */
export interface HealthRow extends DeviceHealth {
  shown: HealthStatus;
  alert: ActiveAlert | null;
}

/** Scores joined with the fleet status; a device the status does not know keeps its model status. */
export function joinStatus(devices: DeviceHealth[], states: Map<string, DeviceStatus>): HealthRow[] {
  return devices.map((d) => {
    const state = states.get(d.device_id);
    return { ...d, shown: state?.status ?? d.status, alert: state?.alert ?? null };
  });
}

export const SORT_LABEL: Record<SortKey, string> = {
  health: "Health score",
  device: "Device id",
  status: "Status",
  alert: "Alert",
  confidence: "Confidence",
  last_seen: "Last seen",
  ...Object.fromEntries(COMPONENTS.map((c) => [c.key, c.label])),
} as Record<SortKey, string>;

/** The direction a column sorts in first: worst first for scores, status and alerts, A–Z for ids. */
export const FIRST_DIR: Record<SortKey, SortDir> = {
  health: "asc",
  device: "asc",
  status: "desc",
  alert: "desc",
  confidence: "asc",
  last_seen: "asc",
  current_stability: "asc",
  battery_performance: "asc",
  gps_reliability: "asc",
  telemetry_quality: "asc",
};

function sortValue(d: HealthRow, key: SortKey): number | string | null {
  switch (key) {
    case "health":
      return d.health_score;
    case "device":
      return d.device_id;
    case "status":
      return STATUS_RANK[d.shown];
    case "alert":
      return d.alert ? SEVERITY_RANK[d.alert.severity] * 2 + (d.alert.status === "open" ? 1 : 0) : null;
    case "confidence":
      return d.confidence;
    case "last_seen":
      return d.last_seen;
    default:
      return d.component_scores[key];
  }
}

/** Sorted copy; missing values go last in both directions, ties by device id. */
export function sortHealth(devices: HealthRow[], key: SortKey, dir: SortDir): HealthRow[] {
  const sign = dir === "asc" ? 1 : -1;
  return [...devices].sort((a, b) => {
    const [x, y] = [sortValue(a, key), sortValue(b, key)];
    if (x === null || y === null) return x === y ? a.device_id.localeCompare(b.device_id) : x === null ? 1 : -1;
    const order = typeof x === "string" ? x.localeCompare(String(y)) : x - Number(y);
    if (order !== 0) return sign * order;
    const health = (a.health_score ?? 101) - (b.health_score ?? 101); // equal status: lowest score first
    return key === "status" && health !== 0 ? health : a.device_id.localeCompare(b.device_id);
  });
}

function alertMatches(row: HealthRow, alert: AlertFilter): boolean {
  if (alert === "") return true;
  if (alert === "none") return row.alert === null;
  if (alert === "any") return row.alert !== null;
  return row.alert?.status === alert;
}

/** Devices with one of ``statuses`` (all when empty), the alert state, and an id containing ``search``. */
export function filterHealth(devices: HealthRow[], statuses: HealthStatus[], search: string, alert: AlertFilter = ""): HealthRow[] {
  const needle = search.trim().toLowerCase();
  const wanted = new Set(statuses);
  return devices.filter((d) => (wanted.size === 0 || wanted.has(d.shown)) && alertMatches(d, alert) && (!needle || d.device_id.toLowerCase().includes(needle)));
}

/** Devices per shown status. */
export function countByStatus(devices: HealthRow[]): Record<HealthStatus, number> {
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<HealthStatus, number>;
  for (const d of devices) counts[d.shown] += 1;
  return counts;
}

/** Why a device scores as it does, in a sentence: its top lowering factor, else its first finding. */
export function topReason(d: DeviceHealth): string | null {
  const lowering = d.explanatory_factors.find((f) => f.effect === "lowers");
  return lowering?.description ?? d.findings[0]?.description ?? null;
}

const SORT_KEYS = Object.keys(FIRST_DIR) as SortKey[];
const ALERT_FILTERS: AlertFilter[] = ["any", "open", "acknowledged", "none"];

/** The fleet health view's search, statuses, alert filter, sort and direction, kept in the URL (``order``, as every table). */
export interface HealthView {
  search: string;
  statuses: HealthStatus[];
  alert: AlertFilter;
  sort: SortKey;
  order: SortDir;
}

/** The direction in the URL: ``order``, else an old link's ``dir``, else the column's first. */
function readOrder(params: URLSearchParams, sort: SortKey): SortDir {
  const given = params.get("order") ?? params.get("dir");
  return given === "asc" || given === "desc" ? given : FIRST_DIR[sort];
}

/** Read and update the view in the search parameters (changing it returns to page 1). */
export function useHealthView(): [HealthView, (next: Partial<HealthView>) => void] {
  const [params, setParams] = useSearchParams();
  const sortParam = params.get("sort") as SortKey | null;
  const sort = sortParam && SORT_KEYS.includes(sortParam) ? sortParam : "status";
  const order = readOrder(params, sort);
  const statusKey = params
    .getAll("status")
    .filter((s): s is HealthStatus => (STATUSES as string[]).includes(s))
    .join(",");
  const alertParam = params.get("alert") as AlertFilter | null;
  const alert = alertParam && ALERT_FILTERS.includes(alertParam) ? alertParam : "";
  const search = params.get("q") ?? "";
  const view = useMemo<HealthView>(
    () => ({ search, sort, order, alert, statuses: statusKey ? (statusKey.split(",") as HealthStatus[]) : [] }),
    [search, sort, order, alert, statusKey],
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
            for (const s of next.statuses) merged.append("status", s);
          }
          if (next.alert !== undefined) {
            if (next.alert) merged.set("alert", next.alert);
            else merged.delete("alert");
          }
          if (next.sort !== undefined) merged.set("sort", next.sort);
          const order = next.order ?? merged.get("order") ?? merged.get("dir"); // an old link's dir= becomes order=
          if (order) merged.set("order", order);
          merged.delete("dir");
          merged.delete("page");
          return merged;
        },
        { replace: true },
      ),
    [setParams],
  );
  return [view, update];
}
