import type { DeviceHealth, HealthStatus, Thresholds } from "../../../api/mlTypes";
import { Kpi, KpiGrid } from "../../../components/Kpi";
import { Empty, Loading } from "../../../components/States";
import { Time } from "../../../components/Time";
import { formatNumber, formatUtcDay } from "../../../lib/format";
import { isUnknownDevice } from "../api/common";
import { useDeviceHealth } from "../api/health";
import { describeForecast } from "../forecast";
import { componentLabel, DEFAULT_THRESHOLDS, formatConfidence, formatScore } from "../labels";
import { ComponentBars, StatusBadge } from "./Badges";
import { ComponentsChart, HealthTrendChart, TrendTable } from "./HealthCharts";
import { MlError } from "./MlState";

const BASELINE: Record<DeviceHealth["explanatory_factors"][number]["baseline_kind"], string> = {
  fleet: "the fleet",
  own: "this pod when commissioned",
  place: "other pods at the same places",
};

function Factors({ device }: { device: DeviceHealth }) {
  if (device.explanatory_factors.length === 0) {
    return <p className="hint">No indicator is measured for this device yet.</p>;
  }
  return (
    <ol className="factor-list" aria-label="Explanatory factors">
      {device.explanatory_factors.map((f) => (
        <li key={`${f.component}-${f.feature}`}>
          <p className="factor-text">{f.description}</p>
          <p className="hint">
            {componentLabel(f.component)} · {f.effect === "lowers" ? `costs ${formatNumber(f.contribution, 1)} points` : "holds the score"} · compared with{" "}
            {BASELINE[f.baseline_kind]}
          </p>
        </li>
      ))}
    </ol>
  );
}

function Findings({ device }: { device: DeviceHealth }) {
  if (device.findings.length === 0) return null;
  return (
    <>
      <h3>Findings</h3>
      <ul className="finding-list" aria-label="Findings">
        {device.findings.map((f) => (
          <li key={`${f.type}-${f.finding}-${f.description}`}>
            <span className="tag tag-medium">
              {f.type.replaceAll("_", " ")}: {f.finding.replaceAll("_", " ")}
            </span>{" "}
            {f.description}
            <Evidence finding={f} />
          </li>
        ))}
      </ul>
    </>
  );
}

const SHOWN_KEYS = new Set(["type", "finding", "description"]);

/** Extra fields of a finding (e.g. the two pods behind an id collision) as a small list. */
function Evidence({ finding }: { finding: DeviceHealth["findings"][number] }) {
  const extra = Object.entries(finding).filter(([key, value]) => !SHOWN_KEYS.has(key) && value !== null && value !== undefined);
  if (extra.length === 0) return null;
  return (
    <details className="evidence">
      <summary>Evidence</summary>
      <dl className="stat-list">
        {extra.map(([key, value]) => (
          <div key={key} className="service-row">
            <dt>{key.replaceAll("_", " ")}</dt>
            <dd>{typeof value === "object" ? JSON.stringify(value) : String(value)}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

function Headline({ device, shown }: { device: DeviceHealth; shown: HealthStatus }) {
  const [low, high] = device.confidence_interval;
  return (
    <KpiGrid label="Health summary">
      <Kpi label="Health score" value={formatScore(device.health_score)} note={<StatusBadge status={shown} />} />
      <Kpi
        label="Confidence"
        value={formatConfidence(device.confidence)}
        note={low !== null && high !== null ? `interval ${formatNumber(low, 1)}–${formatNumber(high, 1)}` : undefined}
      />
      <Kpi
        label="Scored day (UTC)"
        value={formatUtcDay(device.day)}
        note={
          <>
            last report {device.last_seen ? <Time value={device.last_seen} /> : "—"} · model {device.model_version}
          </>
        }
      />
    </KpiGrid>
  );
}

function HealthDetail({ device, thresholds, shown }: { device: DeviceHealth; thresholds: Thresholds; shown: HealthStatus }) {
  const trend = device.trend ?? [];
  return (
    <>
      <Headline device={device} shown={shown} />
      <div className="grid-2">
        <div>
          <h3>Components</h3>
          <ComponentBars scores={device.component_scores} thresholds={thresholds} />
        </div>
        <div>
          <h3>Why</h3>
          <Factors device={device} />
        </div>
      </div>
      <Findings device={device} />
      <h3>Health trend and forecast</h3>
      <ul className="forecast-text" aria-label="Forecast">
        {describeForecast(device, shown, thresholds).map((sentence) => (
          <li key={sentence}>{sentence}</li>
        ))}
      </ul>
      {trend.length > 0 ? (
        <figure className="chart-figure">
          <HealthTrendChart trend={trend} forecast={device.forecast} thresholds={thresholds} />
          <figcaption className="hint">
            Daily health (0–100) over {trend.length} days, the {device.forecast?.horizon_days ?? 7}-day forecast (dashed) with its 80 % band, and the MEDIUM {thresholds.medium},
            HIGH {thresholds.high} and CRITICAL {thresholds.critical} alert levels. Days are UTC.
          </figcaption>
        </figure>
      ) : (
        <Empty>No daily history yet.</Empty>
      )}
      {trend.length > 0 && (
        <>
          <h3>Components over time</h3>
          <ComponentsChart trend={trend} />
          <TrendTable trend={trend} forecast={device.forecast} />
        </>
      )}
    </>
  );
}

/** A device's health: score, components, factors in plain words, findings, trend and forecast. */
export function DeviceHealthSection({ deviceId, shown }: { deviceId: string; shown?: HealthStatus | null }) {
  const query = useDeviceHealth(deviceId);
  if (query.isPending) return <Loading label="this device's health" />;
  if (query.isError) {
    if (isUnknownDevice(query.error)) return <Empty>No health score: this device has no telemetry in the scoring window.</Empty>;
    return <MlError label="this device's health" error={query.error} onRetry={() => void query.refetch()} />;
  }
  const device = query.data.data[0];
  if (!device) return <Empty>No health score for this device.</Empty>;
  return <HealthDetail device={device} shown={shown ?? device.status} thresholds={query.data.metadata.thresholds ?? DEFAULT_THRESHOLDS} />;
}
