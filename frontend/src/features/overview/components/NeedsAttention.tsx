import { Link } from "react-router";
import type { Alert } from "../../../api/mlTypes";
import type { DeviceStatus } from "../../../api/types";
import { LastUpdated } from "../../../components/LastUpdated";
import { ErrorState, Loading } from "../../../components/States";
import { Time } from "../../../components/Time";
import { formatCount, formatLocalDate } from "../../../lib/format";
import type { Filters } from "../../../lib/filters";
import { ALERTS_EVERY } from "../../../lib/live";
import { statusById, useFleetStatus } from "../../fleet/api";
import { urgencyKey } from "../../ml/alertSort";
import { useActiveAlerts } from "../../ml/api/alerts";
import { PredictedWhen } from "../../ml/components/AlertList";
import { SeverityBadge, StatusBadge } from "../../ml/components/Badges";
import { ISSUE_LABEL, STATUS_ACTION, STATUS_RANK } from "../../ml/labels";
import { AnomalyAttention } from "./AnomalyAttention";

const SHOWN_ALERTS = 10;
const SHOWN_WORSE = 8;

function OnIt({ alert }: { alert: Alert }) {
  if (alert.status !== "acknowledged") return <span className="nobody">Nobody yet</span>;
  return (
    <span className="on-it">
      On it: <strong>{alert.acknowledged_by}</strong> since {alert.acknowledged_at ? <Time value={alert.acknowledged_at} /> : "—"}
    </span>
  );
}

function AlertEntry({ alert, device }: { alert: Alert; device: DeviceStatus | undefined }) {
  return (
    <li className={`attention-item alert-state-${alert.status}`}>
      <div className="attention-line">
        <SeverityBadge severity={alert.severity} />
        <Link to={`/devices/${encodeURIComponent(alert.device_id)}`} className="attention-device">
          {alert.device_id}
        </Link>
        <span>
          {ISSUE_LABEL[alert.predicted_issue_type]} {alert.kind === "offline" ? "pod offline" : "failure"}: <PredictedWhen alert={alert} />
        </span>
        <OnIt alert={alert} />
      </div>
      {device?.reason && <p className="attention-why">{device.reason}</p>}
      {alert.recommended_actions[0] && (
        <p className="attention-do">
          <strong>Do:</strong> {alert.recommended_actions[0]}
        </p>
      )}
    </li>
  );
}

function WorseEntry({ device }: { device: DeviceStatus }) {
  return (
    <li className="attention-item">
      <div className="attention-line">
        <StatusBadge status={device.status} />
        <Link to={`/devices/${encodeURIComponent(device.device_id)}`} className="attention-device">
          {device.device_id}
        </Link>
        {device.predicted_failure_at && <span>predicted failure {formatLocalDate(device.predicted_failure_at)}</span>}
        <span className="nobody">No alert yet</span>
      </div>
      {device.reason && <p className="attention-why">{device.reason}</p>}
      {device.status && (
        <p className="attention-do">
          <strong>Do:</strong> {STATUS_ACTION[device.status]}
        </p>
      )}
    </li>
  );
}

/** Devices that are getting worse without an alert: watch or worse, worst first. */
export function gettingWorse(devices: DeviceStatus[]): DeviceStatus[] {
  return devices.filter((d) => d.open_alerts === 0 && d.status !== null && STATUS_RANK[d.status] >= STATUS_RANK.watch);
}

/** What needs action today: unresolved alerts by severity (who is on it), then devices getting worse. */
export function NeedsAttention({ filters }: { filters: Filters }) {
  const fleet = useFleetStatus();
  const alerts = useActiveAlerts();
  if (fleet.isPending || (alerts.isPending && !alerts.isError)) return <Loading label="what needs attention" />;
  if (fleet.isError) return <ErrorState label="the fleet's status" error={fleet.error} onRetry={() => void fleet.refetch()} />;
  if (!fleet.data.ml_available) {
    return (
      <>
        <p className="notice">Health scores and alerts are not available ({fleet.data.ml_message}), so devices are ranked by anomalous sessions instead.</p>
        <AnomalyAttention filters={filters} />
      </>
    );
  }
  const scope = filters.devices.length ? new Set(filters.devices) : null;
  const byId = statusById(fleet.data);
  const active = (alerts.data ?? []).filter((a) => !scope || scope.has(a.device_id)).sort((a, b) => urgencyKey(a).localeCompare(urgencyKey(b)));
  const worse = gettingWorse(fleet.data.devices).filter((d) => !scope || scope.has(d.device_id));
  const open = active.filter((a) => a.status === "open").length;
  return (
    <>
      <LastUpdated queries={[fleet, alerts]} every={ALERTS_EVERY} />
      {alerts.isError && <p className="notice">Alerts could not be loaded; the list below shows devices only.</p>}
      <h3 id="attention-alerts">
        Alerts to handle: {formatCount(open)} open, {formatCount(active.length - open)} being handled
      </h3>
      {active.length === 0 ? (
        <p className="state state-empty">No unresolved alert{scope ? " for the selected devices" : ""}.</p>
      ) : (
        <ol className="attention-list" aria-labelledby="attention-alerts">
          {active.slice(0, SHOWN_ALERTS).map((a) => (
            <AlertEntry key={a.alert_id} alert={a} device={byId.get(a.device_id)} />
          ))}
        </ol>
      )}
      {active.length > SHOWN_ALERTS && (
        <p className="hint">
          {formatCount(active.length - SHOWN_ALERTS)} more on the <Link to="/alerts">Alerts page</Link>.
        </p>
      )}
      <h3 id="attention-worse">Getting worse, no alert yet: {formatCount(worse.length)}</h3>
      {worse.length === 0 ? (
        <p className="state state-empty">No other device is below healthy.</p>
      ) : (
        <ol className="attention-list" aria-labelledby="attention-worse">
          {worse.slice(0, SHOWN_WORSE).map((d) => (
            <WorseEntry key={d.device_id} device={d} />
          ))}
        </ol>
      )}
      {worse.length > SHOWN_WORSE && (
        <p className="hint">
          {formatCount(worse.length - SHOWN_WORSE)} more on <Link to="/health">Fleet health</Link>.
        </p>
      )}
    </>
  );
}
