import { useMemo } from "react";
import type { HealthScoresPage, HealthStatus } from "../../../api/mlTypes";
import { Kpi, KpiGrid } from "../../../components/Kpi";
import { PageHeader } from "../../../components/PageHeader";
import { Pagination } from "../../../components/Pagination";
import { Time } from "../../../components/Time";
import { formatCount, formatNumber } from "../../../lib/format";
import { usePageOffset } from "../../../lib/paging";
import { useHealthScores } from "../api/health";
import { countByStatus, filterHealth, FIRST_DIR, SORT_LABEL, sortHealth, useHealthView, type HealthView, type SortKey } from "../fleetHealth";
import { DEFAULT_THRESHOLDS, STATUS_LABEL, STATUSES } from "../labels";
import { HealthTable } from "./HealthTable";
import { MlQueryState } from "./MlState";

const PAGE_SIZE = 50;

function FleetSummary({ page }: { page: HealthScoresPage }) {
  const scores = page.data.map((d) => d.health_score).filter((v): v is number => v !== null);
  const mean = scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null;
  const attention = page.data.filter((d) => d.status !== "healthy").length;
  const { metadata } = page;
  return (
    <KpiGrid label="Fleet health summary">
      <Kpi label="Devices scored" value={formatCount(page.data.length)} />
      <Kpi label="Mean health" value={mean === null ? "—" : `${formatNumber(mean, 1)} / 100`} />
      <Kpi label="Not healthy" value={formatCount(attention)} note="watch, degraded, critical or too little data" />
      <Kpi label="Scores as of" value={metadata.as_of ? <Time value={metadata.as_of} /> : "—"} note={`model ${metadata.model_version}`} />
    </KpiGrid>
  );
}

function StatusFilter({ counts, selected, onChange }: { counts: Record<HealthStatus, number>; selected: HealthStatus[]; onChange: (s: HealthStatus[]) => void }) {
  const toggle = (status: HealthStatus) => onChange(selected.includes(status) ? selected.filter((s) => s !== status) : [...selected, status]);
  return (
    <div className="status-filter" role="group" aria-label="Filter by status">
      {STATUSES.map((status) => (
        <button key={status} type="button" className={`toggle status-toggle status-${status}`} aria-pressed={selected.includes(status)} onClick={() => toggle(status)}>
          {STATUS_LABEL[status]} <span className="count">({formatCount(counts[status])})</span>
        </button>
      ))}
      {selected.length > 0 && (
        <button type="button" className="secondary" onClick={() => onChange([])}>
          All statuses
        </button>
      )}
    </div>
  );
}

function Controls({ view, onChange }: { view: HealthView; onChange: (next: Partial<HealthView>) => void }) {
  return (
    <div className="filter-bar">
      <label>
        Search
        <input type="search" value={view.search} placeholder="device id" onChange={(e) => onChange({ search: e.target.value })} />
      </label>
      <label>
        Sort by
        <select value={view.sort} onChange={(e) => onChange({ sort: e.target.value as SortKey, dir: FIRST_DIR[e.target.value as SortKey] })}>
          {(Object.keys(SORT_LABEL) as SortKey[]).map((key) => (
            <option key={key} value={key}>
              {SORT_LABEL[key]}
            </option>
          ))}
        </select>
      </label>
      <label>
        Order
        <select value={view.dir} onChange={(e) => onChange({ dir: e.target.value as "asc" | "desc" })}>
          <option value="asc">Ascending (lowest first)</option>
          <option value="desc">Descending (highest first)</option>
        </select>
      </label>
    </div>
  );
}

function FleetHealth({ page }: { page: HealthScoresPage }) {
  const [view, setView] = useHealthView();
  const [offset, setOffset] = usePageOffset(PAGE_SIZE);
  const thresholds = page.metadata.thresholds ?? DEFAULT_THRESHOLDS;
  const counts = useMemo(() => countByStatus(page.data), [page.data]);
  const rows = useMemo(() => sortHealth(filterHealth(page.data, view.statuses, view.search), view.sort, view.dir), [page.data, view]);
  const onSort = (key: SortKey) => setView({ sort: key, dir: key === view.sort ? (view.dir === "asc" ? "desc" : "asc") : FIRST_DIR[key] });
  return (
    <>
      <FleetSummary page={page} />
      {page.metadata.refreshing && (
        <p className="notice" role="status">
          Scores are being recomputed (new data or a new model); this list updates by itself.
        </p>
      )}
      <section className="card" aria-labelledby="fleet-health-heading">
        <h2 id="fleet-health-heading">Devices</h2>
        <StatusFilter counts={counts} selected={view.statuses} onChange={(statuses) => setView({ statuses })} />
        <Controls view={view} onChange={setView} />
        {rows.length === 0 ? (
          <p className="state state-empty">No device matches these filters.</p>
        ) : (
          <>
            <HealthTable devices={rows.slice(offset, offset + PAGE_SIZE)} thresholds={thresholds} sort={view.sort} dir={view.dir} onSort={onSort} />
            <Pagination total={rows.length} limit={PAGE_SIZE} offset={offset} onChange={setOffset} label="devices" />
          </>
        )}
        <p className="hint">
          Bars: green at or above MEDIUM ({thresholds.medium}), amber below it, orange below HIGH ({thresholds.high}), red below CRITICAL ({thresholds.critical}).
        </p>
      </section>
    </>
  );
}

/** Fleet health: every device's score, components, confidence, status and top factor. */
export default function FleetHealthPage() {
  const scores = useHealthScores();
  return (
    <>
      <PageHeader title="Fleet health">Health score (0–100), components, confidence and the main reason for every device, worst first.</PageHeader>
      <MlQueryState query={scores} label="health scores" isEmpty={(p) => p.data.length === 0} empty="No device has telemetry in the scoring window yet.">
        {(page) => <FleetHealth page={page} />}
      </MlQueryState>
    </>
  );
}
