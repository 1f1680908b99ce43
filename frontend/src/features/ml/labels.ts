// Readable names, severity order and colours for the ML views (colour never stands alone:
// every badge also carries its text).
import type { AlertStatus, ComponentKey, HealthStatus, IssueType, Outcome, Severity, Thresholds } from "../../api/mlTypes";
import { formatLocalDate, formatNumber } from "../../lib/format";
import type { Theme } from "../../lib/theme";

/** Worst first: the API's one status vocabulary (app/services/urgency.py orders it the same). */
export const STATUSES: HealthStatus[] = ["offline_likely_failed", "critical", "degraded", "watch", "insufficient_data", "idle", "healthy"];

export const STATUS_LABEL: Record<HealthStatus, string> = {
  offline_likely_failed: "Offline, likely failed",
  critical: "Critical",
  degraded: "Degraded",
  watch: "Watch",
  insufficient_data: "Insufficient data",
  idle: "Idle",
  healthy: "Healthy",
};

/** Higher = worse, as on the server. */
export const STATUS_RANK: Record<HealthStatus, number> = {
  offline_likely_failed: 6,
  critical: 5,
  degraded: 4,
  watch: 3,
  insufficient_data: 2,
  idle: 1,
  healthy: 0,
};

/** Map markers and legend swatches: >= 3:1 against the map and the card in each theme. */
export const STATUS_COLOUR: Record<Theme, Record<HealthStatus, string>> = {
  light: {
    offline_likely_failed: "#6b21a8",
    critical: "#b91c1c",
    degraded: "#c2410c",
    watch: "#8a5a00",
    insufficient_data: "#52606d",
    idle: "#4b5563",
    healthy: "#1e7d46",
  },
  dark: {
    offline_likely_failed: "#d59cff",
    critical: "#ff7b7b",
    degraded: "#ff9a66",
    watch: "#e8b339",
    insufficient_data: "#a3b1cc",
    idle: "#b0b8c2",
    healthy: "#4cc38a",
  },
};

/** What a manager should do about a device in this status, when no alert says more. */
export const STATUS_ACTION: Record<HealthStatus, string> = {
  offline_likely_failed: "Check the machine on site: it went silent after signs of wear.",
  critical: "Take it out of service and repair the failing part.",
  degraded: "Plan a repair at the next service stop.",
  watch: "Keep an eye on it; inspect at the next service.",
  insufficient_data: "Let it run a few more days before judging.",
  idle: "Nothing to do: not in use lately.",
  healthy: "Nothing to do.",
};

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
export const SEVERITY_COLOUR: Record<Theme, Record<Severity, string>> = {
  light: { CRITICAL: "#b91c1c", HIGH: "#c2410c", MEDIUM: "#8a5a00", LOW: "#0b5cad" },
  dark: { CRITICAL: "#ff7b7b", HIGH: "#ff9a66", MEDIUM: "#e8b339", LOW: "#6cb4ff" },
};

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

/** A predicted failure date with its range: "Sep 2, 2025 (Aug 29 – Oct 30, 2025)". */
export function formatPredicted(at: string | null | undefined, earliest?: string | null, latest?: string | null): string {
  if (!at) return "—";
  const day = formatLocalDate(at);
  const [low, high] = [earliest ? formatLocalDate(earliest) : null, latest ? formatLocalDate(latest) : null];
  if (!low || !high || (low === day && high === day)) return day;
  return `${day} (${low} – ${high})`;
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
