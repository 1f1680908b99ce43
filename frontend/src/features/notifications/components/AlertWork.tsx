import { useState, type FormEvent } from "react";
import type { Alert } from "../../../api/mlTypes";
import { Time } from "../../../components/Time";
import { useAddComment, useAssign, useBulkAcknowledge, useComments } from "../api";
import type { Annotation } from "../types";
import { errorText } from "./forms";

/** Held-back and escalation markers, assignee and due date of one alert. */
export function AlertMarkers({ note }: { note: Annotation | undefined }) {
  if (!note) return null;
  return (
    <p className="lifecycle">
      {note.held === "silenced" && <strong title={note.held_reason ?? ""}>Silenced: </strong>}
      {note.held === "inhibited" && <strong title={note.held_reason ?? ""}>Held back: </strong>}
      {note.held && <span>{note.held_reason} </span>}
      {note.told.length > 0 && <span>Told {note.told.join(", ")}. </span>}
      {note.escalation_level > 0 && <strong>Escalated (step {note.escalation_level}). </strong>}
      {note.assignee ? (
        <>
          Assigned to <strong>{note.assignee}</strong>
          {note.due_at && (
            <>
              , due <Time value={note.due_at} />
            </>
          )}
          {note.overdue && <strong className="field-error"> overdue</strong>}.
        </>
      ) : (
        "Unassigned."
      )}
    </p>
  );
}

function AssignForm({ alert, note }: { alert: Alert; note: Annotation | undefined }) {
  const [assignee, setAssignee] = useState(note?.assignee ?? "");
  const [due, setDue] = useState("");
  const assign = useAssign();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const name = assignee.trim();
    assign.mutate({ alertId: alert.alert_id, assignee: name || null, dueAt: name && due ? new Date(due).toISOString() : null });
  };
  return (
    <form onSubmit={submit} className="filter-bar" aria-label={`Assign alert on ${alert.device_id}`}>
      <label>
        Assignee (user name, empty: nobody)
        <input value={assignee} onChange={(e) => setAssignee(e.target.value)} maxLength={64} />
      </label>
      <label>
        Due
        <input type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} />
      </label>
      <button type="submit" className="secondary" disabled={assign.isPending}>
        Save assignment
      </button>
      {assign.error && (
        <p className="field-error" role="alert">
          {errorText(assign.error)}
        </p>
      )}
    </form>
  );
}

function Thread({ alert, canAct }: { alert: Alert; canAct: boolean }) {
  const comments = useComments(alert.alert_id, true);
  const add = useAddComment();
  const [body, setBody] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate({ alertId: alert.alert_id, body }, { onSuccess: () => setBody("") });
  };
  return (
    <>
      <ul aria-label="Comments">
        {(comments.data ?? []).map((c) => (
          <li key={c.id}>
            <strong>{c.author}</strong> <Time value={c.created_at} />: {c.body}
          </li>
        ))}
      </ul>
      {canAct && (
        <form onSubmit={submit} aria-label={`Comment on alert on ${alert.device_id}`}>
          <label>
            Comment
            <textarea value={body} onChange={(e) => setBody(e.target.value)} maxLength={4000} rows={2} required />
          </label>
          <button type="submit" className="secondary" disabled={add.isPending}>
            Add comment
          </button>
          {add.error && (
            <p className="field-error" role="alert">
              {errorText(add.error)}
            </p>
          )}
        </form>
      )}
    </>
  );
}

/** Assignment and the comment thread of one alert, folded. */
export function AlertWork({ alert, note, canAct }: { alert: Alert; note: Annotation | undefined; canAct: boolean }) {
  const [open, setOpen] = useState(false);
  return (
    <details onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>Assignment and comments ({note?.comments ?? 0})</summary>
      {open && (
        <>
          {canAct && <AssignForm alert={alert} note={note} />}
          <Thread alert={alert} canAct={canAct} />
        </>
      )}
    </details>
  );
}

/** "Acknowledge selected" for the alerts ticked in a list. */
export function BulkAcknowledgeBar({ selected, onDone }: { selected: string[]; onDone: (notAcknowledged: string[]) => void }) {
  const bulk = useBulkAcknowledge();
  if (selected.length === 0) return null;
  const failed = bulk.data?.results.filter((r) => !r.ok) ?? [];
  return (
    <div className="filter-bar" role="region" aria-label="Bulk actions">
      <button type="button" disabled={bulk.isPending} onClick={() => bulk.mutate(selected, { onSuccess: (r) => onDone(r.results.filter((x) => !x.ok).map((x) => x.alert_id)) })}>
        Acknowledge selected ({selected.length})
      </button>
      {bulk.data && (
        <span role="status">
          {bulk.data.acknowledged} acknowledged{failed.length > 0 && `; ${failed.length} not: ${failed.map((f) => f.error).join("; ")}`}
        </span>
      )}
      {bulk.error && (
        <p className="field-error" role="alert">
          {errorText(bulk.error)}
        </p>
      )}
    </div>
  );
}
