// Readable names, severity order and colours for the ML views (colour never stands alone:
// every badge also carries its text).
import type { AlertStatus, ComponentKey, HealthStatus, IssueType, Outcome, Severity, Thresholds } from "../../api/mlTypes";
import { formatNumber } from "../../lib/format";

export const STATUSES: HealthStatus[] = ["critical", "degraded", "watch", "healthy", "insufficient_data"];

export const STATUS_LABEL: Record<HealthStatus, string> = {
  critical: "Critical",
  degraded: "Degraded",
  watch: "Watch",
  healthy: "Healthy",
  insufficient_data: "Insufficient data",
};

/** Higher = worse; insufficient data ranks with "watch" (someone should look). */
export const STATUS_RANK: Record<HealthStatus, number> = { critical: 4, degraded: 3, watch: 2, insufficient_data: 1, healthy: 0 };

export const COMPONENTS: { key: ComponentKey; label: string; short: string }[] = [
  { key: "current_stability", label: "Motor current stability", short: "Motor" },
  { key: "battery_performance", label: "Battery performance", short: "Battery" },
  { key: "gps_reliability", label: "GPS reliability", short: "GPS" },
  { key: "telemetry_quality", label: "Telemetry quality", short: "Telemetry" },
];

/** The readable name of a component key ("battery_performance" -> "Battery performance"). */
export function componentLabel(key: string): string {
  return COMPONENTS.find((c) => c.key === key)?.label ?? key.replaceAll("_", " ");
}

export const SEVERITIES: Severity[] = ["CRITICAL", "HIGH", "MEDIUM", "LOW"];
export const SEVERITY_RANK: Record<Severity, number> = { CRITICAL: 4, HIGH: 3, MEDIUM: 2, LOW: 1 };
export const SEVERITY_COLOUR: Record<Severity, string> = { CRITICAL: "#b91c1c", HIGH: "#d55e00", MEDIUM: "#e69f00", LOW: "#56b4e9" };

export const ALERT_STATUSES: AlertStatus[] = ["open", "acknowledged", "resolved"];
export const ALERT_STATUS_LABEL: Record<AlertStatus, string> = { open: "Open", acknowledged: "Acknowledged", resolved: "Resolved" };

export const OUTCOMES: { value: Outcome; label: string; help: string }[] = [
  { value: "confirmed_fault", label: "Confirmed fault", help: "the predicted problem was real" },
  { value: "false_alarm", label: "False alarm", help: "nothing was wrong" },
  { value: "maintenance_done", label: "Maintenance done", help: "serviced before it failed" },
];

/** The readable name of an outcome. */
export function outcomeLabel(outcome: string | null): string {
  return OUTCOMES.find((o) => o.value === outcome)?.label ?? outcome ?? "—";
}

export const ISSUE_LABEL: Record<IssueType, string> = { motor: "Motor", battery: "Battery", gps: "GPS", telemetry: "Telemetry" };

/** A health score out of 100 with one decimal: "64.2 / 100". */
export function formatScore(value: number | null | undefined): string {
  const text = formatNumber(value, 1);
  return text === "—" ? text : `${text} / 100`;
}

/** A 0..1 confidence as a whole percentage: "87 %". */
export function formatConfidence(value: number | null | undefined): string {
  const text = formatNumber(value === null || value === undefined ? value : value * 100, 0);
  return text === "—" ? text : `${text} %`;
}

/** "1-8 days" -> "1–8 days"; "now" stays. */
export function formatTimeframe(text: string | null | undefined): string {
  return text ? text.replace(/(\d)-(\d)/, "$1–$2") : "—";
}

export type Level = "ok" | "medium" | "high" | "critical" | "none";

/** Which band a score falls in: below CRITICAL, HIGH or MEDIUM, or above them. */
export function scoreLevel(score: number | null | undefined, thresholds: Thresholds): Level {
  if (score === null || score === undefined || !Number.isFinite(score)) return "none";
  if (score < thresholds.critical) return "critical";
  if (score < thresholds.high) return "high";
  if (score < thresholds.medium) return "medium";
  return "ok";
}

/** Defaults of the settings, for answers from a backend that does not send thresholds. */
export const DEFAULT_THRESHOLDS: Thresholds = { alert: 70, medium: 70, high: 50, critical: 30 };
