import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { get, sendJson } from "../../../api/client";
import type { Alert, AlertPage, AlertStatus, MlStatistics, Outcome, Severity } from "../../../api/mlTypes";
import { ALERTS_EVERY } from "../../../lib/live";
import { SEVERITY_RANK } from "../labels";

/** The alert list's filters (empty = any). */
export interface AlertFilters {
  severity: Severity | "";
  status: AlertStatus | "";
  device: string;
}

function filterParams(filters: AlertFilters) {
  return { severity: filters.severity, status: filters.status, device_id: filters.device };
}

/** One page of alerts, newest first. */
export function useAlerts(filters: AlertFilters, page: number, limit: number) {
  return useQuery({
    queryKey: ["ml", "alerts", "page", filters, page, limit],
    queryFn: () => get<AlertPage>("/api/ml/alerts", { ...filterParams(filters), page, limit }),
    placeholderData: keepPreviousData,
    refetchInterval: ALERTS_EVERY,
  });
}

const ALL_LIMIT = 500;
const ALL_PAGES = 5;

async function allAlerts(params: Record<string, string>): Promise<{ alerts: Alert[]; total: number }> {
  const alerts: Alert[] = [];
  let total = 0;
  for (let page = 1; page <= ALL_PAGES; page++) {
    const answer = await get<AlertPage>("/api/ml/alerts", { ...params, page, limit: ALL_LIMIT });
    alerts.push(...answer.data);
    total = answer.pagination.total;
    if (page >= answer.pagination.pages) break;
  }
  return { alerts, total };
}

/** Up to 2,500 alerts matching the filters, for the list and the timeline (``total`` says if there are more). */
export function useAllAlerts(filters: AlertFilters) {
  return useQuery({
    queryKey: ["ml", "alerts", "all", filters],
    queryFn: () => allAlerts(filterParams(filters)),
    placeholderData: keepPreviousData,
    refetchInterval: ALERTS_EVERY,
  });
}

/** The query parameters of the alert filters (for the CSV export). */
export function alertFilterParams(filters: AlertFilters) {
  return filterParams(filters);
}

/** Every unresolved alert (open or acknowledged). */
export function useActiveAlerts() {
  return useQuery({
    queryKey: ["ml", "alerts", "active"],
    queryFn: async () => {
      const [open, acknowledged] = await Promise.all([allAlerts({ status: "open" }), allAlerts({ status: "acknowledged" })]);
      return [...open.alerts, ...acknowledged.alerts];
    },
    refetchInterval: ALERTS_EVERY,
  });
}

/** Per device, its most severe alert (the newest among equals). */
export function worstByDevice(alerts: Alert[]): Map<string, Alert> {
  const worst = new Map<string, Alert>();
  for (const alert of alerts) {
    const current = worst.get(alert.device_id);
    const rank = SEVERITY_RANK[alert.severity];
    if (!current || rank > SEVERITY_RANK[current.severity] || (rank === SEVERITY_RANK[current.severity] && alert.created_at > current.created_at)) {
      worst.set(alert.device_id, alert);
    }
  }
  return worst;
}

/** Alert counts by status and severity, and the operator-judged precision. */
export function useMlStatistics() {
  return useQuery({
    queryKey: ["ml", "statistics"],
    queryFn: () => get<MlStatistics>("/api/ml/statistics"),
    refetchInterval: ALERTS_EVERY,
  });
}

function useAlertMutation<T>(send: (input: T) => Promise<Alert>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: send,
    onSuccess: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: ["ml", "alerts"] }),
        client.invalidateQueries({ queryKey: ["ml", "statistics"] }),
        client.invalidateQueries({ queryKey: ["fleet"] }),
      ]),
  });
}

/** open -> acknowledged, with optional notes (operator). */
export function useAcknowledge() {
  return useAlertMutation(({ alertId, notes }: { alertId: string; notes: string }) =>
    sendJson<Alert>("POST", `/api/ml/alerts/${encodeURIComponent(alertId)}/acknowledge`, { notes: notes.trim() || null }),
  );
}

/** open or acknowledged -> resolved with an outcome (operator). */
export function useResolve() {
  return useAlertMutation(({ alertId, outcome, notes }: { alertId: string; outcome: Outcome; notes: string }) =>
    sendJson<Alert>("POST", `/api/ml/alerts/${encodeURIComponent(alertId)}/resolve`, { outcome, notes: notes.trim() || null }),
  );
}
