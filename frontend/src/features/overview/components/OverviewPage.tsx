import { Link } from "react-router";
import { FilterBar } from "../../../components/FilterBar";
import { PageHeader } from "../../../components/PageHeader";
import { QueryState } from "../../../components/States";
import { Time } from "../../../components/Time";
import { formatCount } from "../../../lib/format";
import { filterSearch, useFilters } from "../../../lib/filters";
import { useInsights } from "../api";
import { FleetKpis } from "./FleetKpis";
import { NeedsAttention } from "./NeedsAttention";
import { StateChart } from "./StateChart";

/** Fleet overview: KPIs, operating states, anomaly counts and the devices to look at first. */
export default function OverviewPage() {
  const [filters, setFilters] = useFilters();
  const insights = useInsights(filters);
  const search = filterSearch(filters);
  return (
    <>
      <PageHeader title="Fleet overview">How much the fleet drilled, how it was used, and which machines need attention.</PageHeader>
      <FilterBar filters={filters} onChange={setFilters} />
      <QueryState query={insights} label="fleet KPIs" isEmpty={(data) => data.sessions === 0} empty="No sessions in this range. Widen the dates or clear the device filter.">
        {(data) => (
          <>
            {data.start && data.end && (
              <p className="hint">
                Sessions from <Time value={data.start} /> to <Time value={data.end} />
              </p>
            )}
            <FleetKpis insights={data} />
            <div className="grid-2">
              <section className="card" aria-labelledby="states-heading">
                <h2 id="states-heading">Operating states</h2>
                <StateChart states={data.states} />
              </section>
              <section className="card" aria-labelledby="anomaly-heading">
                <h2 id="anomaly-heading">Anomalies</h2>
                <dl className="stat-list">
                  <dt>Short sessions (&lt; 5 min)</dt>
                  <dd>{formatCount(data.anomalies.short_sessions)} sessions</dd>
                  <dt>Lost samples</dt>
                  <dd>
                    {formatCount(data.anomalies.lost_samples)} samples in {formatCount(data.anomalies.lost_sample_sessions)} sessions
                  </dd>
                  <dt>Missing GPS</dt>
                  <dd>
                    {formatCount(data.anomalies.missing_gps_samples)} samples in {formatCount(data.anomalies.missing_gps_sessions)} sessions
                  </dd>
                  <dt>Low battery (&lt; 20 %)</dt>
                  <dd>
                    {formatCount(data.anomalies.low_battery_samples)} samples in {formatCount(data.anomalies.low_battery_sessions)} sessions
                  </dd>
                </dl>
                <Link to={`/anomalies${search}`}>See anomalous sessions</Link>
              </section>
            </div>
          </>
        )}
      </QueryState>
      <section className="card" aria-labelledby="attention-heading">
        <h2 id="attention-heading">Needs attention</h2>
        <p className="hint">Current health of each machine (not limited by the dates above): which, why, and by when.</p>
        <NeedsAttention filters={filters} />
      </section>
    </>
  );
}
