import { useState, type FormEvent } from "react";
import { Pagination } from "../../../components/Pagination";
import { QueryState } from "../../../components/States";
import { Time } from "../../../components/Time";
import { OUTBOX_SORTS, useCreateGroup, useDeleteGroup, useGroups, useOutbox, useResend } from "../api";
import type { NoticeStatus } from "../types";
import type { OutboxSort, SortOrder } from "../../../api/types";
import { LastUpdated } from "../../../components/LastUpdated";
import { SortHeader } from "../../../components/SortHeader";
import { ALERTS_EVERY } from "../../../lib/live";
import { usePageOffset } from "../../../lib/paging";
import { useTableSort } from "../../../lib/table";
import { errorText } from "./forms";

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
// Newest, most tried first; text columns A–Z. The sort and page are kept in the URL (outboxsort=, outboxorder=, outboxpage=).
const FIRST_ORDER: Partial<Record<OutboxSort, SortOrder>> = { created_at: "desc", attempts: "desc" };

/** The outbox: every notice with its attempts; parked ones show their error and can be resent. */
export function OutboxSection() {
  const [status, setStatus] = useState<NoticeStatus | "">("parked");
  const [offset, setOffset] = usePageOffset(PAGE, "outboxpage");
  const [sort, onSort] = useTableSort<OutboxSort>(OUTBOX_SORTS, "created_at", FIRST_ORDER, "outbox");
  const outbox = useOutbox(status, PAGE, offset, sort);
  const resend = useResend();
  const header = { sort: sort.sort, order: sort.order, onSort };
  return (
    <section className="card" aria-labelledby="outbox-heading">
      <h2 id="outbox-heading">Outbox</h2>
      <LastUpdated queries={[outbox]} every={ALERTS_EVERY} />
      <div className="filter-bar">
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
      </div>
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
                    <SortHeader label="Created" column="created_at" {...header} />
                    <SortHeader label="Channel" column="channel_name" {...header} />
                    <SortHeader label="Device" column="device_id" {...header} />
                    <th scope="col">Events</th>
                    <SortHeader label="Status" column="status" {...header} />
                    <SortHeader label="Attempts" column="attempts" numeric {...header} />
                    <SortHeader label="Last error" column="last_error" {...header} />
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
                      <td className="wrap">{n.payload.events.map((e) => `${e.event} ${e.severity} ${e.issue_type}`).join("; ")}</td>
                      <td>{n.status}</td>
                      <td className="num">{n.attempts}</td>
                      <td className="wrap-long">{n.last_error ?? "–"}</td>
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
