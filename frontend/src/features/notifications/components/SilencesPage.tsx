import { useState, type FormEvent } from "react";
import { ApiError } from "../../../api/client";
import { hasRole, useAuth } from "../../../auth/session";
import { PageHeader } from "../../../components/PageHeader";
import { QueryState } from "../../../components/States";
import { Time } from "../../../components/Time";
import { useCreateSilence, useEndSilence, useSilences } from "../api";
import type { Silence, SilenceScope } from "../types";

function errorText(error: unknown): string {
  return error instanceof ApiError ? error.message : String(error);
}

/** A local "YYYY-MM-DDTHH:MM" (datetime-local) as an ISO instant. */
function instant(local: string): string {
  return new Date(local).toISOString();
}

function SilenceForm() {
  const [scope, setScope] = useState<SilenceScope>("device");
  const [target, setTarget] = useState("");
  const [start, setStart] = useState("");
  const [end, setEnd] = useState("");
  const [reason, setReason] = useState("");
  const create = useCreateSilence();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body = { scope, target: scope === "all" ? null : target.trim(), starts_at: start ? instant(start) : null, ends_at: instant(end), reason };
    create.mutate(body, {
      onSuccess: () => {
        setTarget("");
        setReason("");
        setStart("");
        setEnd("");
      },
    });
  };
  return (
    <form onSubmit={submit} aria-label="Add a silence" className="filter-bar">
      <label>
        Scope
        <select value={scope} onChange={(e) => setScope(e.target.value as SilenceScope)}>
          <option value="device">One device</option>
          <option value="group">A device group</option>
          <option value="all">All devices</option>
        </select>
      </label>
      {scope !== "all" && (
        <label>
          {scope === "device" ? "Device" : "Group"}
          <input value={target} onChange={(e) => setTarget(e.target.value)} required maxLength={128} />
        </label>
      )}
      <label>
        Starts (empty: now)
        <input type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} />
      </label>
      <label>
        Ends
        <input type="datetime-local" value={end} onChange={(e) => setEnd(e.target.value)} required />
      </label>
      <label>
        Reason
        <input value={reason} onChange={(e) => setReason(e.target.value)} required maxLength={2000} />
      </label>
      <button type="submit" disabled={create.isPending}>
        Silence
      </button>
      {create.error && (
        <p className="field-error" role="alert">
          {errorText(create.error)}
        </p>
      )}
    </form>
  );
}

function scopeText(s: Silence): string {
  return s.scope === "all" ? "all devices" : `${s.scope} ${s.target}`;
}

/** Silences and maintenance windows: operators add and end them; everyone sees them. */
export default function SilencesPage() {
  const [showEnded, setShowEnded] = useState(false);
  const silences = useSilences(showEnded);
  const end = useEndSilence();
  const canAct = hasRole(useAuth().session?.role, "operator");
  return (
    <>
      <PageHeader title="Silences">Maintenance windows: alerts raised inside one are recorded and shown as silenced, not sent.</PageHeader>
      {canAct && (
        <section className="card" aria-labelledby="new-silence-heading">
          <h2 id="new-silence-heading">New silence</h2>
          <SilenceForm />
        </section>
      )}
      <section className="card" aria-labelledby="silences-heading">
        <h2 id="silences-heading">Silences</h2>
        <label className="choice">
          <input type="checkbox" checked={showEnded} onChange={(e) => setShowEnded(e.target.checked)} /> Show ended ones
        </label>
        <QueryState query={silences} label="silences" isEmpty={(l) => l.length === 0} empty="No running or planned silence.">
          {(list) => (
            <div className="table-scroll" role="region" aria-label="Silence table" tabIndex={0}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Scope</th>
                    <th scope="col">From</th>
                    <th scope="col">Until</th>
                    <th scope="col">Reason</th>
                    <th scope="col">By</th>
                    <th scope="col">State</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((s) => (
                    <tr key={s.id}>
                      <td>{scopeText(s)}</td>
                      <td>
                        <Time value={s.starts_at} />
                      </td>
                      <td>
                        <Time value={s.ends_at} />
                      </td>
                      <td>{s.reason}</td>
                      <td>
                        {s.created_by}
                        {s.ended_by && ` (ended by ${s.ended_by})`}
                      </td>
                      <td>{s.state}</td>
                      <td>
                        {canAct && s.state !== "ended" && (
                          <button type="button" className="secondary" aria-label={`End now: silence on ${scopeText(s)}`} onClick={() => end.mutate(s.id)}>
                            End now
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryState>
      </section>
    </>
  );
}
