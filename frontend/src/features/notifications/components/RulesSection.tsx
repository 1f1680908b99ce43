import { type FormEvent, useMemo, useState } from "react";
import type { IssueType, Severity } from "../../../api/mlTypes";
import { QueryState } from "../../../components/States";
import { SortHeaders } from "../../../components/SortHeader";
import { Time } from "../../../components/Time";
import { type Column, useSortedRows } from "../../../lib/table";
import { useChannels, useCreateRule, useDeleteRule, useGroups, usePreview, useReorderRules, useRules, useUpdateRule } from "../api";
import type { Channel, Rule, RuleWrite } from "../types";
import { errorText, FormActions } from "./forms";

const SEVERITIES: Severity[] = ["LOW", "MEDIUM", "HIGH", "CRITICAL"];
const ISSUES: IssueType[] = ["motor", "battery", "gps", "telemetry"];

const any = (values: string[]) => (values.length ? values.join(", ") : "any");

function names(ids: number[], channels: Channel[]): string {
  return ids.map((id) => channels.find((c) => c.id === id)?.name ?? `#${id}`).join(" → ") || "none";
}

function Picks<T extends string>({ legend, options, value, onChange }: { legend: string; options: T[]; value: T[]; onChange: (v: T[]) => void }) {
  return (
    <fieldset className="choice-group">
      <legend>{legend}</legend>
      {options.length === 0 && <span className="hint">none yet</span>}
      {options.map((o) => (
        <label key={o} className="choice">
          <input type="checkbox" checked={value.includes(o)} onChange={() => onChange(value.includes(o) ? value.filter((v) => v !== o) : [...value, o])} /> {o}
        </label>
      ))}
    </fieldset>
  );
}

const EMPTY: RuleWrite = {
  name: "",
  enabled: true,
  severities: [],
  issue_types: [],
  device_ids: [],
  groups: [],
  quiet_from: null,
  quiet_until: null,
  timezone: "UTC",
  channel_ids: [],
  escalation_channel_ids: [],
  continue_matching: false,
};

/** The writable fields of a stored rule (the server refuses any other). */
function writable(rule: Rule): RuleWrite {
  const { name, enabled, severities, issue_types, device_ids, groups, quiet_from, quiet_until, timezone, channel_ids, escalation_channel_ids, continue_matching } = rule;
  return { name, enabled, severities, issue_types, device_ids, groups, quiet_from, quiet_until, timezone, channel_ids, escalation_channel_ids, continue_matching };
}

interface RuleFormProps {
  channels: Channel[];
  groups: string[];
  /** The rule being edited (none: a new rule). */
  editing?: Rule;
  onDone?: () => void;
}

function RuleForm({ channels, groups, editing, onDone }: RuleFormProps) {
  const [rule, setRule] = useState<RuleWrite>(editing ? writable(editing) : EMPTY);
  const [devices, setDevices] = useState(editing ? editing.device_ids.join(", ") : "");
  const create = useCreateRule();
  const update = useUpdateRule();
  const saving = editing ? update : create;
  const byName = Object.fromEntries(channels.map((c) => [c.name, c.id]));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const device_ids = devices
      .split(",")
      .map((d) => d.trim())
      .filter(Boolean);
    const done = () => {
      setRule(EMPTY);
      setDevices("");
      onDone?.();
    };
    if (editing) update.mutate({ ...rule, device_ids, id: editing.id }, { onSuccess: done });
    else create.mutate({ ...rule, device_ids }, { onSuccess: done });
  };
  return (
    <form onSubmit={submit} aria-label={editing ? `Edit rule ${editing.name}` : "Add a rule"} className="form-grid">
      <label>
        Rule name
        <input value={rule.name} onChange={(e) => setRule({ ...rule, name: e.target.value })} required maxLength={64} />
      </label>
      <label>
        Devices (comma-separated, empty: any)
        <input value={devices} onChange={(e) => setDevices(e.target.value)} />
      </label>
      <label className="choice">
        <input type="checkbox" checked={rule.enabled} onChange={(e) => setRule({ ...rule, enabled: e.target.checked })} /> Enabled
      </label>
      <label className="choice">
        <input type="checkbox" checked={rule.continue_matching} onChange={(e) => setRule({ ...rule, continue_matching: e.target.checked })} /> Continue to later rules
      </label>
      <div className="picks">
        <Picks legend="Severities (none: any)" options={SEVERITIES} value={rule.severities} onChange={(severities) => setRule({ ...rule, severities })} />
        <Picks legend="Components (none: any)" options={ISSUES} value={rule.issue_types} onChange={(issue_types) => setRule({ ...rule, issue_types })} />
        <Picks legend="Device groups (none: any)" options={groups} value={rule.groups} onChange={(g) => setRule({ ...rule, groups: g })} />
        <Picks
          legend="Notify"
          options={Object.keys(byName)}
          value={rule.channel_ids.map((id) => channels.find((c) => c.id === id)?.name ?? "")}
          onChange={(v) => setRule({ ...rule, channel_ids: v.map((n) => byName[n]) })}
        />
        <Picks
          legend="Escalate to, in order"
          options={Object.keys(byName)}
          value={rule.escalation_channel_ids.map((id) => channels.find((c) => c.id === id)?.name ?? "")}
          onChange={(v) => setRule({ ...rule, escalation_channel_ids: v.map((n) => byName[n]) })}
        />
      </div>
      <label>
        Quiet from
        <input type="time" value={rule.quiet_from ?? ""} onChange={(e) => setRule({ ...rule, quiet_from: e.target.value || null })} />
      </label>
      <label>
        Quiet until
        <input type="time" value={rule.quiet_until ?? ""} onChange={(e) => setRule({ ...rule, quiet_until: e.target.value || null })} />
      </label>
      <label>
        Time zone
        <input value={rule.timezone} onChange={(e) => setRule({ ...rule, timezone: e.target.value })} placeholder="Europe/Berlin" />
      </label>
      <FormActions noun="rule" editing={editing !== undefined} pending={saving.isPending} error={saving.error} onCancel={onDone} />
    </form>
  );
}

