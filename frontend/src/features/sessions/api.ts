import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { get } from "../../api/client";
import type { DailyActivityPage, SessionPage, SessionSort, SortOrder } from "../../api/types";
import { filterProblem, scopeParams, type Filters } from "../../lib/filters";
import { DATA_EVERY } from "../../lib/live";

/** Columns the session list sorts by (server side), and their first direction. */
export const SESSION_SORTS: readonly SessionSort[] = ["start_ts", "device_id", "duration_s", "drilling_s", "samples", "lost_samples", "missing_gps", "battery_min", "avg_current"];
export const SESSION_FIRST_ORDER: Partial<Record<SessionSort, SortOrder>> = {
  start_ts: "desc",
  duration_s: "desc",
  drilling_s: "desc",
  samples: "desc",
  lost_samples: "desc",
  missing_gps: "desc",
  avg_current: "desc",
};

/** One page of sessions in the chosen order (newest first by default). */
export function useSessions(filters: Filters, limit: number, offset: number, sort: SessionSort = "start_ts", order: SortOrder = "desc") {
  return useQuery({
    queryKey: ["sessions", filters, limit, offset, sort, order],
    queryFn: () => get<SessionPage>("/api/v1/sessions", { ...scopeParams(filters), limit, offset, sort, order }),
    enabled: filterProblem(filters) === null,
    placeholderData: keepPreviousData,
    refetchInterval: DATA_EVERY,
  });
}

/** Drilling hours per UTC day, the ``top`` busiest devices on their own (aggregated by the server). */
export function useDailyActivity(filters: Filters, top: number) {
  return useQuery({
    queryKey: ["sessions", "daily", filters, top],
    queryFn: () => get<DailyActivityPage>("/api/v1/sessions/daily", { ...scopeParams(filters), top }),
    enabled: filterProblem(filters) === null,
    refetchInterval: DATA_EVERY,
  });
}

export const OTHER = "Other devices";
