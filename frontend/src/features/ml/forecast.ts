// The forecast in words: the predicted failure, where health is heading, when it crosses each
// threshold. Silent pods get no trend: a pod that does not report has no "stable" health.
import type { DeviceHealth, HealthForecast, HealthStatus, Thresholds } from "../../api/mlTypes";
import { formatNumber } from "../../lib/format";
import { componentLabel, formatConfidence, formatPredicted, formatTimeframe, STATUS_RANK } from "./labels";

const LEVELS: { key: "medium" | "high" | "critical"; name: string }[] = [
  { key: "medium", name: "MEDIUM" },
  { key: "high", name: "HIGH" },
  { key: "critical", name: "CRITICAL" },
];

function trendSentence(slope: number | null, health: number | null, thresholds: Thresholds): string | null {
  if (slope === null) return null;
  if (Math.abs(slope) < 0.05) return health !== null && health < thresholds.medium ? "Health is low and not recovering." : "Health is steady.";
  return `Health is ${slope < 0 ? "falling" : "rising"} ${formatNumber(Math.abs(slope), 1)} points a day.`;
}

function failureSentence(device: DeviceHealth): string | null {
  const failure = device.forecast?.predicted_failure ?? device.predicted_failure;
  if (!failure?.at) return null;
  return `Predicted failure of the ${componentLabel(failure.component).toLowerCase()}: ${formatPredicted(failure.at, failure.earliest, failure.latest)}, probability ${formatConfidence(failure.probability)} within the alert horizon.`;
}

/** Sentences describing a device's outlook under its shown status (the worse of model and alerts). */
export function describeForecast(device: DeviceHealth, shown: HealthStatus, thresholds: Thresholds): string[] {
  const forecast: HealthForecast | null | undefined = device.forecast;
  const failure = failureSentence(device);
  if (shown === "offline_likely_failed" || shown === "idle") {
    const silent = device.findings.find((f) => f.type === "availability")?.description ?? "The pod has stopped reporting.";
    return [silent, ...(failure && shown === "offline_likely_failed" ? [failure] : []), "No health trend while the pod is silent."];
  }
  if (!forecast || forecast.health_at_horizon === null) return [...(failure ? [failure] : []), "No forecast yet: this device has too little history."];
  const [low, high] = forecast.interval_at_horizon;
  const band = low !== null && low !== undefined && high !== null && high !== undefined ? ` (80 % band ${formatNumber(low, 1)}–${formatNumber(high, 1)})` : "";
  const sentences = failure ? [failure] : [];
  sentences.push(`Forecast in ${forecast.horizon_days} days: ${formatNumber(forecast.health_at_horizon, 1)} / 100${band}.`);
  const trend = trendSentence(forecast.slope_per_day, device.health_score, thresholds);
  if (trend && !(trend === "Health is steady." && STATUS_RANK[shown] >= STATUS_RANK.degraded)) sentences.push(trend);
  const later: string[] = [];
  for (const level of LEVELS) {
    const days = forecast.days_to_threshold[level.key];
    const label = `${level.name} (${thresholds[level.key]})`;
    if (days === 0) sentences.push(`Already below ${label}.`);
    else if (days === null || days === undefined) later.push(label);
    else {
      const window = forecast.timeframe[level.key];
      sentences.push(`Expected below ${label} in about ${formatNumber(days, 1)} days${window ? ` (${formatTimeframe(window)})` : ""}.`);
    }
  }
  if (later.length) sentences.push(`Not expected below ${later.join(" or ")} within 60 days.`);
  return sentences;
}