type RuleKey = "order" | "name" | "matches" | "notify" | "escalate" | "quiet" | "then";
type Ranked = Rule & { rank: number; matches: string; notify: string; escalate: string; quiet: string; afterMatch: string };

const RULE_COLUMNS: Column<Ranked, RuleKey>[] = [
  { key: "order", label: "#", value: (r) => r.rank, numeric: true },
  { key: "name", label: "Rule", value: (r) => r.name },
  { key: "matches", label: "Matches", value: (r) => r.matches },
  { key: "notify", label: "Notify", value: (r) => r.notify },
  { key: "escalate", label: "Escalate", value: (r) => r.escalate },
  { key: "quiet", label: "Quiet hours", value: (r) => r.quiet },
  { key: "then", label: "Then", value: (r) => r.afterMatch },
];

/** The rules in apply order (``rank``), with the texts their columns show and sort by. */
function ranked(rules: Rule[], channels: Channel[]): Ranked[] {
  return rules.map((r, i) => ({
    ...r,
    rank: i + 1,
    matches: `severity ${any(r.severities)}; component ${any(r.issue_types)}; groups ${any(r.groups)}; devices ${any(r.device_ids)}`,
    notify: names(r.channel_ids, channels),
    escalate: names(r.escalation_channel_ids, channels),
    quiet: r.quiet_from ? `${r.quiet_from}–${r.quiet_until} ${r.timezone}` : "none",
    afterMatch: r.continue_matching ? "continue" : "stop",
  }));
}

