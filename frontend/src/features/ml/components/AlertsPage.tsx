import { useCallback, useEffect, useId, useMemo, useState } from "react";
import { useSearchParams } from "react-router";
import type { AlertStatus, Severity } from "../../../api/mlTypes";
import { hasRole, useAuth } from "../../../auth/session";
import { Kpi, KpiGrid } from "../../../components/Kpi";
import { PageHeader } from "../../../components/PageHeader";
import { Pagination } from "../../../components/Pagination";
import { formatCount, formatPercent } from "../../../lib/format";
import { usePageOffset } from "../../../lib/paging";
import { useDevices } from "../../devices/api";
import { useAlerts, useAlertTimeline, useMlStatistics, type AlertFilters } from "../api/alerts";
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

/** Alerts: counts, a timeline and the list, filterable; acknowledge and resolve for operators. */
export default function AlertsPage() {
  const [filters, setFilters] = useAlertFilters();
  const [offset, setOffset] = usePageOffset(PAGE_SIZE);
  const page = Math.floor(offset / PAGE_SIZE) + 1;
  const alerts = useAlerts(filters, page, PAGE_SIZE);
  const timeline = useAlertTimeline(filters);
  const canAct = hasRole(useAuth().session?.role, "operator");
  return (
    <>
      <PageHeader title="Alerts">Predicted issues by severity, status and device, newest first.</PageHeader>
      <AlertCounts />
      <FilterControls filters={filters} onChange={setFilters} />
      {!canAct && <p className="hint">Your role can see alerts; operators and admins acknowledge and resolve them.</p>}
      <section className="card" aria-labelledby="alert-timeline-heading">
        <h2 id="alert-timeline-heading">Timeline</h2>
        <MlQueryState query={timeline} label="the alert timeline" isEmpty={(t) => t.alerts.length === 0} empty="No alerts for these filters.">
          {(t) => <AlertTimeline alerts={t.alerts} total={t.total} />}
        </MlQueryState>
      </section>
      <section className="card" aria-labelledby="alert-list-heading">
        <h2 id="alert-list-heading">Alerts</h2>
        <MlQueryState query={alerts} label="alerts" isEmpty={(p) => p.pagination.total === 0} empty="No alerts for these filters.">
          {(p) => (
            <>
              <AlertList alerts={p.data} label="Alerts, newest first" />
              <Pagination total={p.pagination.total} limit={PAGE_SIZE} offset={offset} onChange={setOffset} label="alerts" />
            </>
          )}
        </MlQueryState>
      </section>
    </>
  );
}
