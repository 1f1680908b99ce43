import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { get } from "../../api/client";
import type { AnomalyItem, AnomalyKind, AnomalyPage, AnomalySort, IdCollision, SortOrder } from "../../api/types";
import { formatCount, formatDuration, formatNumber, formatPercent } from "../../lib/format";
import { filterProblem, scopeParams, type Filters } from "../../lib/filters";
import { DATA_EVERY } from "../../lib/live";

export const ANOMALY_SORTS: readonly AnomalySort[] = ["start_ts", "kind", "device_id", "duration_s", "samples", "lost_samples", "missing_gps", "battery_min"];
export const ANOMALY_FIRST_ORDER: Partial<Record<AnomalySort, SortOrder>> = { start_ts: "desc", duration_s: "desc", samples: "desc", lost_samples: "desc", missing_gps: "desc" };

export const ANOMALY_KINDS: { kind: AnomalyKind; label: string }[] = [
  { kind: "short_session", label: "Short session (< 5 min)" },
  { kind: "lost_samples", label: "Lost samples" },
  { kind: "missing_gps", label: "Missing GPS" },
  { kind: "low_battery", label: "Low battery (< 20 %)" },
  { kind: "id_collision", label: "Two pods under one ID" },
];

/** A readable name for an anomaly kind. */
export function anomalyLabel(kind: AnomalyKind): string {
  return ANOMALY_KINDS.find((k) => k.kind === kind)?.label ?? kind;
}

/** The evidence of a second pod, in words: how long, both counters, how far apart, both batteries. */
export function collisionSummary(c: IdCollision): string {
  const seconds = (Date.parse(c.end_ts) - Date.parse(c.start_ts)) / 1000;
  const parts = [
    `second pod for ${formatDuration(seconds)} (${formatCount(c.intruder_rows)} samples)`,
    `seq ${c.intruder_seq_from}–${c.intruder_seq_to} against own ${c.own_seq_from}–${c.own_seq_to}`,
  ];
  if (c.distance_m !== null) parts.push(`${formatNumber(c.distance_m / 1000, 1)} km apart`);
  if (c.intruder_battery !== null && c.own_battery !== null) {
    parts.push(`battery ${formatPercent(c.intruder_battery, 0)} against own ${formatPercent(c.own_battery, 0)}`);
  }
  return parts.join(", ");
}

/** One page of anomalous sessions with the counts per kind. */
export function useAnomalies(filters: Filters, kinds: AnomalyKind[], limit: number, offset: number, sort: AnomalySort = "start_ts", order: SortOrder = "desc") {
  return useQuery({
    queryKey: ["anomalies", filters, kinds, limit, offset, sort, order],
    queryFn: () => get<AnomalyPage>("/api/v1/anomalies", { ...scopeParams(filters), kind: kinds, limit, offset, sort, order }),
    enabled: filterProblem(filters) === null,
    placeholderData: keepPreviousData,
    refetchInterval: DATA_EVERY,
  });
}

/** A device that showed anomalies, with how many sessions of each kind. */
export interface AttentionRow {
  deviceId: string;
  total: number;
  byKind: Record<AnomalyKind, number>;
  latest: string;
}

// Low battery and short sessions interrupt work; a second pod under the id corrupts the
// device's history (false alarms); lost samples and missing GPS degrade data.
const WEIGHT: Record<AnomalyKind, number> = { low_battery: 3, short_session: 2, id_collision: 2, lost_samples: 1, missing_gps: 1 };

/** Devices ranked by weighted anomaly count, worst first. */
export function rankDevices(items: AnomalyItem[], top: number): AttentionRow[] {
  const rows = new Map<string, AttentionRow & { score: number }>();
  for (const item of items) {
    let row = rows.get(item.device_id);
    if (!row) {
      row = {
        deviceId: item.device_id,
        total: 0,
        score: 0,
        latest: item.start_ts,
        byKind: { short_session: 0, lost_samples: 0, missing_gps: 0, low_battery: 0, id_collision: 0 },
      };
      rows.set(item.device_id, row);
    }
    row.total += 1;
    row.score += WEIGHT[item.kind];
    row.byKind[item.kind] += 1;
    if (item.start_ts > row.latest) row.latest = item.start_ts;
  }
  return [...rows.values()]
    .sort((a, b) => b.score - a.score || b.latest.localeCompare(a.latest))
    .slice(0, top)
    .map(({ score: _score, ...row }) => row);
}