/** The rules, in apply order unless a header sorts them; the arrows always move a rule in apply order. */
function RuleTable({ rules, channels, onEdit }: { rules: Rule[]; channels: Channel[]; onEdit: (rule: Rule) => void }) {
  const reorder = useReorderRules();
  const remove = useDeleteRule();
  const rankedRules = useMemo(() => ranked(rules, channels), [rules, channels]);
  const { rows, sort, onSort } = useSortedRows(rankedRules, RULE_COLUMNS, "order", (r) => r.name, "rule");
  const move = (index: number, by: number) => {
    const ids = rules.map((r) => r.id);
    [ids[index], ids[index + by]] = [ids[index + by], ids[index]];
    reorder.mutate(ids);
  };
  return (
    <div className="table-scroll" role="region" aria-label="Rule table" tabIndex={0}>
      <table>
        <thead>
          <tr>
            <SortHeaders columns={RULE_COLUMNS} sort={sort.sort} order={sort.order} onSort={onSort} />
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td className="num">{r.rank}</td>
              <td>
                {r.name}
                {!r.enabled && " (off)"}
              </td>
              <td className="wrap">{r.matches}</td>
              <td>{r.notify}</td>
              <td>{r.escalate}</td>
              <td className="wrap">{r.quiet}</td>
              <td>{r.afterMatch}</td>
              <td>
                <div className="row-actions">
                  <button type="button" className="secondary" aria-label={`Move ${r.name} up`} disabled={r.rank === 1} onClick={() => move(r.rank - 1, -1)}>
                    ↑
                  </button>
                  <button type="button" className="secondary" aria-label={`Move ${r.name} down`} disabled={r.rank === rules.length} onClick={() => move(r.rank - 1, 1)}>
                    ↓
                  </button>
                  <button type="button" className="secondary" aria-label={`Edit rule ${r.name}`} onClick={() => onEdit(r)}>
                    Edit
                  </button>
                  <button type="button" className="secondary" aria-label={`Delete rule ${r.name}`} onClick={() => remove.mutate(r.id)}>
                    Delete
                  </button>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PreviewForm() {
  const [ask, setAsk] = useState({ alert_id: "", device_id: "", severity: "CRITICAL", issue_type: "motor" });
  const preview = usePreview();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    preview.mutate(ask.alert_id.trim() ? { alert_id: ask.alert_id.trim() } : { device_id: ask.device_id.trim(), severity: ask.severity, issue_type: ask.issue_type });
  };
  const p = preview.data;
  return (
    <>
      <form onSubmit={submit} aria-label="Routing preview" className="filter-bar">
        <label>
          Alert id (or describe one)
          <input value={ask.alert_id} onChange={(e) => setAsk({ ...ask, alert_id: e.target.value })} />
        </label>
        <label>
          Device
          <input value={ask.device_id} onChange={(e) => setAsk({ ...ask, device_id: e.target.value })} />
        </label>
        <label>
          Severity
          <select value={ask.severity} onChange={(e) => setAsk({ ...ask, severity: e.target.value })}>
            {SEVERITIES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Component
          <select value={ask.issue_type} onChange={(e) => setAsk({ ...ask, issue_type: e.target.value })}>
            {ISSUES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <button type="submit">Preview</button>
      </form>
      {preview.error && (
        <p className="field-error" role="alert">
          {errorText(preview.error)}
        </p>
      )}
      {p && (
        <div role="status" aria-label="Preview result">
          <p>
            {p.severity} {p.issue_type} alert on <span className="mono">{p.device_id}</span>
            {p.groups.length > 0 && ` (groups ${p.groups.join(", ")})`}:{" "}
            {p.hits.length === 0 ? (
              <strong>no rule matches; nobody is told.</strong>
            ) : (
              <>
                hits {p.hits.map((h) => h.rule_name).join(", then ")}; tells {p.channels.join(", ") || "no enabled channel"}.
              </>
            )}
          </p>
          {p.hits
            .filter((h) => h.deliver_after)
            .map((h) => (
              <p key={h.rule_id} className="hint">
                {h.rule_name} is in quiet hours: delivery at <Time value={h.deliver_after ?? ""} />.
              </p>
            ))}
          {p.escalation_rule && <p className="hint">Escalates along the chain of {p.escalation_rule} if nobody acknowledges it.</p>}
          {p.held && (
            <p className="hint">
              Held back ({p.held}): {p.held_reason}
            </p>
          )}
        </div>
      )}
    </>
  );
}

/** Routing rules in order (first match, or continue), a form to add or edit one, and the preview. */
export function RulesSection() {
  const rules = useRules();
  const [editing, setEditing] = useState<Rule | null>(null);
  const channels = useChannels();
  const groups = useGroups();
  const channelList = channels.data ?? [];
  return (
    <section className="card" aria-labelledby="rules-heading">
      <h2 id="rules-heading">Routing rules</h2>
      <p className="hint">Rules are tried from the top; the first match decides unless it says “continue”.</p>
      <QueryState query={rules} label="rules" isEmpty={(r) => r.length === 0} empty="No rule yet: no alert is sent anywhere.">
        {(list) => <RuleTable rules={list} channels={channelList} onEdit={setEditing} />}
      </QueryState>
      {editing && <h3>Edit rule {editing.name}</h3>}
      <RuleForm key={editing?.id ?? "new"} channels={channelList} groups={(groups.data ?? []).map((g) => g.name)} editing={editing ?? undefined} onDone={() => setEditing(null)} />
      <h3>Preview</h3>
      <PreviewForm />
    </section>
  );
}
