import { useState, type FormEvent } from "react";
import { ApiError } from "../../../api/client";
import { SortHeaders } from "../../../components/SortHeader";
import { QueryState } from "../../../components/States";
import { type Column, useSortedRows } from "../../../lib/table";
import { useChannels, useCreateChannel, useDeleteChannel, useTestChannel, useUpdateChannel, type ChannelInput } from "../api";
import type { Channel, ChannelKind, ChannelTestResult } from "../types";

function describe(channel: Channel): string {
  const c = channel.config;
  if (channel.kind === "webhook") return `${String(c.url)} (${String(c.format)})`;
  return `${String(c.host)}:${String(c.port)} ${String(c.security)} → ${(c.recipients as string[]).join(", ")}`;
}

function errorText(error: unknown): string | null {
  if (!error) return null;
  return error instanceof ApiError ? error.message : String(error);
}

const BLANK: Record<string, string> = { format: "json", security: "starttls", port: "587" };

/** The form's fields of a stored channel (secrets are never read back: empty keeps them). */
function fieldsOf(channel: Channel): Record<string, string> {
  const c = channel.config;
  const text = (v: unknown) => (v === null || v === undefined ? "" : String(v));
  if (channel.kind === "webhook") return { name: channel.name, url: text(c.url), format: text(c.format) || "json" };
  return {
    name: channel.name,
    host: text(c.host),
    port: text(c.port),
    security: text(c.security),
    username: text(c.username),
    sender: text(c.sender),
    recipients: ((c.recipients as string[] | undefined) ?? []).join(", "),
  };
}

function bodyOf(kind: ChannelKind, fields: Record<string, string>): ChannelInput {
  if (kind === "webhook") {
    return { name: fields.name ?? "", kind, config: { url: fields.url ?? "", format: fields.format }, secrets: fields.secret ? { signing_secret: fields.secret } : {} };
  }
  return {
    name: fields.name ?? "",
    kind,
    config: {
      host: fields.host ?? "",
      port: Number(fields.port),
      security: fields.security,
      username: fields.username || null,
      sender: fields.sender ?? "",
      recipients: (fields.recipients ?? "")
        .split(",")
        .map((r) => r.trim())
        .filter(Boolean),
    },
    secrets: fields.password ? { password: fields.password } : {},
  };
}

