import { Link } from "react-router";
import { isMlUnavailable, Loading } from "../../../components/States";
import { Time } from "../../../components/Time";
import { formatCount } from "../../../lib/format";
import type { Filters } from "../../../lib/filters";
import { useActiveAlerts } from "../../ml/api/alerts";
import { useHealthScores } from "../../ml/api/health";
import { StatusBadge, SeverityBadge } from "../../ml/components/Badges";
import { MlError } from "../../ml/components/MlState";
import { rankAttention, type AttentionItem } from "../../ml/fleetHealth";
import { formatScore, formatTimeframe, ISSUE_LABEL } from "../../ml/labels";
import { AnomalyAttention } from "./AnomalyAttention";

const TOP = 8;

function ByWhen({ item }: { item: AttentionItem }) {
  if (!item.alert) return <span className="hint">no open alert</span>;
  const { alert } = item;
  return (
    <span className="attention-when">
      <SeverityBadge severity={alert.severity} /> {ISSUE_LABEL[alert.predicted_issue_type]} issue expected <strong>{formatTimeframe(alert.predicted_timeframe)}</strong>
    </span>
  );
}

function AttentionList({ items, total, asOf }: { items: AttentionItem[]; total: number; asOf: string | null }) {
  return (
    <>
      <ol className="attention-list attention-health" aria-label="Devices needing attention, worst first">
        {items.map((item) => (
          <li key={item.device.device_id}>
            <div className="attention-line">
              <Link to={`/devices/${encodeURIComponent(item.device.device_id)}`} className="attention-device">
                {item.device.device_id}
              </Link>
              <span className="attention-score">{formatScore(item.device.health_score)}</span>
              <StatusBadge status={item.device.status} />
              <ByWhen item={item} />
            </div>
            <p className="attention-why">{item.reason ?? "No single factor stands out; see the device."}</p>
          </li>
        ))}
      </ol>
      <p className="hint">
        {formatCount(total)} devices are not healthy or carry an open alert
        {asOf && (
          <>
            {" "}
            (scores as of <Time value={asOf} />)
          </>
        )}
        . <Link to="/health">Every device on Fleet health</Link>
      </p>
    </>
  );
}

/** The worst devices by health and open alerts: which, why (top factor) and by when (alert timeframe). */
export function NeedsAttention({ filters }: { filters: Filters }) {
  const health = useHealthScores();
  const alerts = useActiveAlerts();
  if (health.isError) {
    if (!isMlUnavailable(health.error)) return <MlError label="health scores" error={health.error} onRetry={() => void health.refetch()} />;
    return (
      <>
        <p className="notice">The ML service is not available, so devices are ranked by anomalous sessions instead of health.</p>
        <AnomalyAttention filters={filters} />
      </>
    );
  }
  if (health.isPending || alerts.isPending) return <Loading label="devices needing attention" />;
  const ranked = rankAttention(health.data.data, alerts.data ?? new Map(), filters.devices);
  return (
    <>
      {alerts.isError && <p className="notice">Alerts could not be loaded, so “by when” is missing.</p>}
      {ranked.length === 0 ? (
        <p className="state state-empty">Every {filters.devices.length ? "selected " : ""}device is healthy and none has an open alert.</p>
      ) : (
        <AttentionList items={ranked.slice(0, TOP)} total={ranked.length} asOf={health.data.metadata.as_of} />
      )}
    </>
  );
}
