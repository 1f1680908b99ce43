import { useQuery } from "@tanstack/react-query";
import { get } from "../../api/client";
import type { Insights } from "../../api/types";
import { filterProblem, scopeParams, type Filters } from "../../lib/filters";
import { DATA_EVERY } from "../../lib/live";

/** Session locations fetched with the insights (the map thins them to this many). */
export const MAX_LOCATIONS = 500;

/** Fleet KPIs, states, anomaly counts and locations for the filters. */
export function useInsights(filters: Filters) {
  return useQuery({
    queryKey: ["insights", filters],
    queryFn: () => get<Insights>("/api/v1/insights", { ...scopeParams(filters), max_locations: MAX_LOCATIONS }),
    enabled: filterProblem(filters) === null,
    refetchInterval: DATA_EVERY,
  });
}
