import { useState } from "react";
import { Link } from "react-router";
import type { Alert } from "../../../api/mlTypes";
import { hasRole, useAuth } from "../../../auth/session";
import { Time } from "../../../components/Time";
import { useAnnotations } from "../../notifications/api";
import { AlertMarkers, AlertWork, BulkAcknowledgeBar } from "../../notifications/components/AlertWork";
import type { Annotation } from "../../notifications/types";
import { formatConfidence, formatPredicted, formatScore, ISSUE_LABEL, outcomeLabel } from "../labels";
import { AcknowledgeDialog, ResolveDialog } from "./AlertDialogs";
import { AlertStatusBadge, SeverityBadge } from "./Badges";

type Action = { kind: "acknowledge" | "resolve"; alert: Alert } | null;

function Lifecycle({ alert }: { alert: Alert }) {
  return (
    <>
      {alert.acknowledged_at && (
        <p className="lifecycle">
          Acknowledged by <strong>{alert.acknowledged_by}</strong> <Time value={alert.acknowledged_at} />
          {alert.acknowledged_notes && <>: “{alert.acknowledged_notes}”</>}
        </p>
      )}
      {alert.resolved_at && (
        <p className="lifecycle">
          Resolved by <strong>{alert.resolved_by}</strong> <Time value={alert.resolved_at} /> as <strong>{outcomeLabel(alert.outcome)}</strong>
          {alert.resolution_notes && <>: “{alert.resolution_notes}”</>}
        </p>
      )}
    </>
  );
}

interface Selection {
  selected: boolean;
  onToggle: () => void;
}

/** When the part fails (or failed): the predicted date with its range, or "now". */
export function PredictedWhen({ alert }: { alert: Alert }) {
  if (!alert.predicted_failure_at) return <>{alert.predicted_timeframe}</>;
  const now = alert.evidence_at !== null && alert.predicted_failure_at <= alert.evidence_at;
  if (alert.kind === "offline") {
    return (
      <>
        likely failed already (silent since <Time value={alert.predicted_failure_at} dateOnly />)
      </>
    );
  }
  return (
    <span title={alert.predicted_timeframe}>
      {now ? "now, " : ""}
      {formatPredicted(alert.predicted_failure_at, alert.predicted_earliest_at, alert.predicted_latest_at)}
    </span>
  );
}

function AlertFacts({ alert }: { alert: Alert }) {
  return (
    <dl className="alert-facts">
      <div>
        <dt>{alert.kind === "offline" ? "Failure" : "Predicted failure"}</dt>
        <dd>
          <PredictedWhen alert={alert} />
        </dd>
      </div>
      <div>
        <dt>Evidence measured</dt>
        <dd>{alert.evidence_at ? <Time value={alert.evidence_at} /> : "—"}</dd>
      </div>
      <div>
        <dt title="Probability that the part fails within the alert horizon (offline: that it has failed)">Probability</dt>
        <dd>{formatConfidence(alert.confidence)}</dd>
      </div>
      <div>
        <dt title="Score of the component this alert is about (the device's overall health is on its page)">{ISSUE_LABEL[alert.predicted_issue_type]} health</dt>
        <dd>{formatScore(alert.health_score)}</dd>
      </div>
      <div>
        <dt>Raised</dt>
        <dd>
          <Time value={alert.created_at} />
        </dd>
      </div>
    </dl>
  );
}

function AlertItem({
  alert,
  canAct,
  showDevice,
  onAction,
  note,
  selection,
}: {
  alert: Alert;
  canAct: boolean;
  showDevice: boolean;
  onAction: (a: Action) => void;
  note?: Annotation;
  selection?: Selection;
}) {
  const what = `${alert.severity} ${ISSUE_LABEL[alert.predicted_issue_type].toLowerCase()} alert on ${alert.device_id}`;
  const [first, ...more] = alert.recommended_actions;
  return (
    <li className={`alert-item severity-edge-${alert.severity.toLowerCase()} alert-state-${alert.status}`} data-alert-id={alert.alert_id}>
      <div className="alert-head">
        {selection && <input type="checkbox" aria-label={`Select ${what}`} checked={selection.selected} onChange={selection.onToggle} />}
        <SeverityBadge severity={alert.severity} />
        <strong>
          {ISSUE_LABEL[alert.predicted_issue_type]} {alert.kind === "offline" ? "pod offline" : "issue"}
        </strong>
        {showDevice && (
          <Link to={`/devices/${encodeURIComponent(alert.device_id)}`} className="mono">
            {alert.device_id}
          </Link>
        )}
        <AlertStatusBadge status={alert.status} by={alert.acknowledged_by} />
      </div>
      <AlertFacts alert={alert} />
      {first && (
        <p className="alert-action">
          <strong>Do:</strong> {first}
        </p>
      )}
      {more.length > 0 && (
        <details>
          <summary>{more.length} more recommended actions</summary>
          <ul>
            {more.map((action) => (
              <li key={action}>{action}</li>
            ))}
          </ul>
        </details>
      )}
      <Lifecycle alert={alert} />
      <AlertMarkers note={note} />
      <AlertWork alert={alert} note={note} canAct={canAct} />
      {canAct && alert.status !== "resolved" && (
        <div className="alert-actions">
          {alert.status === "open" && (
            <button type="button" className="secondary" aria-label={`Acknowledge ${what}`} onClick={() => onAction({ kind: "acknowledge", alert })}>
              Acknowledge
            </button>
          )}
          <button type="button" aria-label={`Resolve ${what}`} onClick={() => onAction({ kind: "resolve", alert })}>
            Resolve
          </button>
        </div>
      )}
    </li>
  );
}

/** Alerts with their lifecycle; operators and admins get acknowledge and resolve. */
export function AlertList({ alerts, showDevice = true, label }: { alerts: Alert[]; showDevice?: boolean; label: string }) {
  const { session } = useAuth();
  const canAct = hasRole(session?.role, "operator");
  const [action, setAction] = useState<Action>(null);
  const [selected, setSelected] = useState<string[]>([]);
  const notes = useAnnotations(alerts.map((a) => a.alert_id)).data;
  const toggle = (id: string) => setSelected(selected.includes(id) ? selected.filter((s) => s !== id) : [...selected, id]);
  return (
    <>
      {canAct && <BulkAcknowledgeBar selected={selected} onDone={setSelected} />}
      <ul className="alert-list" aria-label={label}>
        {alerts.map((alert) => (
          <AlertItem
            key={alert.alert_id}
            alert={alert}
            canAct={canAct}
            showDevice={showDevice}
            onAction={setAction}
            note={notes?.get(alert.alert_id)}
            selection={canAct && alert.status === "open" ? { selected: selected.includes(alert.alert_id), onToggle: () => toggle(alert.alert_id) } : undefined}
          />
        ))}
      </ul>
      {action?.kind === "acknowledge" && <AcknowledgeDialog alert={action.alert} onClose={() => setAction(null)} />}
      {action?.kind === "resolve" && <ResolveDialog alert={action.alert} onClose={() => setAction(null)} />}
    </>
  );
}
