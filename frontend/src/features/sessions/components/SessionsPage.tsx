import type { SessionSort } from "../../../api/types";
import { ExportButton } from "../../../components/ExportButton";
import { FilterBar } from "../../../components/FilterBar";
import { LastUpdated } from "../../../components/LastUpdated";
import { PageHeader } from "../../../components/PageHeader";
import { Pagination } from "../../../components/Pagination";
import { QueryState } from "../../../components/States";
import { scopeParams, useFilters } from "../../../lib/filters";
import { DATA_EVERY } from "../../../lib/live";
import { usePageOffset } from "../../../lib/paging";
import { useTableSort } from "../../../lib/table";
import { useInsights } from "../../overview/api";
import { SESSION_FIRST_ORDER, SESSION_SORTS, useDailyActivity, useSessions } from "../api";
import { SessionMap } from "./SessionMap";
import { SessionTable } from "./SessionTable";
import { TimelineChart } from "./TimelineChart";

const PAGE_SIZE = 25;
const TOP_DEVICES = 8;

/** Sessions: a sortable, paginated list, the daily timeline and a map of where they took place. */
export default function SessionsPage() {
  const [filters, setFilters] = useFilters();
  const [offset, setOffset] = usePageOffset(PAGE_SIZE);
  const [view, onSort] = useTableSort<SessionSort>(SESSION_SORTS, "start_ts", SESSION_FIRST_ORDER);
  const daily = useDailyActivity(filters, TOP_DEVICES);
  const sessions = useSessions(filters, PAGE_SIZE, offset, view.sort, view.order);
  const insights = useInsights(filters);
  return (
    <>
      <PageHeader title="Sessions">Every run of a machine, and where it took place.</PageHeader>
      <LastUpdated queries={[sessions, daily]} every={DATA_EVERY} />
      <FilterBar filters={filters} onChange={setFilters} />
      <section className="card" aria-labelledby="table-heading">
        <div className="card-head">
          <h2 id="table-heading">Session list</h2>
          <ExportButton path="/api/v1/export/sessions.csv" params={{ ...scopeParams(filters), sort: view.sort, order: view.order }} filename="drillwatch-sessions.csv" />
        </div>
        <QueryState query={sessions} label="sessions" isEmpty={(p) => p.total === 0} empty="No sessions in this range.">
          {(page) => (
            <>
              <SessionTable sessions={page.sessions} caption="Sessions" sort={view} onSort={onSort} />
              <Pagination total={page.total} limit={PAGE_SIZE} offset={offset} onChange={setOffset} label="sessions" />
            </>
          )}
        </QueryState>
      </section>
      <section className="card" aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Drilling per day</h2>
        <QueryState query={daily} label="the timeline" isEmpty={(t) => t.days.length === 0} empty="No sessions in this range.">
          {(t) => <TimelineChart activity={t} />}
        </QueryState>
      </section>
      <section className="card" aria-labelledby="map-heading">
        <h2 id="map-heading">Session locations</h2>
        <QueryState query={insights} label="session locations" isEmpty={(i) => i.locations.points.length === 0} empty="No session in this range has a GPS fix.">
          {(i) => <SessionMap points={i.locations.points} total={i.locations.total} />}
        </QueryState>
      </section>
    </>
  );
}
