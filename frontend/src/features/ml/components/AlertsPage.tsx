import { useCallback, useEffect, useId, useMemo, useState } from "react";
import { useSearchParams } from "react-router";
import type { AlertStatus, Severity } from "../../../api/mlTypes";
import { hasRole, useAuth } from "../../../auth/session";
import { ExportButton } from "../../../components/ExportButton";
import { Kpi, KpiGrid } from "../../../components/Kpi";
import { LastUpdated } from "../../../components/LastUpdated";
import { PageHeader } from "../../../components/PageHeader";
import { Pagination } from "../../../components/Pagination";
import { formatCount, formatPercent } from "../../../lib/format";
import { ALERTS_EVERY } from "../../../lib/live";
import { usePageOffset } from "../../../lib/paging";
import { useTableSort } from "../../../lib/table";
import { useDevices } from "../../devices/api";
import { ALERT_FIRST_ORDER, ALERT_SORT_LABEL, ALERT_SORTS, type AlertSort, sortAlerts } from "../alertSort";
import { alertFilterParams, useAllAlerts, useMlStatistics, type AlertFilters } from "../api/alerts";
import { ALERT_STATUS_LABEL, ALERT_STATUSES, SEVERITIES } from "../labels";
import { AlertList } from "./AlertList";
import { AlertTimeline } from "./AlertTimeline";
import { MlQueryState } from "./MlState";

const PAGE_SIZE = 20;

/** Severity, status and device filters kept in the URL. */
function useAlertFilters(): [AlertFilters, (next: Partial<AlertFilters>) => void] {
  const [params, setParams] = useSearchParams();
  const severity: Severity | "" = (SEVERITIES as string[]).includes(params.get("severity") ?? "") ? (params.get("severity") as Severity) : "";
  const status: AlertStatus | "" = (ALERT_STATUSES as string[]).includes(params.get("status") ?? "") ? (params.get("status") as AlertStatus) : "";
  const device = params.get("device") ?? "";
  const filters = useMemo<AlertFilters>(() => ({ severity, status, device }), [severity, status, device]);
  const update = useCallback(
    (next: Partial<AlertFilters>) =>
      setParams(
        (current) => {
          const merged = new URLSearchParams(current);
          for (const [key, value] of Object.entries(next)) {
            if (value) merged.set(key, value);
            else merged.delete(key);
          }
          merged.delete("page");
          return merged;
        },
        { replace: true },
      ),
    [setParams],
  );
  return [filters, update];
}

function DeviceFilter({ value, onChange }: { value: string; onChange: (device: string) => void }) {
  const devices = useDevices();
  const listId = useId();
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const known = useMemo(() => new Set(devices.data?.devices.map((d) => d.device_id) ?? []), [devices.data]);
  const change = (next: string) => {
    setText(next);
    const trimmed = next.trim();
    if (!trimmed || known.has(trimmed)) onChange(trimmed);
  };
  const unknown = text.trim() !== "" && devices.isSuccess && !known.has(text.trim());
  return (
    <label>
      Device
      <input type="search" list={listId} value={text} placeholder="any device" onChange={(e) => change(e.target.value)} aria-invalid={unknown} />
      <datalist id={listId}>
        {[...known].slice(0, 1000).map((id) => (
          <option key={id} value={id} />
        ))}
      </datalist>
      {unknown && <span className="field-error">No device “{text.trim()}”.</span>}
    </label>
  );
}

function FilterControls({ filters, onChange }: { filters: AlertFilters; onChange: (next: Partial<AlertFilters>) => void }) {
  const active = filters.severity || filters.status || filters.device;
  return (
    <section className="filter-bar" aria-label="Alert filters">
      <label>
        Severity
        <select value={filters.severity} onChange={(e) => onChange({ severity: e.target.value as Severity | "" })}>
          <option value="">Any severity</option>
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Status
        <select value={filters.status} onChange={(e) => onChange({ status: e.target.value as AlertStatus | "" })}>
          <option value="">Any status</option>
          {ALERT_STATUSES.map((s) => (
            <option key={s} value={s}>
              {ALERT_STATUS_LABEL[s]}
            </option>
          ))}
        </select>
      </label>
      <DeviceFilter value={filters.device} onChange={(device) => onChange({ device })} />
      {active && (
        <button type="button" className="secondary" onClick={() => onChange({ severity: "", status: "", device: "" })}>
          Reset filters
        </button>
      )}
    </section>
  );
}

