import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { get, request, sendJson } from "../../api/client";
import { ALERTS_EVERY } from "../../lib/live";
import type {
  Annotation,
  BulkResult,
  Channel,
  ChannelTestResult,
  Comment,
  DeviceGroup,
  DispatcherStatus,
  MyAlert,
  NoticePage,
  NoticeStatus,
  Preview,
  Rule,
  RuleWrite,
  Silence,
  SilenceScope,
} from "./types";

const BASE = "/api/v1/notifications";
const KEY = ["notifications"] as const;

function useChange<T, R>(send: (input: T) => Promise<R>, also: readonly (readonly unknown[])[] = []) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: send,
    onSuccess: () => Promise.all([KEY, ...also].map((queryKey) => client.invalidateQueries({ queryKey }))),
  });
}

/** The dispatcher and the outbox at a glance (admin). */
export function useDispatcherStatus() {
  return useQuery({ queryKey: [...KEY, "status"], queryFn: () => get<DispatcherStatus>(`${BASE}/status`) });
}

/** Every channel, secrets never included (admin). */
export function useChannels() {
  return useQuery({ queryKey: [...KEY, "channels"], queryFn: () => get<Channel[]>(`${BASE}/channels`) });
}

export interface ChannelInput {
  name: string;
  kind: Channel["kind"];
  config: Record<string, unknown>;
  secrets: Record<string, string>;
}

export function useCreateChannel() {
  return useChange((body: ChannelInput) => sendJson<Channel>("POST", `${BASE}/channels`, body));
}

export interface ChannelChange {
  id: number;
  name?: string;
  enabled?: boolean;
  config?: Record<string, unknown>;
  /** Replaces every stored secret; left out, they stay. */
  secrets?: Record<string, string>;
}

export function useUpdateChannel() {
  return useChange(({ id, ...body }: ChannelChange) => sendJson<Channel>("PATCH", `${BASE}/channels/${id}`, body));
}

export function useDeleteChannel() {
  return useChange((id: number) => request<null>(`${BASE}/channels/${id}`, { method: "DELETE" }));
}

/** Send a test notice through a channel now. */
export function useTestChannel() {
  return useMutation({ mutationFn: (id: number) => sendJson<ChannelTestResult>("POST", `${BASE}/channels/${id}/test`) });
}

/** Rules in evaluation order (admin). */
export function useRules() {
  return useQuery({ queryKey: [...KEY, "rules"], queryFn: () => get<Rule[]>(`${BASE}/rules`) });
}

export function useCreateRule() {
  return useChange((body: RuleWrite) => sendJson<Rule>("POST", `${BASE}/rules`, body));
}

/** Replace a rule's name, matchers, quiet hours and channels (its place stays). */
export function useUpdateRule() {
  return useChange(({ id, ...body }: RuleWrite & { id: number }) => sendJson<Rule>("PUT", `${BASE}/rules/${id}`, body));
}

export function useDeleteRule() {
  return useChange((id: number) => request<null>(`${BASE}/rules/${id}`, { method: "DELETE" }));
}

export function useReorderRules() {
  return useChange((ruleIds: number[]) => sendJson<Rule[]>("PUT", `${BASE}/rules/order`, { rule_ids: ruleIds }));
}

export interface PreviewInput {
  alert_id?: string;
  device_id?: string;
  severity?: string;
  issue_type?: string;
  at?: string;
}

/** Which rules an alert would hit, whom it would tell, what would hold it back. */
export function usePreview() {
  return useMutation({ mutationFn: (body: PreviewInput) => sendJson<Preview>("POST", `${BASE}/rules/preview`, body) });
}

/** Device groups (admin). */
export function useGroups() {
  return useQuery({ queryKey: [...KEY, "groups"], queryFn: () => get<DeviceGroup[]>(`${BASE}/groups`) });
}

export function useCreateGroup() {
  return useChange((body: { name: string; description: string; device_ids: string[] }) => sendJson<DeviceGroup>("POST", `${BASE}/groups`, body));
}

export function useDeleteGroup() {
  return useChange((id: number) => request<null>(`${BASE}/groups/${id}`, { method: "DELETE" }));
}

/** One page of the outbox (admin). */
export function useOutbox(status: NoticeStatus | "", limit: number, offset: number) {
  return useQuery({
    queryKey: [...KEY, "outbox", status, limit, offset],
    queryFn: () => get<NoticePage>(`${BASE}/outbox`, { status, limit, offset }),
    placeholderData: keepPreviousData,
    refetchInterval: ALERTS_EVERY,
  });
}

export function useResend() {
  return useChange((id: string) => sendJson<unknown>("POST", `${BASE}/outbox/${encodeURIComponent(id)}/resend`));
}

/** Running and planned silences (and ended ones when asked). */
export function useSilences(includeEnded: boolean) {
  return useQuery({
    queryKey: [...KEY, "silences", includeEnded],
    queryFn: () => get<Silence[]>(`${BASE}/silences`, { include_ended: includeEnded }),
    refetchInterval: ALERTS_EVERY,
  });
}

export interface SilenceInput {
  scope: SilenceScope;
  target: string | null;
  starts_at: string | null;
  ends_at: string;
  reason: string;
}

export function useCreateSilence() {
  return useChange((body: SilenceInput) => sendJson<Silence>("POST", `${BASE}/silences`, body));
}

export function useEndSilence() {
  return useChange((id: number) => sendJson<Silence>("POST", `${BASE}/silences/${id}/end`));
}

/** Assignee, due date, comments and hold of the alerts shown. */
export function useAnnotations(alertIds: string[]) {
  return useQuery({
    queryKey: [...KEY, "annotations", alertIds],
    queryFn: async () => new Map((await get<Annotation[]>(`${BASE}/alerts/annotations`, { alert_id: alertIds })).map((a) => [a.alert_id, a])),
    enabled: alertIds.length > 0,
  });
}

export function useComments(alertId: string, open: boolean) {
  return useQuery({
    queryKey: [...KEY, "comments", alertId],
    queryFn: () => get<Comment[]>(`${BASE}/alerts/${encodeURIComponent(alertId)}/comments`),
    enabled: open,
  });
}

export function useAddComment() {
  return useChange(({ alertId, body }: { alertId: string; body: string }) => sendJson<Comment>("POST", `${BASE}/alerts/${encodeURIComponent(alertId)}/comments`, { body }));
}

export function useAssign() {
  return useChange(({ alertId, assignee, dueAt }: { alertId: string; assignee: string | null; dueAt: string | null }) =>
    sendJson<unknown>("PUT", `${BASE}/alerts/${encodeURIComponent(alertId)}/assignment`, { assignee, due_at: dueAt }),
  );
}

/** Acknowledge several alerts at once; each result says what happened. */
export function useBulkAcknowledge() {
  return useChange((alertIds: string[]) => sendJson<BulkResult>("POST", `${BASE}/alerts/acknowledge`, { alert_ids: alertIds }), [["ml"]]);
}

/** The alerts assigned to the signed-in operator. */
export function useMyAlerts(includeResolved: boolean) {
  return useQuery({
    queryKey: [...KEY, "mine", includeResolved],
    queryFn: () => get<MyAlert[]>(`${BASE}/alerts/mine`, { include_resolved: includeResolved }),
    refetchInterval: ALERTS_EVERY,
  });
}
