import { useState, type FormEvent } from "react";
import { ApiError } from "../../../api/client";
import { Pagination } from "../../../components/Pagination";
import { QueryState } from "../../../components/States";
import { Time } from "../../../components/Time";
import { useCreateGroup, useDeleteGroup, useGroups, useOutbox, useResend } from "../api";
import type { NoticeStatus } from "../types";
import { LastUpdated } from "../../../components/LastUpdated";
import { ALERTS_EVERY } from "../../../lib/live";

function errorText(error: unknown): string {
  return error instanceof ApiError ? error.message : String(error);
}

/** Device groups that rules and silences name. */
export function GroupsSection() {
  const groups = useGroups();
  const create = useCreateGroup();
  const remove = useDeleteGroup();
  const [name, setName] = useState("");
  const [devices, setDevices] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const device_ids = devices
      .split(",")
      .map((d) => d.trim())
      .filter(Boolean);
    create.mutate(
      { name, description: "", device_ids },
      {
        onSuccess: () => {
          setName("");
          setDevices("");
        },
      },
    );
  };
  return (
    <section className="card" aria-labelledby="groups-heading">
      <h2 id="groups-heading">Device groups</h2>
      <QueryState query={groups} label="device groups" isEmpty={(g) => g.length === 0} empty="No device group yet.">
        {(list) => (
          <ul>
            {list.map((g) => (
              <li key={g.id}>
                <strong>{g.name}</strong>: {g.device_ids.join(", ") || "no devices"}{" "}
                <button type="button" className="secondary" aria-label={`Delete group ${g.name}`} onClick={() => remove.mutate(g.id)}>
                  Delete
                </button>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      {remove.error && (
        <p className="field-error" role="alert">
          {errorText(remove.error)}
        </p>
      )}
      <form onSubmit={submit} aria-label="Add a device group" className="filter-bar">
        <label>
          Group name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={64} />
        </label>
        <label>
          Devices (comma-separated)
          <input value={devices} onChange={(e) => setDevices(e.target.value)} />
        </label>
        <button type="submit">Add group</button>
        {create.error && (
          <p className="field-error" role="alert">
            {errorText(create.error)}
          </p>
        )}
      </form>
    </section>
  );
}

const PAGE = 20;

/** The outbox: every notice with its attempts; parked ones show their error and can be resent. */
export function OutboxSection() {
  const [status, setStatus] = useState<NoticeStatus | "">("parked");
  const [offset, setOffset] = useState(0);
  const outbox = useOutbox(status, PAGE, offset);
  const resend = useResend();
  return (
    <section className="card" aria-labelledby="outbox-heading">
      <h2 id="outbox-heading">Outbox</h2>
      <LastUpdated queries={[outbox]} every={ALERTS_EVERY} />
      <label>
        Status
        <select
          value={status}
          onChange={(e) => {
            setStatus(e.target.value as NoticeStatus | "");
            setOffset(0);
          }}
        >
          <option value="">Any</option>
          <option value="pending">Pending</option>
          <option value="parked">Parked</option>
          <option value="delivered">Delivered</option>
        </select>
      </label>
      <QueryState query={outbox} label="notices" isEmpty={(p) => p.total === 0} empty="No notices with this status.">
        {(page) => (
          <>
            <p className="hint">
              Pending {page.counts.pending}, delivered {page.counts.delivered}, parked {page.counts.parked}.
            </p>
            <div className="table-scroll" role="region" aria-label="Notices" tabIndex={0}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Created</th>
                    <th scope="col">Channel</th>
                    <th scope="col">Device</th>
                    <th scope="col">Events</th>
                    <th scope="col">Status</th>
                    <th scope="col">Attempts</th>
                    <th scope="col">Last error</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((n) => (
                    <tr key={n.id}>
                      <td>
                        <Time value={n.created_at} />
                      </td>
                      <td>{n.channel_name}</td>
                      <td className="mono">{n.device_id}</td>
                      <td>{n.payload.events.map((e) => `${e.event} ${e.severity} ${e.issue_type}`).join("; ")}</td>
                      <td>{n.status}</td>
                      <td>{n.attempts}</td>
                      <td>{n.last_error ?? "–"}</td>
                      <td>
                        {n.status === "parked" && (
                          <button type="button" className="secondary" aria-label={`Resend notice ${n.id}`} onClick={() => resend.mutate(n.id)}>
                            Resend
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pagination total={page.total} limit={PAGE} offset={offset} onChange={setOffset} label="notices" />
          </>
        )}
      </QueryState>
    </section>
  );
}
