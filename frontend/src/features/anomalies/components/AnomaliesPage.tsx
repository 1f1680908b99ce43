import { Fragment } from "react";
import { Link, useSearchParams } from "react-router";
import type { AnomalyKind, AnomalyPageCounts, AnomalySort } from "../../../api/types";
import { SortHeader } from "../../../components/SortHeader";
import { useTableSort } from "../../../lib/table";
import { FilterBar } from "../../../components/FilterBar";
import { Kpi, KpiGrid } from "../../../components/Kpi";
import { LastUpdated } from "../../../components/LastUpdated";
import { PageHeader } from "../../../components/PageHeader";
import { Pagination } from "../../../components/Pagination";
import { QueryState } from "../../../components/States";
import { Time } from "../../../components/Time";
import { formatCount, formatDuration, formatPercent } from "../../../lib/format";
import { useFilters } from "../../../lib/filters";
import { DATA_EVERY } from "../../../lib/live";
import { usePageOffset } from "../../../lib/paging";
import { ANOMALY_FIRST_ORDER, ANOMALY_KINDS, ANOMALY_SORTS, anomalyLabel, collisionSummary, useAnomalies } from "../api";

const PAGE_SIZE = 25;

function useKinds(): [AnomalyKind[], (kinds: AnomalyKind[]) => void] {
  const [params, setParams] = useSearchParams();
  const known = new Set(ANOMALY_KINDS.map((k) => k.kind));
  const kinds = params.getAll("kind").filter((k): k is AnomalyKind => known.has(k as AnomalyKind));
  const setKinds = (next: AnomalyKind[]) =>
    setParams(
      (current) => {
        const merged = new URLSearchParams(current);
        merged.delete("kind");
        merged.delete("page");
        for (const k of next) merged.append("kind", k);
        return merged;
      },
      { replace: true },
    );
  return [kinds, setKinds];
}

function Counts({ counts }: { counts: AnomalyPageCounts }) {
  return (
    <KpiGrid label="Anomaly counts">
      <Kpi label="Short sessions" value={`${formatCount(counts.short_sessions)} sessions`} note="shorter than 5 min" />
      <Kpi label="Lost samples" value={`${formatCount(counts.lost_samples)} samples`} note={`in ${formatCount(counts.lost_sample_sessions)} sessions`} />
      <Kpi label="Missing GPS" value={`${formatCount(counts.missing_gps_samples)} samples`} note={`in ${formatCount(counts.missing_gps_sessions)} sessions`} />
      <Kpi label="Low battery" value={`${formatCount(counts.low_battery_samples)} samples`} note={`below 20 % in ${formatCount(counts.low_battery_sessions)} sessions`} />
      <Kpi label="Two pods under one ID" value={`${formatCount(counts.id_collision_sessions)} sessions`} note="with a second pod's rows" />
    </KpiGrid>
  );
}

/** Anomalies: short sessions, lost samples, missing GPS, low battery and two pods under one ID. */
export default function AnomaliesPage() {
  const [filters, setFilters] = useFilters();
  const [kinds, setKinds] = useKinds();
  const [offset, setOffset] = usePageOffset(PAGE_SIZE);
  const [view, onSort] = useTableSort<AnomalySort>(ANOMALY_SORTS, "start_ts", ANOMALY_FIRST_ORDER);
  const query = useAnomalies(filters, kinds, PAGE_SIZE, offset, view.sort, view.order);
  const header = { sort: view.sort, order: view.order, onSort };
  const toggle = (kind: AnomalyKind) => setKinds(kinds.includes(kind) ? kinds.filter((k) => k !== kind) : [...kinds, kind]);
  return (
    <>
      <PageHeader title="Anomalies">
        Sessions that were cut short, lost samples, ran without GPS, drained the battery or mixed a second pod's data under the device's id.
      </PageHeader>
      <LastUpdated queries={[query]} every={DATA_EVERY} />
      <FilterBar filters={filters} onChange={setFilters} />
      <fieldset className="kind-filter">
        <legend>Kinds (none ticked: all)</legend>
        {ANOMALY_KINDS.map(({ kind, label }) => (
          <label key={kind}>
            <input type="checkbox" checked={kinds.includes(kind)} onChange={() => toggle(kind)} /> {label}
          </label>
        ))}
      </fieldset>
      <QueryState query={query} label="anomalies">
        {(page) => (
          <>
            <Counts counts={page.counts} />
            <section className="card" aria-labelledby="anomaly-list-heading">
              <h2 id="anomaly-list-heading">Anomalous sessions</h2>
              {page.total === 0 ? (
                <p className="state state-empty">No anomalous sessions in this range.</p>
              ) : (
                <>
                  <div className="table-scroll" tabIndex={0} role="region" aria-label="Anomalous sessions table">
                    <table>
                      <thead>
                        <tr>
                          <SortHeader label="Kind" column="kind" {...header} />
                          <SortHeader label="Device" column="device_id" {...header} />
                          <SortHeader label="Start" column="start_ts" {...header} />
                          <SortHeader label="Duration" column="duration_s" numeric {...header} />
                          <SortHeader label="Samples" column="samples" numeric {...header} />
                          <SortHeader label="Lost samples" column="lost_samples" numeric {...header} />
                          <SortHeader label="Missing GPS" column="missing_gps" numeric {...header} />
                          <SortHeader label="Min battery" column="battery_min" numeric {...header} />
                        </tr>
                      </thead>
                      <tbody>
                        {page.items.map((item) => (
                          <Fragment key={`${item.kind}-${item.session_id}`}>
                            <tr>
                              <td>{anomalyLabel(item.kind)}</td>
                              <td>
                                <Link to={`/devices/${encodeURIComponent(item.device_id)}`}>{item.device_id}</Link>
                              </td>
                              <td>
                                <Time value={item.start_ts} />
                              </td>
                              <td className="num">{formatDuration(item.duration_s)}</td>
                              <td className="num">{formatCount(item.samples)}</td>
                              <td className="num">{formatCount(item.lost_samples)}</td>
                              <td className="num">{formatCount(item.missing_gps)}</td>
                              <td className={`num ${item.battery_min < 20 ? "warn" : ""}`}>{formatPercent(item.battery_min, 0)}</td>
                            </tr>
                            {item.collision && (
                              <tr className="evidence-row">
                                <td colSpan={8}>
                                  From <Time value={item.collision.start_ts} />: {collisionSummary(item.collision)}.
                                </td>
                              </tr>
                            )}
                          </Fragment>
                        ))}
                      </tbody>
                    </table>
                  </div>
                  <Pagination total={page.total} limit={PAGE_SIZE} offset={offset} onChange={setOffset} label="anomalous sessions" />
                </>
              )}
            </section>
          </>
        )}
      </QueryState>
    </>
  );
}
