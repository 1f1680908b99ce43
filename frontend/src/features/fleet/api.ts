import { useQuery } from "@tanstack/react-query";
import { get } from "../../api/client";
import type { AlertPage } from "../../api/mlTypes";
import type { DeviceStatus, FleetStatus } from "../../api/types";
import { ALERTS_EVERY } from "../../lib/live";

/** Every device's shown status (the worse of model and alerts), reason, position and top alert. */
export function useFleetStatus() {
  return useQuery({
    queryKey: ["fleet", "status"],
    queryFn: () => get<FleetStatus>("/api/v1/fleet/status"),
    refetchInterval: ALERTS_EVERY,
  });
}

/** The number of open (not yet acknowledged) alerts, for the navigation. */
export function useOpenAlertCount() {
  return useQuery({
    queryKey: ["ml", "alerts", "open-count"],
    queryFn: async () => (await get<AlertPage>("/api/ml/alerts", { status: "open", limit: 1 })).pagination.total,
    refetchInterval: ALERTS_EVERY,
    retry: false,
  });
}

/** Device id -> its status row. */
export function statusById(fleet: FleetStatus | undefined): Map<string, DeviceStatus> {
  return new Map((fleet?.devices ?? []).map((d) => [d.device_id, d]));
}
