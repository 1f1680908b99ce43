import { useState, type FormEvent } from "react";
import { SortHeaders } from "../../../components/SortHeader";
import { QueryState } from "../../../components/States";
import { type Column, useSortedRows } from "../../../lib/table";
import { useChannels, useCreateChannel, useDeleteChannel, useTestChannel, useUpdateChannel, type ChannelInput } from "../api";
import type { Channel, ChannelKind, ChannelTestResult } from "../types";
import { errorText, FormActions } from "./forms";

function describe(channel: Channel): string {
  const c = channel.config;
  if (channel.kind === "webhook") return `${String(c.url)} (${String(c.format)})`;
  return `${String(c.host)}:${String(c.port)} ${String(c.security)} → ${(c.recipients as string[]).join(", ")}`;
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

type Setter = (name: string) => (e: { target: { value: string } }) => void;

function WebhookFields({ fields, set, keep }: { fields: Record<string, string>; set: Setter; keep?: string }) {
  return (
    <>
      <label className="wide">
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
        <input type="password" value={fields.secret ?? ""} onChange={set("secret")} required={keep === undefined} minLength={16} autoComplete="new-password" placeholder={keep} />
      </label>
    </>
  );
}

interface EmailFieldsProps {
  fields: Record<string, string>;
  set: Setter;
  keep?: string;
  /** Whether a stored password can be removed, and whether it is to be. */
  clearable: boolean;
  clear: boolean;
  onClear: (clear: boolean) => void;
}

function EmailFields({ fields, set, keep, clearable, clear, onClear }: EmailFieldsProps) {
  return (
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
        <input type="password" value={clear ? "" : (fields.password ?? "")} onChange={set("password")} disabled={clear} autoComplete="new-password" placeholder={keep} />
      </label>
      {clearable && (
        <label className="choice">
          <input type="checkbox" checked={clear} onChange={(e) => onClear(e.target.checked)} /> Remove the stored password
        </label>
      )}
      <label>
        From
        <input type="email" value={fields.sender ?? ""} onChange={set("sender")} required />
      </label>
      <label className="wide">
        To (comma-separated)
        <input value={fields.recipients ?? ""} onChange={set("recipients")} required />
      </label>
    </>
  );
}

/** What an edit sends as secrets: null clears the password, none typed keeps the stored ones. */
function changedSecrets(body: ChannelInput, clearPassword: boolean): Record<string, string | null> | undefined {
  if (clearPassword) return { password: null };
  return Object.keys(body.secrets).length ? body.secrets : undefined;
}

function ChannelForm({ editing, onDone }: { editing?: Channel; onDone?: () => void }) {
  const [kind, setKind] = useState<ChannelKind>(editing?.kind ?? "webhook");
  const [fields, setFields] = useState<Record<string, string>>(editing ? fieldsOf(editing) : BLANK);
  const [clearPassword, setClearPassword] = useState(false);
  const create = useCreateChannel();
  const update = useUpdateChannel();
  const saving = editing ? update : create;
  const set: Setter = (name) => (e) => setFields({ ...fields, [name]: e.target.value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body = bodyOf(kind, fields);
    const done = () => {
      setFields(BLANK);
      onDone?.();
    };
    if (!editing) create.mutate(body, { onSuccess: done });
    else update.mutate({ id: editing.id, name: body.name, config: body.config, secrets: changedSecrets(body, clearPassword) }, { onSuccess: done });
  };
  const keep = editing ? "empty: unchanged" : undefined;
  const clearable = editing?.secret_fields.includes("password") ?? false;
  return (
    <form className="form-grid" onSubmit={submit} aria-label={editing ? `Edit channel ${editing.name}` : "Add a channel"}>
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
        <WebhookFields fields={fields} set={set} keep={keep} />
      ) : (
        <EmailFields fields={fields} set={set} keep={keep} clearable={clearable} clear={clearPassword} onClear={setClearPassword} />
      )}
      <FormActions noun="channel" editing={editing !== undefined} pending={saving.isPending} error={saving.error} onCancel={onDone} />
    </form>
  );
}

function TestOutcome({ name, result }: { name: string; result: ChannelTestResult }) {
  return result.ok ? (
    <p role="status" className="table-outcome">
      Test sent through {name} (key <span className="mono">{result.idempotency_key}</span>).
    </p>
  ) : (
    <p className="field-error table-outcome" role="alert">
      Test through {name} failed: {result.error}
    </p>
  );
}

/** What a channel row's buttons do (the mutations live in the table, so their outcome shows under it). */
interface RowActions {
  onEdit: (channel: Channel) => void;
  onTest: (channel: Channel) => void;
  onToggle: (channel: Channel) => void;
  onDelete: (channel: Channel) => void;
  testing: boolean;
}

function ChannelRow({ channel, actions }: { channel: Channel; actions: RowActions }) {
  return (
    <tr>
      <td>{channel.name}</td>
      <td>{channel.kind}</td>
      <td className="mono wrap-long">{describe(channel)}</td>
      <td>{channel.secret_fields.length ? `${channel.secret_fields.join(", ")} set` : "none"}</td>
      <td>{channel.enabled ? "on" : "off"}</td>
      <td>
        <div className="row-actions">
          <button type="button" className="secondary" aria-label={`Send test through ${channel.name}`} onClick={() => actions.onTest(channel)} disabled={actions.testing}>
            Send test
          </button>
          <button type="button" className="secondary" aria-label={`Edit channel ${channel.name}`} onClick={() => actions.onEdit(channel)}>
            Edit
          </button>
          <button type="button" className="secondary" onClick={() => actions.onToggle(channel)}>
            {channel.enabled ? "Disable" : "Enable"}
          </button>
          <button type="button" className="secondary" aria-label={`Delete ${channel.name}`} onClick={() => actions.onDelete(channel)}>
            Delete
          </button>
        </div>
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
  const test = useTestChannel();
  const update = useUpdateChannel();
  const remove = useDeleteChannel();
  const actions: RowActions = {
    onEdit,
    onTest: (c) => test.mutate(c.id),
    onToggle: (c) => update.mutate({ id: c.id, enabled: !c.enabled }),
    onDelete: (c) => remove.mutate(c.id),
    testing: test.isPending,
  };
  const tested = list.find((c) => c.id === test.variables)?.name ?? `#${test.variables}`;
  const error = test.error ?? update.error ?? remove.error;
  return (
    <>
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
              <ChannelRow key={c.id} channel={c} actions={actions} />
            ))}
          </tbody>
        </table>
      </div>
      {test.data && <TestOutcome name={tested} result={test.data} />}
      {error && (
        <p className="field-error table-outcome" role="alert">
          {errorText(error)}
        </p>
      )}
    </>
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
