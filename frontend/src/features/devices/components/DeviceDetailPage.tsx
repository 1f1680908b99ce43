import { useMemo } from "react";
import { Link, useParams } from "react-router";
import type { SessionSort } from "../../../api/types";
import { Kpi, KpiGrid } from "../../../components/Kpi";
import { LastUpdated } from "../../../components/LastUpdated";
import { PageHeader } from "../../../components/PageHeader";
import { Pagination } from "../../../components/Pagination";
import { QueryState } from "../../../components/States";
import { Time } from "../../../components/Time";
import { formatCount, formatHours, formatNumber, formatPercent } from "../../../lib/format";
import type { Filters } from "../../../lib/filters";
import { ALERTS_EVERY } from "../../../lib/live";
import { usePageOffset } from "../../../lib/paging";
import { useTableSort } from "../../../lib/table";
import { byDevice, useBatteryTrends } from "../../battery/api";
import { BatteryChart } from "../../battery/components/BatteryChart";
import { statusById, useFleetStatus } from "../../fleet/api";
import { FleetMap } from "../../fleet/components/FleetMap";
import { StatusBadge } from "../../ml/components/Badges";
import { DeviceAlertsSection } from "../../ml/components/DeviceAlertsSection";
import { DeviceHealthSection } from "../../ml/components/DeviceHealthSection";
import { STATUS_ACTION } from "../../ml/labels";
import { SESSION_FIRST_ORDER, SESSION_SORTS, useSessions } from "../../sessions/api";
import { SessionTable } from "../../sessions/components/SessionTable";
import { useDevice } from "../api";

const PAGE_SIZE = 10;

/** One device: what to do (its alerts and status), health, where it is, sessions and battery. */
export default function DeviceDetailPage() {
  const deviceId = useParams().deviceId ?? "";
  const device = useDevice(deviceId);
  const fleet = useFleetStatus();
  const state = statusById(fleet.data).get(deviceId);
  const scope = useMemo<Filters>(() => ({ from: "", to: "", devices: [deviceId] }), [deviceId]);
  const [offset, setOffset] = usePageOffset(PAGE_SIZE);
  const [view, onSort] = useTableSort<SessionSort>(SESSION_SORTS, "start_ts", SESSION_FIRST_ORDER);
  const sessions = useSessions(scope, PAGE_SIZE, offset, view.sort, view.order);
  const battery = useBatteryTrends(scope, "day");
  const single = useMemo(() => (state ? [state] : []), [state]);
  return (
    <>
      <PageHeader title={`Device ${deviceId}`} />
      <p className="device-line">
        <Link to="/devices">← All devices</Link> {fleet.isSuccess && <StatusBadge status={state?.status ?? null} />}
      </p>
      <LastUpdated queries={[fleet, device]} every={ALERTS_EVERY} />
      <section className="card action-card" aria-labelledby="todo-heading">
        <h2 id="todo-heading">What to do</h2>
        {state?.status && state.open_alerts === 0 && (
          <p className="attention-do">
            <strong>Do:</strong> {STATUS_ACTION[state.status]} {state.reason && <span className="hint">({state.reason})</span>}
          </p>
        )}
        <DeviceAlertsSection deviceId={deviceId} />
      </section>
      <section className="card" aria-labelledby="health-heading">
        <h2 id="health-heading">Health</h2>
        <DeviceHealthSection deviceId={deviceId} shown={state?.status} />
      </section>
      <section className="card" aria-labelledby="where-heading">
        <h2 id="where-heading">Activity and last position</h2>
        <QueryState query={device} label="the device">
          {(d) => (
            <>
              <KpiGrid label="Device summary">
                <Kpi label="Last seen" value={<Time value={d.last_seen} />} />
                <Kpi label="Last position" value={d.last_lat === null || d.last_lon === null ? "no GPS fix" : `${formatNumber(d.last_lat, 5)}°, ${formatNumber(d.last_lon, 5)}°`} />
                <Kpi label="Drilling hours" value={formatHours(d.drilling_hours)} />
                <Kpi label="Sessions" value={formatCount(d.sessions)} note={`${formatCount(d.samples)} samples`} />
                <Kpi label="Last battery" value={formatPercent(d.last_battery, 0)} />
                <Kpi label="First seen" value={<Time value={d.first_seen} />} />
              </KpiGrid>
              {single.length > 0 && single[0].lat !== null && (
                <FleetMap devices={single} onOpen={() => undefined} label={`Map of the last position of ${deviceId}`} height={220} zoom={13} />
              )}
            </>
          )}
        </QueryState>
      </section>
      <section className="card" aria-labelledby="recent-heading">
        <h2 id="recent-heading">Sessions</h2>
        <QueryState query={sessions} label="sessions" isEmpty={(p) => p.total === 0} empty="This device has no sessions.">
          {(page) => (
            <>
              <SessionTable sessions={page.sessions} caption={`Sessions of ${deviceId}`} showDevice={false} sort={view} onSort={onSort} />
              <Pagination total={page.total} limit={PAGE_SIZE} offset={offset} onChange={setOffset} label="sessions" />
            </>
          )}
        </QueryState>
      </section>
      <section className="card" aria-labelledby="device-battery-heading">
        <h2 id="device-battery-heading">Battery per day</h2>
        <QueryState query={battery} label="battery readings" isEmpty={(t) => t.points.length === 0} empty="No battery readings.">
          {(t) => <BatteryChart devices={byDevice(t.points)} bucketSeconds={t.bucket_seconds} />}
        </QueryState>
      </section>
    </>
  );
}
