// Alert order for the lists: what to act on first, or by a column the user picks.
import type { Alert } from "../../api/mlTypes";
import type { SortOrder } from "../../api/types";
import { sortRows } from "../../lib/table";
import { SEVERITY_RANK } from "./labels";

export const ALERT_SORTS = ["urgency", "predicted", "raised", "severity", "device"] as const;
export type AlertSort = (typeof ALERT_SORTS)[number];

export const ALERT_SORT_LABEL: Record<AlertSort, string> = {
  urgency: "Most urgent first",
  predicted: "Predicted failure date",
  raised: "Raised",
  severity: "Severity",
  device: "Device",
};

export const ALERT_FIRST_ORDER: Record<AlertSort, SortOrder> = { urgency: "asc", predicted: "asc", raised: "desc", severity: "desc", device: "asc" };

const STATUS_ORDER = { open: 0, acknowledged: 1, resolved: 2 } as const;

/** Open before acknowledged before resolved, then most severe, then soonest predicted. */
export function urgencyKey(alert: Alert): string {
  const due = alert.predicted_failure_at ? Date.parse(alert.predicted_failure_at) : 9e15;
  return `${STATUS_ORDER[alert.status]}-${4 - SEVERITY_RANK[alert.severity]}-${String(Math.max(0, due)).padStart(16, "0")}`;
}

/** A sorted copy of ``alerts``. */
export function sortAlerts(alerts: Alert[], sort: AlertSort, order: SortOrder): Alert[] {
  const value = (a: Alert): string | number | null => {
    switch (sort) {
      case "urgency":
        return urgencyKey(a);
      case "predicted":
        return a.predicted_failure_at ? Date.parse(a.predicted_failure_at) : null;
      case "raised":
        return Date.parse(a.created_at);
      case "severity":
        return SEVERITY_RANK[a.severity];
      default:
        return a.device_id;
    }
  };
  return sortRows(alerts, value, order, (a) => a.alert_id);
}
