import { Link, useNavigate } from "react-router";
import { FilterBar } from "../../../components/FilterBar";
import { PageHeader } from "../../../components/PageHeader";
import { QueryState } from "../../../components/States";
import { Time } from "../../../components/Time";
import { formatCount } from "../../../lib/format";
import { filterSearch, useFilters } from "../../../lib/filters";
import { useFleetStatus } from "../../fleet/api";
import { FleetMap, StatusLegend } from "../../fleet/components/FleetMap";
import { countStatuses } from "../../fleet/status";
import { useInsights } from "../api";
import { FleetKpis } from "./FleetKpis";
import { NeedsAttention } from "./NeedsAttention";
import { StateChart } from "./StateChart";

function WhereTheyAre() {
  const fleet = useFleetStatus();
  const navigate = useNavigate();
  return (
    <section className="card" aria-labelledby="where-heading">
      <div className="card-head">
        <h2 id="where-heading">Where the machines are</h2>
        <Link to="/map">Open the fleet map</Link>
      </div>
      <QueryState query={fleet} label="the map" isEmpty={(f) => f.devices.length === 0} empty="No device has reported yet.">
        {(f) => (
          <figure className="chart-figure">
            <FleetMap devices={f.devices} onOpen={(id) => navigate(`/devices/${encodeURIComponent(id)}`)} label="Map of every device at its last known position" height={300} />
            <figcaption>
              <StatusLegend counts={countStatuses(f.devices)} />
            </figcaption>
          </figure>
        )}
      </QueryState>
    </section>
  );
}

/** Fleet overview: what needs action first, where the machines are, then how the fleet was used. */
export default function OverviewPage() {
  const [filters, setFilters] = useFilters();
  const insights = useInsights(filters);
  const search = filterSearch(filters);
  return (
    <>
      <PageHeader title="Fleet overview">What needs action today, where the machines are, and how the fleet was used.</PageHeader>
      <section className="card attention-card" aria-labelledby="attention-heading">
        <h2 id="attention-heading">Needs attention today</h2>
        <NeedsAttention filters={filters} />
      </section>
      <WhereTheyAre />
      <h2 className="section-title">Usage</h2>
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
    </>
  );
}