function ChannelForm({ editing, onDone }: { editing?: Channel; onDone?: () => void }) {
  const [kind, setKind] = useState<ChannelKind>(editing?.kind ?? "webhook");
  const [fields, setFields] = useState<Record<string, string>>(editing ? fieldsOf(editing) : BLANK);
  const create = useCreateChannel();
  const update = useUpdateChannel();
  const saving = editing ? update : create;
  const set = (name: string) => (e: { target: { value: string } }) => setFields({ ...fields, [name]: e.target.value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body = bodyOf(kind, fields);
    const done = () => {
      setFields(BLANK);
      onDone?.();
    };
    if (!editing) create.mutate(body, { onSuccess: done });
    else {
      const secrets = Object.keys(body.secrets).length ? body.secrets : undefined; // empty: keep the stored ones
      update.mutate({ id: editing.id, name: body.name, config: body.config, secrets }, { onSuccess: done });
    }
  };
  const keep = editing ? "new value, or empty to keep it" : undefined;
  return (
    <form className="filter-bar" onSubmit={submit} aria-label={editing ? `Edit channel ${editing.name}` : "Add a channel"}>
      <label>
        Kind
        <select value={kind} onChange={(e) => setKind(e.target.value as ChannelKind)} disabled={editing !== undefined}>
          <option value="webhook">Webhook</option>
          <option value="email">E-mail (SMTP)</option>
        </select>
      </label>
      <label>
        Name
        <input value={fields.name ?? ""} onChange={set("name")} required maxLength={64} />
      </label>
      {kind === "webhook" ? (
        <>
          <label>
            URL
            <input type="url" value={fields.url ?? ""} onChange={set("url")} required placeholder="https://hooks.example.com/…" />
          </label>
          <label>
            Format
            <select value={fields.format} onChange={set("format")}>
              <option value="json">DrillWatch JSON</option>
              <option value="slack">Slack</option>
              <option value="teams">Microsoft Teams</option>
            </select>
          </label>
          <label>
            Signing secret
            <input type="password" value={fields.secret ?? ""} onChange={set("secret")} required={!editing} minLength={16} autoComplete="new-password" placeholder={keep} />
          </label>
        </>
      ) : (
        <>
          <label>
            SMTP host
            <input value={fields.host ?? ""} onChange={set("host")} required />
          </label>
          <label>
            Port
            <input type="number" min={1} max={65535} value={fields.port} onChange={set("port")} required />
          </label>
          <label>
            Security
            <select value={fields.security} onChange={set("security")}>
              <option value="starttls">STARTTLS</option>
              <option value="tls">TLS</option>
              <option value="none">None</option>
            </select>
          </label>
          <label>
            Username
            <input value={fields.username ?? ""} onChange={set("username")} autoComplete="off" />
          </label>
          <label>
            Password
            <input type="password" value={fields.password ?? ""} onChange={set("password")} autoComplete="new-password" placeholder={keep} />
          </label>
          <label>
            From
            <input type="email" value={fields.sender ?? ""} onChange={set("sender")} required />
          </label>
          <label>
            To (comma-separated)
            <input value={fields.recipients ?? ""} onChange={set("recipients")} required />
          </label>
        </>
      )}
      <button type="submit" disabled={saving.isPending}>
        {editing ? "Save channel" : "Add channel"}
      </button>
      {editing && (
        <button type="button" className="secondary" onClick={onDone}>
          Cancel
        </button>
      )}
      {saving.error && (
        <p className="field-error" role="alert">
          {errorText(saving.error)}
        </p>
      )}
    </form>
  );
}

function TestOutcome({ result }: { result: ChannelTestResult }) {
  return result.ok ? (
    <span className="hint" role="status">
      Test sent (key {result.idempotency_key}).
    </span>
  ) : (
    <span className="field-error" role="alert">
      Test failed: {result.error}
    </span>
  );
}

function ChannelRow({ channel, onEdit }: { channel: Channel; onEdit: (channel: Channel) => void }) {
  const test = useTestChannel();
  const update = useUpdateChannel();
  const remove = useDeleteChannel();
  return (
    <tr>
      <td>{channel.name}</td>
      <td>{channel.kind}</td>
      <td className="mono">{describe(channel)}</td>
      <td>{channel.secret_fields.length ? `${channel.secret_fields.join(", ")} set` : "none"}</td>
      <td>{channel.enabled ? "on" : "off"}</td>
      <td>
        <button type="button" className="secondary" aria-label={`Send test through ${channel.name}`} onClick={() => test.mutate(channel.id)} disabled={test.isPending}>
          Send test
        </button>{" "}
        <button type="button" className="secondary" aria-label={`Edit channel ${channel.name}`} onClick={() => onEdit(channel)}>
          Edit
        </button>{" "}
        <button type="button" className="secondary" onClick={() => update.mutate({ id: channel.id, enabled: !channel.enabled })}>
          {channel.enabled ? "Disable" : "Enable"}
        </button>{" "}
        <button type="button" className="secondary" aria-label={`Delete ${channel.name}`} onClick={() => remove.mutate(channel.id)}>
          Delete
        </button>
        {test.data && <TestOutcome result={test.data} />}
        {(test.error || remove.error || update.error) && (
          <p className="field-error" role="alert">
            {errorText(test.error ?? remove.error ?? update.error)}
          </p>
        )}
      </td>
    </tr>
  );
}

type ChannelKey = "name" | "kind" | "destination" | "secrets" | "enabled";
const COLUMNS: Column<Channel, ChannelKey>[] = [
  { key: "name", label: "Name", value: (c) => c.name },
  { key: "kind", label: "Kind", value: (c) => c.kind },
  { key: "destination", label: "Destination", value: describe },
  { key: "secrets", label: "Secrets", value: (c) => c.secret_fields.length, first: "desc" },
  { key: "enabled", label: "Enabled", value: (c) => (c.enabled ? 1 : 0), first: "desc" },
];
const byName = (c: Channel) => c.name;

function ChannelTable({ list, onEdit }: { list: Channel[]; onEdit: (channel: Channel) => void }) {
  const table = useSortedRows(list, COLUMNS, "name", byName, "channel");
  return (
    <div className="table-scroll" role="region" aria-label="Channel table" tabIndex={0}>
      <table>
        <thead>
          <tr>
            <SortHeaders columns={COLUMNS} sort={table.sort.sort} order={table.sort.order} onSort={table.onSort} />
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {table.rows.map((c) => (
            <ChannelRow key={c.id} channel={c} onEdit={onEdit} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Channels: list, add, edit (secrets replaced only when typed), send a test, enable/disable, delete. */
export function ChannelsSection() {
  const channels = useChannels();
  const [editing, setEditing] = useState<Channel | null>(null);
  return (
    <section className="card" aria-labelledby="channels-heading">
      <h2 id="channels-heading">Channels</h2>
      <QueryState query={channels} label="channels" isEmpty={(c) => c.length === 0} empty="No channel yet: alerts stay on the dashboard.">
        {(list) => <ChannelTable list={list} onEdit={setEditing} />}
      </QueryState>
      {editing && <h3>Edit channel {editing.name}</h3>}
      <ChannelForm key={editing?.id ?? "new"} editing={editing ?? undefined} onDone={() => setEditing(null)} />
    </section>
  );
}
