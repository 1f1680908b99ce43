import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { get } from "../../api/client";
import type { AuditPage, AuditSort, SortOrder } from "../../api/types";

/** The audit table's sortable columns (the API's ``sort``). */
export const AUDIT_SORTS: readonly AuditSort[] = ["at", "actor", "action", "target", "source"];
/** How the table is sorted. */
export interface AuditOrder {
  sort: AuditSort;
  order: SortOrder;
}

/** The actions the backend records (app/services/audit.py), for the filter. */
export const AUDIT_ACTIONS = [
  "auth.login",
  "auth.login_failed",
  "user.create",
  "user.update",
  "user.delete",
  "api_key.create",
  "api_key.revoke",
  "model.train",
  "model.deploy",
  "model.rollback",
  "alert.acknowledge",
  "alert.resolve",
  "telemetry.purge",
  "telemetry.archive",
  "telemetry.unarchive",
  "store.backup",
  "store.restore",
  "alert.assign",
  "alert.comment",
  "silence.create",
  "silence.end",
  "notify.channel_create",
  "notify.channel_update",
  "notify.channel_delete",
  "notify.channel_test",
  "notify.rule_create",
  "notify.rule_update",
  "notify.rule_delete",
  "notify.rule_reorder",
  "notify.group_save",
  "notify.group_delete",
  "notify.resend",
] as const;

/** What the audit table is filtered by; empty strings mean "any". */
export interface AuditFilters {
  action: string;
  actor: string;
  target: string;
  from: string;
  to: string;
}

/** The API's parameters: ``from``/``to`` are UTC calendar days, ``to`` inclusive. */
export function auditParams(filters: AuditFilters, limit: number, offset: number, order: AuditOrder = { sort: "at", order: "desc" }) {
  return {
    ...order,
    action: filters.action,
    actor: filters.actor.trim(),
    target: filters.target.trim(),
    since: filters.from ? `${filters.from}T00:00:00Z` : "",
    until: filters.to ? nextDay(filters.to) : "",
    limit,
    offset,
  };
}

function nextDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().replace(".000Z", "Z");
}

/** One page of the audit trail in ``order`` (admin only). */
export function useAuditPage(filters: AuditFilters, limit: number, offset: number, order: AuditOrder) {
  return useQuery({
    queryKey: ["audit", filters, limit, offset, order],
    queryFn: () => get<AuditPage>("/api/v1/audit", auditParams(filters, limit, offset, order)),
    placeholderData: keepPreviousData,
  });
}
