import { useQuery } from "@tanstack/react-query";
import { get } from "../../../api/client";
import type { HealthScoresPage } from "../../../api/mlTypes";
import { DATA_EVERY } from "../../../lib/live";

const REFRESH_POLL_MS = 5_000;

/** Poll quickly while the server recomputes the scores (after new data or a deploy). */
function pollWhileRefreshing(page: HealthScoresPage | undefined): number {
  return page?.metadata.refreshing ? REFRESH_POLL_MS : DATA_EVERY;
}

/** Every device's latest health (the server's cached run: one request for the whole fleet). */
export function useHealthScores() {
  return useQuery({
    queryKey: ["ml", "health-scores", "fleet"],
    queryFn: () => get<HealthScoresPage>("/api/ml/health-scores"),
    refetchInterval: (query) => pollWhileRefreshing(query.state.data),
  });
}

/** One device's health with its daily trend and 7-day forecast. */
export function useDeviceHealth(deviceId: string, days = 30) {
  return useQuery({
    queryKey: ["ml", "health-scores", "device", deviceId, days],
    queryFn: () => get<HealthScoresPage>("/api/ml/health-scores", { device_id: deviceId, include_trends: true, days_history: days }),
    refetchInterval: (query) => pollWhileRefreshing(query.state.data),
  });
}
