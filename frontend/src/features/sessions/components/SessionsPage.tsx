import { FilterBar } from "../../../components/FilterBar";
import { PageHeader } from "../../../components/PageHeader";
import { Pagination } from "../../../components/Pagination";
import { QueryState } from "../../../components/States";
import { useFilters } from "../../../lib/filters";
import { usePageOffset } from "../../../lib/paging";
import { useInsights } from "../../overview/api";
import { useSessions, useTimeline } from "../api";
import { SessionMap } from "./SessionMap";
import { SessionTable } from "./SessionTable";
import { TimelineChart } from "./TimelineChart";

const PAGE_SIZE = 25;

/** Sessions: timeline, a paginated table and a map of where they took place. */
export default function SessionsPage() {
  const [filters, setFilters] = useFilters();
  const [offset, setOffset] = usePageOffset(PAGE_SIZE);
  const timeline = useTimeline(filters);
  const sessions = useSessions(filters, PAGE_SIZE, offset);
  const insights = useInsights(filters);
  return (
    <>
      <PageHeader title="Sessions">Every run of a machine, newest first, and where it took place.</PageHeader>
      <FilterBar filters={filters} onChange={setFilters} />
      <section className="card" aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Timeline</h2>
        <QueryState query={timeline} label="the timeline" isEmpty={(t) => t.entries.length === 0} empty="No sessions in this range.">
          {(t) => <TimelineChart entries={t.entries} truncated={t.truncated} />}
        </QueryState>
      </section>
      <section className="card" aria-labelledby="table-heading">
        <h2 id="table-heading">Session list</h2>
        <QueryState query={sessions} label="sessions" isEmpty={(p) => p.total === 0} empty="No sessions in this range.">
          {(page) => (
            <>
              <SessionTable sessions={page.sessions} caption="Sessions, newest first" />
              <Pagination total={page.total} limit={PAGE_SIZE} offset={offset} onChange={setOffset} label="sessions" />
            </>
          )}
        </QueryState>
      </section>
      <section className="card" aria-labelledby="map-heading">
        <h2 id="map-heading">Session locations</h2>
        <QueryState
          query={insights}
          label="session locations"
          isEmpty={(i) => i.locations.points.length === 0}
          empty="No session in this range has a GPS fix."
        >
          {(i) => <SessionMap points={i.locations.points} total={i.locations.total} />}
        </QueryState>
      </section>
    </>
  );
}
