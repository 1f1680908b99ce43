import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { get } from "../../api/client";
import type { AnomalyItem, AnomalyKind, AnomalyPage } from "../../api/types";
import { filterProblem, scopeParams, type Filters } from "../../lib/filters";

export const ANOMALY_KINDS: { kind: AnomalyKind; label: string }[] = [
  { kind: "short_session", label: "Short session (< 5 min)" },
  { kind: "lost_samples", label: "Lost samples" },
  { kind: "missing_gps", label: "Missing GPS" },
  { kind: "low_battery", label: "Low battery (< 20 %)" },
];

/** A readable name for an anomaly kind. */
export function anomalyLabel(kind: AnomalyKind): string {
  return ANOMALY_KINDS.find((k) => k.kind === kind)?.label ?? kind;
}

/** One page of anomalous sessions with the counts per kind. */
export function useAnomalies(filters: Filters, kinds: AnomalyKind[], limit: number, offset: number) {
  return useQuery({
    queryKey: ["anomalies", filters, kinds, limit, offset],
    queryFn: () => get<AnomalyPage>("/api/v1/anomalies", { ...scopeParams(filters), kind: kinds, limit, offset }),
    enabled: filterProblem(filters) === null,
    placeholderData: keepPreviousData,
  });
}

/** A device that showed anomalies, with how many sessions of each kind. */
export interface AttentionRow {
  deviceId: string;
  total: number;
  byKind: Record<AnomalyKind, number>;
  latest: string;
}

// Low battery and short sessions interrupt work; lost samples and missing GPS degrade data.
const WEIGHT: Record<AnomalyKind, number> = { low_battery: 3, short_session: 2, lost_samples: 1, missing_gps: 1 };

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
        byKind: { short_session: 0, lost_samples: 0, missing_gps: 0, low_battery: 0 },
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
