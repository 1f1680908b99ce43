/** Shapes of /api/v1/notifications (backend: app/schemas/notifications.py, alert_work.py). */
import type { Alert, IssueType, Severity } from "../../api/mlTypes";

export type ChannelKind = "webhook" | "email";

export interface Channel {
  id: number;
  name: string;
  kind: ChannelKind;
  enabled: boolean;
  config: Record<string, unknown>;
  secret_fields: string[];
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface ChannelTestResult {
  ok: boolean;
  error: string | null;
  idempotency_key: string;
}

export interface Rule {
  id: number;
  name: string;
  position: number;
  enabled: boolean;
  severities: Severity[];
  issue_types: IssueType[];
  device_ids: string[];
  groups: string[];
  quiet_from: string | null;
  quiet_until: string | null;
  timezone: string;
  channel_ids: number[];
  escalation_channel_ids: number[];
  continue_matching: boolean;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export type RuleWrite = Omit<Rule, "id" | "position" | "created_by" | "created_at" | "updated_at">;

export interface DeviceGroup {
  id: number;
  name: string;
  description: string;
  device_ids: string[];
}

export interface Preview {
  device_id: string;
  severity: Severity;
  issue_type: IssueType;
  groups: string[];
  hits: { rule_id: number; rule_name: string; channels: string[]; deliver_after: string | null }[];
  channels: string[];
  escalation_rule: string | null;
  held: "silenced" | "inhibited" | null;
  held_reason: string | null;
}

export type NoticeStatus = "pending" | "delivered" | "parked";

export interface Notice {
  id: string;
  channel_name: string;
  device_id: string;
  payload: { events: { event: string; severity: Severity; issue_type: IssueType }[] };
  status: NoticeStatus;
  attempts: number;
  created_at: string;
  next_attempt_at: string;
  delivered_at: string | null;
  last_error: string | null;
}

export interface NoticePage {
  items: Notice[];
  total: number;
  limit: number;
  offset: number;
  counts: Record<NoticeStatus, number>;
}

export interface DispatcherStatus {
  enabled: boolean;
  running: boolean;
  last_tick: string | null;
  last_error: string | null;
  outbox: Record<NoticeStatus, number>;
  channels: number;
  rules: number;
  active_silences: number;
}

export type SilenceScope = "all" | "device" | "group";

export interface Silence {
  id: number;
  scope: SilenceScope;
  target: string | null;
  starts_at: string;
  ends_at: string;
  reason: string;
  created_by: string;
  ended_by: string | null;
  state: "planned" | "active" | "ended";
}

export interface Annotation {
  alert_id: string;
  assignee: string | null;
  due_at: string | null;
  overdue: boolean;
  comments: number;
  held: "silenced" | "inhibited" | null;
  held_reason: string | null;
  notified_at: string | null;
  told: string[];
  escalation_level: number;
}

export interface Comment {
  id: number;
  author: string;
  body: string;
  created_at: string;
}

export interface MyAlert {
  alert: Alert;
  due_at: string | null;
  overdue: boolean;
  assigned_by: string;
}

export interface BulkResult {
  acknowledged: number;
  results: { alert_id: string; ok: boolean; status: string | null; error: string | null }[];
}
