// The forecast in words: where health is heading and when it crosses each threshold.
import type { HealthForecast, Thresholds } from "../../api/mlTypes";
import { formatNumber } from "../../lib/format";
import { formatTimeframe } from "./labels";

const LEVELS: { key: "medium" | "high" | "critical"; name: string }[] = [
  { key: "medium", name: "MEDIUM" },
  { key: "high", name: "HIGH" },
  { key: "critical", name: "CRITICAL" },
];

function trendSentence(slope: number | null): string | null {
  if (slope === null) return null;
  if (Math.abs(slope) < 0.05) return "Health is stable.";
  return `Health is ${slope < 0 ? "falling" : "rising"} ${formatNumber(Math.abs(slope), 1)} points a day.`;
}

/** Sentences describing ``forecast``: the horizon value with its band, the trend, each threshold crossing. */
export function describeForecast(forecast: HealthForecast | undefined, thresholds: Thresholds): string[] {
  if (!forecast || forecast.health_at_horizon === null) return ["No forecast yet: this device has too little history."];
  const [low, high] = forecast.interval_at_horizon;
  const band = low !== null && low !== undefined && high !== null && high !== undefined ? ` (80 % band ${formatNumber(low, 1)}–${formatNumber(high, 1)})` : "";
  const sentences = [`Forecast in ${forecast.horizon_days} days: ${formatNumber(forecast.health_at_horizon, 1)} / 100${band}.`];
  const trend = trendSentence(forecast.slope_per_day);
  if (trend) sentences.push(trend);
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
