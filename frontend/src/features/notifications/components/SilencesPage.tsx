import { useState, type FormEvent } from "react";
import { hasRole, useAuth } from "../../../auth/session";
import { PageHeader } from "../../../components/PageHeader";
import { SortHeaders } from "../../../components/SortHeader";
import { QueryState } from "../../../components/States";
import { Time } from "../../../components/Time";
import { type Column, useSortedRows } from "../../../lib/table";
import { useCreateSilence, useEndSilence, useSilences } from "../api";
import type { Silence, SilenceScope } from "../types";
import { errorText } from "./forms";

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

const STATE_RANK = { active: 2, planned: 1, ended: 0 } as const;
type SilenceKey = "scope" | "from" | "until" | "reason" | "by" | "state";
const COLUMNS: Column<Silence, SilenceKey>[] = [
  { key: "scope", label: "Scope", value: scopeText },
  { key: "from", label: "From", value: (s) => s.starts_at, first: "desc" },
  { key: "until", label: "Until", value: (s) => s.ends_at, first: "desc" },
  { key: "reason", label: "Reason", value: (s) => s.reason },
  { key: "by", label: "By", value: (s) => s.created_by },
  { key: "state", label: "State", value: (s) => STATE_RANK[s.state], first: "desc" },
];
const byId = (s: Silence) => String(s.id).padStart(12, "0");

function SilenceTable({ list, canAct }: { list: Silence[]; canAct: boolean }) {
  const end = useEndSilence();
  const table = useSortedRows(list, COLUMNS, "from", byId);
  return (
    <div className="table-scroll" role="region" aria-label="Silence table" tabIndex={0}>
      <table>
        <thead>
          <tr>
            <SortHeaders columns={COLUMNS} sort={table.sort.sort} order={table.sort.order} onSort={table.onSort} />
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {table.rows.map((s) => (
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
  );
}

/** Silences and maintenance windows: operators add and end them; everyone sees them. */
export default function SilencesPage() {
  const [showEnded, setShowEnded] = useState(false);
  const silences = useSilences(showEnded);
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
          {(list) => <SilenceTable list={list} canAct={canAct} />}
        </QueryState>
      </section>
    </>
  );
}
