import { useQuery } from "@tanstack/react-query";
import { get } from "../../api/client";
import type { DeviceList, DeviceSummary } from "../../api/types";
import { DATA_EVERY } from "../../lib/live";

/** Every device (up to the API's 10,000 cap), for selectors and the device list. */
export function useDevices() {
  return useQuery({
    queryKey: ["devices"],
    queryFn: () => get<DeviceList>("/api/v1/devices", { limit: 10000 }),
    refetchInterval: DATA_EVERY,
  });
}

/** One device's summary. */
export function useDevice(deviceId: string) {
  return useQuery({
    queryKey: ["device", deviceId],
    queryFn: () => get<DeviceSummary>(`/api/v1/devices/${encodeURIComponent(deviceId)}`),
    refetchInterval: DATA_EVERY,
  });
}
