import { useCallback, useMemo } from "react";
import { useSearchParams } from "react-router";
import type { AuditEvent, AuditSort } from "../../../api/types";
import { PageHeader } from "../../../components/PageHeader";
import { Pagination } from "../../../components/Pagination";
import { SortHeader } from "../../../components/SortHeader";
import { QueryState } from "../../../components/States";
import { Time } from "../../../components/Time";
import { usePageOffset } from "../../../lib/paging";
import { useTableSort } from "../../../lib/table";
import { AUDIT_ACTIONS, AUDIT_SORTS, type AuditFilters, useAuditPage } from "../api";

const PAGE_SIZE = 50;
const KEYS = ["action", "actor", "target", "from", "to"] as const;
const FIRST_ORDER: Partial<Record<AuditSort, "asc" | "desc">> = { at: "desc" };

/** The filters kept in the URL, so a filtered view can be linked. */
function useAuditFilters(): [AuditFilters, (name: keyof AuditFilters, value: string) => void] {
  const [params, setParams] = useSearchParams();
  const key = KEYS.map((k) => params.get(k) ?? "").join("\u0000");
  const filters = useMemo(() => {
    const [action, actor, target, from, to] = key.split("\u0000");
    return { action, actor, target, from, to };
  }, [key]);
  const update = useCallback(
    (name: keyof AuditFilters, value: string) =>
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          if (value) next.set(name, value);
          else next.delete(name);
          next.delete("page");
          return next;
        },
        { replace: true },
      ),
    [setParams],
  );
  return [filters, update];
}

function details(event: AuditEvent): string {
  const entries = Object.entries(event.details);
  return entries.map(([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`).join(", ");
}

function Filters({ filters, onChange }: { filters: AuditFilters; onChange: (name: keyof AuditFilters, value: string) => void }) {
  return (
    <section className="filter-bar" aria-label="Filters">
      <label>
        Action
        <select value={filters.action} onChange={(e) => onChange("action", e.target.value)}>
          <option value="">Any</option>
          {AUDIT_ACTIONS.map((action) => (
            <option key={action}>{action}</option>
          ))}
        </select>
      </label>
      <label>
        Actor
        <input value={filters.actor} onChange={(e) => onChange("actor", e.target.value)} placeholder="e.g. admin" />
      </label>
      <label>
        Target
        <input value={filters.target} onChange={(e) => onChange("target", e.target.value)} />
      </label>
      <label>
        From
        <input type="date" value={filters.from} max={filters.to || undefined} onChange={(e) => onChange("from", e.target.value)} />
      </label>
      <label>
        To
        <input type="date" value={filters.to} min={filters.from || undefined} onChange={(e) => onChange("to", e.target.value)} />
      </label>
      <p className="hint filter-hint">Dates are UTC calendar days.</p>
    </section>
  );
}

/** Audit trail (admin only): who did what, when and from where. */
export default function AuditPage() {
  const [filters, setFilter] = useAuditFilters();
  const [offset, setOffset] = usePageOffset(PAGE_SIZE);
  const [order, onSort] = useTableSort<AuditSort>(AUDIT_SORTS, "at", FIRST_ORDER);
  const query = useAuditPage(filters, PAGE_SIZE, offset, order);
  const header = { sort: order.sort, order: order.order, onSort };
  return (
    <>
      <PageHeader title="Audit trail">Logins, account changes, model and alert actions, newest first unless sorted.</PageHeader>
      <Filters filters={filters} onChange={setFilter} />
      <section className="card" aria-labelledby="audit-heading">
        <h2 id="audit-heading">Recorded actions</h2>
        <QueryState query={query} label="audit entries" isEmpty={(page) => page.total === 0} empty="No recorded actions match these filters.">
          {(page) => (
            <>
              <div className="table-scroll" tabIndex={0} role="region" aria-label="Audit trail">
                <table>
                  <thead>
                    <tr>
                      <SortHeader label="When" column="at" {...header} />
                      <SortHeader label="Actor" column="actor" {...header} />
                      <SortHeader label="Action" column="action" {...header} />
                      <SortHeader label="Target" column="target" {...header} />
                      <th scope="col">Details</th>
                      <SortHeader label="Source" column="source" {...header} />
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((event) => (
                      <tr key={event.id}>
                        <td>
                          <Time value={event.at} />
                        </td>
                        <td>{event.actor}</td>
                        <td>{event.action}</td>
                        <td>{event.target ?? "–"}</td>
                        <td>{details(event)}</td>
                        <td>{event.source ?? "–"}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pagination total={page.total} limit={PAGE_SIZE} offset={offset} onChange={setOffset} label="actions" />
            </>
          )}
        </QueryState>
      </section>
    </>
  );
}