function AlertCounts() {
  const stats = useMlStatistics();
  if (!stats.isSuccess) return null;
  const { by_status, precision, total } = stats.data.alerts;
  return (
    <KpiGrid label="Alert counts">
      <Kpi label="Open" value={formatCount(by_status.open ?? 0)} note={`of ${formatCount(total)} alerts`} />
      <Kpi label="Acknowledged" value={formatCount(by_status.acknowledged ?? 0)} />
      <Kpi label="Resolved" value={formatCount(by_status.resolved ?? 0)} />
      <Kpi label="Precision" value={precision === null ? "—" : formatPercent(precision * 100)} note="confirmed or maintained, of judged alerts" />
    </KpiGrid>
  );
}

function SortControl({ sort, order, onSort }: { sort: AlertSort; order: "asc" | "desc"; onSort: (s: AlertSort) => void }) {
  return (
    <label className="inline-field">
      Sort
      <select value={sort} onChange={(e) => onSort(e.target.value as AlertSort)}>
        {ALERT_SORTS.map((key) => (
          <option key={key} value={key}>
            {ALERT_SORT_LABEL[key]}
          </option>
        ))}
      </select>
      <button type="button" className="secondary" onClick={() => onSort(sort)} aria-label={`Reverse the order (now ${order === "asc" ? "ascending" : "descending"})`}>
        {order === "asc" ? "▲" : "▼"}
      </button>
    </label>
  );
}

/** Alerts: counts, the list (most urgent first), a timeline; acknowledge and resolve for operators. */
export default function AlertsPage() {
  const [filters, setFilters] = useAlertFilters();
  const [offset, setOffset] = usePageOffset(PAGE_SIZE);
  const [view, onSort] = useTableSort<AlertSort>(ALERT_SORTS, "urgency", ALERT_FIRST_ORDER);
  const alerts = useAllAlerts(filters);
  const sorted = useMemo(() => sortAlerts(alerts.data?.alerts ?? [], view.sort, view.order), [alerts.data, view]);
  const canAct = hasRole(useAuth().session?.role, "operator");
  return (
    <>
      <PageHeader title="Alerts">Predicted failures to act on: the most urgent first, with the predicted date, the evidence and what to do.</PageHeader>
      <LastUpdated queries={[alerts]} every={ALERTS_EVERY} />
      <AlertCounts />
      <FilterControls filters={filters} onChange={setFilters} />
      {!canAct && <p className="hint">Your role can see alerts; operators and admins acknowledge and resolve them.</p>}
      <section className="card" aria-labelledby="alert-list-heading">
        <div className="card-head">
          <h2 id="alert-list-heading">Alerts</h2>
          <SortControl sort={view.sort} order={view.order} onSort={onSort} />
          <ExportButton path="/api/v1/export/alerts.csv" params={alertFilterParams(filters)} filename="drillwatch-alerts.csv" />
        </div>
        <MlQueryState query={alerts} label="alerts" isEmpty={(p) => p.alerts.length === 0} empty="No alerts for these filters.">
          {(p) => (
            <>
              <AlertList alerts={sorted.slice(offset, offset + PAGE_SIZE)} label={`Alerts, ${ALERT_SORT_LABEL[view.sort].toLowerCase()}`} />
              <Pagination total={sorted.length} limit={PAGE_SIZE} offset={offset} onChange={setOffset} label="alerts" />
              {p.total > p.alerts.length && (
                <p className="hint">
                  The newest {formatCount(p.alerts.length)} of {formatCount(p.total)} alerts are listed: narrow the filters.
                </p>
              )}
            </>
          )}
        </MlQueryState>
      </section>
      <section className="card" aria-labelledby="alert-timeline-heading">
        <h2 id="alert-timeline-heading">Alerts raised per day</h2>
        <MlQueryState query={alerts} label="the alert timeline" isEmpty={(t) => t.alerts.length === 0} empty="No alerts for these filters.">
          {(t) => <AlertTimeline alerts={t.alerts} total={t.total} />}
        </MlQueryState>
      </section>
    </>
  );
}
