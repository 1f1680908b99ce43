import "../ml.css";
import type { AlertStatus, HealthStatus, Severity, Thresholds } from "../../../api/mlTypes";
import { ALERT_STATUS_LABEL, COMPONENTS, formatScore, scoreLevel, STATUS_LABEL } from "../labels";
import type { ComponentScores } from "../../../api/mlTypes";
import { formatNumber } from "../../../lib/format";

/** A device's status as a coloured badge with its name ("Not scored" when null). */
export function StatusBadge({ status }: { status: HealthStatus | null }) {
  if (status === null) return <span className="badge status-unknown">Not scored</span>;
  return <span className={`badge status-${status}`}>{STATUS_LABEL[status]}</span>;
}

/** An alert's severity as a coloured badge. */
export function SeverityBadge({ severity }: { severity: Severity }) {
  return <span className={`badge severity-${severity.toLowerCase()}`}>{severity}</span>;
}

/** An alert's lifecycle state; an acknowledged one says who is on it. */
export function AlertStatusBadge({ status, by }: { status: AlertStatus; by?: string | null }) {
  const text = status === "acknowledged" && by ? `On it: ${by}` : ALERT_STATUS_LABEL[status];
  return <span className={`badge alert-${status}`}>{text}</span>;
}

/** A score out of 100 with a bar coloured by the band it falls in (MEDIUM/HIGH/CRITICAL). */
export function ScoreBar({ value, thresholds, label }: { value: number | null; thresholds: Thresholds; label: string }) {
  const level = scoreLevel(value, thresholds);
  const width = value === null ? 0 : Math.max(0, Math.min(100, value));
  return (
    <span className="score-bar" title={`${label}: ${formatScore(value)}`}>
      <span className="score-track" aria-hidden="true">
        <span className={`score-fill level-${level}`} style={{ width: `${width}%` }} />
      </span>
      <span className="score-value">{formatNumber(value, 0)}</span>
    </span>
  );
}

/** The four component scores as labelled bars (compact: short names for table cells). */
export function ComponentBars({ scores, thresholds, compact = false }: { scores: ComponentScores; thresholds: Thresholds; compact?: boolean }) {
  return (
    <dl className={`component-bars ${compact ? "compact" : ""}`}>
      {COMPONENTS.map((c) => (
        <div key={c.key} className="component-row">
          <dt>{compact ? c.short : c.label}</dt>
          <dd>
            <ScoreBar value={scores[c.key]} thresholds={thresholds} label={c.label} />
            <span className="visually-hidden"> of 100</span>
          </dd>
        </div>
      ))}
    </dl>
  );
}
