import { useId, useState } from "react";
import type { Alert, Outcome } from "../../../api/mlTypes";
import { ConfirmDialog } from "../../../components/Dialog";
import { useAcknowledge, useResolve } from "../api/alerts";
import { ISSUE_LABEL, OUTCOMES } from "../labels";

const NOTES_MAX = 2000;

function Summary({ alert }: { alert: Alert }) {
  return (
    <p>
      <strong>{alert.severity}</strong> {ISSUE_LABEL[alert.predicted_issue_type].toLowerCase()} alert on <span className="mono">{alert.device_id}</span>.
    </p>
  );
}

function Notes({ value, onChange, label }: { value: string; onChange: (v: string) => void; label: string }) {
  return (
    <label>
      {label}
      <textarea value={value} maxLength={NOTES_MAX} rows={3} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}

/** Confirm "acknowledged", with optional notes. */
export function AcknowledgeDialog({ alert, onClose }: { alert: Alert; onClose: () => void }) {
  const [notes, setNotes] = useState("");
  const acknowledge = useAcknowledge();
  return (
    <ConfirmDialog
      title="Acknowledge alert"
      confirmLabel="Acknowledge"
      busy={acknowledge.isPending}
      error={acknowledge.error}
      onCancel={onClose}
      onConfirm={() => acknowledge.mutate({ alertId: alert.alert_id, notes }, { onSuccess: onClose })}
    >
      <Summary alert={alert} />
      <p className="hint">Acknowledging says someone is on it; the alert stays until it is resolved.</p>
      <Notes value={notes} onChange={setNotes} label="Notes (optional)" />
    </ConfirmDialog>
  );
}

/** Resolve with an outcome (required) and optional notes. */
export function ResolveDialog({ alert, onClose }: { alert: Alert; onClose: () => void }) {
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [notes, setNotes] = useState("");
  const resolve = useResolve();
  const name = useId();
  return (
    <ConfirmDialog
      title="Resolve alert"
      confirmLabel="Resolve"
      busy={resolve.isPending}
      error={resolve.error}
      canConfirm={outcome !== null}
      onCancel={onClose}
      onConfirm={() => outcome && resolve.mutate({ alertId: alert.alert_id, outcome, notes }, { onSuccess: onClose })}
    >
      <Summary alert={alert} />
      <fieldset className="choice-group">
        <legend>Outcome</legend>
        {OUTCOMES.map((o) => (
          <label key={o.value} className="choice">
            <input
              type="radio"
              name={name}
              value={o.value}
              checked={outcome === o.value}
              onChange={() => setOutcome(o.value)}
              data-autofocus={o.value === OUTCOMES[0].value ? true : undefined}
            />
            <span>
              {o.label} <span className="hint">({o.help})</span>
            </span>
          </label>
        ))}
      </fieldset>
      <Notes value={notes} onChange={setNotes} label="Notes (optional)" />
    </ConfirmDialog>
  );
}
