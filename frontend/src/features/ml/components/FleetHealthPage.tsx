import { useMemo } from "react";
import type { HealthScoresPage, HealthStatus } from "../../../api/mlTypes";
import type { FleetStatus } from "../../../api/types";
import { ExportButton } from "../../../components/ExportButton";
import { Kpi, KpiGrid } from "../../../components/Kpi";
import { LastUpdated } from "../../../components/LastUpdated";
import { PageHeader } from "../../../components/PageHeader";
import { Pagination } from "../../../components/Pagination";
import { StatusFilter } from "../../../components/StatusFilter";
import { Time } from "../../../components/Time";
import { formatCount, formatNumber } from "../../../lib/format";
import { DATA_EVERY } from "../../../lib/live";
import { usePageOffset } from "../../../lib/paging";
import { statusById, useFleetStatus } from "../../fleet/api";
import { useHealthScores } from "../api/health";
import { type AlertFilter, countByStatus, FIRST_DIR, filterHealth, type HealthRow, type HealthView, joinStatus, type SortKey, sortHealth, useHealthView } from "../fleetHealth";
import { DEFAULT_THRESHOLDS, STATUS_LABEL, STATUS_RANK, STATUSES } from "../labels";
import { HealthTable } from "./HealthTable";
import { MlQueryState } from "./MlState";

const PAGE_SIZE = 50;

function FleetSummary({ page, rows }: { page: HealthScoresPage; rows: HealthRow[] }) {
  const scores = rows.map((d) => d.health_score).filter((v): v is number => v !== null);
  const mean = scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null;
  const attention = rows.filter((d) => STATUS_RANK[d.shown] >= STATUS_RANK.watch).length;
  const alerted = rows.filter((d) => d.alert !== null).length;
  return (
    <KpiGrid label="Fleet health summary">
      <Kpi label="Devices scored" value={formatCount(rows.length)} />
      <Kpi label="Mean health" value={mean === null ? "—" : `${formatNumber(mean, 1)} / 100`} />
      <Kpi label="Need attention" value={formatCount(attention)} note={`watch or worse; ${formatCount(alerted)} with an unresolved alert`} />
      <Kpi label="Scores as of" value={page.metadata.as_of ? <Time value={page.metadata.as_of} /> : "—"} note={`model ${page.metadata.model_version}`} />
    </KpiGrid>
  );
}

const ALERT_CHOICES: { value: AlertFilter; label: string }[] = [
  { value: "", label: "Any" },
  { value: "any", label: "With an unresolved alert" },
  { value: "open", label: "With an open alert" },
  { value: "acknowledged", label: "Being handled (acknowledged)" },
  { value: "none", label: "Without an alert" },
];

function Controls({ view, onChange }: { view: HealthView; onChange: (next: Partial<HealthView>) => void }) {
  return (
    <div className="filter-bar">
      <label>
        Search
        <input type="search" value={view.search} placeholder="device id" onChange={(e) => onChange({ search: e.target.value })} />
      </label>
      <label>
        Alert
        <select value={view.alert} onChange={(e) => onChange({ alert: e.target.value as AlertFilter })}>
          {ALERT_CHOICES.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
      </label>
      <ExportButton
        path="/api/v1/export/fleet-health.csv"
        params={{ q: view.search, status: view.statuses, alert: view.alert || undefined }}
        filename="drillwatch-fleet-health.csv"
      />
    </div>
  );
}

function FleetHealth({ page, fleet }: { page: HealthScoresPage; fleet: FleetStatus | undefined }) {
  const [view, setView] = useHealthView();
  const [offset, setOffset] = usePageOffset(PAGE_SIZE);
  const thresholds = page.metadata.thresholds ?? DEFAULT_THRESHOLDS;
  const all = useMemo(() => joinStatus(page.data, statusById(fleet)), [page.data, fleet]);
  const counts = useMemo(() => countByStatus(all), [all]);
  const rows = useMemo(() => sortHealth(filterHealth(all, view.statuses, view.search, view.alert), view.sort, view.order), [all, view]);
  const onSort = (key: SortKey) => setView({ sort: key, order: key === view.sort ? (view.order === "asc" ? "desc" : "asc") : FIRST_DIR[key] });
  return (
    <>
      <FleetSummary page={page} rows={all} />
      {page.metadata.refreshing && (
        <p className="notice" role="status">
          Scores are being recomputed (new data or a new model); this list updates by itself.
        </p>
      )}
      <section className="card" aria-labelledby="fleet-health-heading">
        <h2 id="fleet-health-heading">Devices</h2>
        <StatusFilter<HealthStatus> statuses={STATUSES} labels={STATUS_LABEL} counts={counts} selected={view.statuses} onChange={(statuses) => setView({ statuses })} />
        <Controls view={view} onChange={setView} />
        {rows.length === 0 ? (
          <p className="state state-empty">No device matches these filters.</p>
        ) : (
          <>
            <HealthTable devices={rows.slice(offset, offset + PAGE_SIZE)} thresholds={thresholds} sort={view.sort} order={view.order} onSort={onSort} />
            <Pagination total={rows.length} limit={PAGE_SIZE} offset={offset} onChange={setOffset} label="devices" />
          </>
        )}
        <p className="hint">
          Status is the worse of the health model's and the device's unresolved alerts. Bars: green at or above MEDIUM ({thresholds.medium}), amber below it, orange below HIGH (
          {thresholds.high}), red below CRITICAL ({thresholds.critical}).
        </p>
      </section>
    </>
  );
}

/** Fleet health: every device's status, score, components, alert and top factor; sortable and filterable. */
export default function FleetHealthPage() {
  const scores = useHealthScores();
  const fleet = useFleetStatus();
  return (
    <>
      <PageHeader title="Fleet health">Status, health score (0–100), components, alert and the main reason for every device, worst first.</PageHeader>
      <LastUpdated queries={[scores, fleet]} every={DATA_EVERY} />
      <MlQueryState query={scores} label="health scores" isEmpty={(p) => p.data.length === 0} empty="No device has telemetry in the scoring window yet.">
        {(page) => <FleetHealth page={page} fleet={fleet.data} />}
      </MlQueryState>
    </>
  );
}
