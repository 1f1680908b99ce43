import { useMemo } from "react";
import { Link, useParams } from "react-router";
import { Kpi, KpiGrid } from "../../../components/Kpi";
import { PageHeader } from "../../../components/PageHeader";
import { Pagination } from "../../../components/Pagination";
import { QueryState } from "../../../components/States";
import { Time } from "../../../components/Time";
import { formatCount, formatHours, formatNumber, formatPercent } from "../../../lib/format";
import type { Filters } from "../../../lib/filters";
import { usePageOffset } from "../../../lib/paging";
import { byDevice, useBatteryTrends } from "../../battery/api";
import { BatteryChart } from "../../battery/components/BatteryChart";
import { DeviceAlertsSection } from "../../ml/components/DeviceAlertsSection";
import { DeviceHealthSection } from "../../ml/components/DeviceHealthSection";
import { useSessions } from "../../sessions/api";
import { SessionTable } from "../../sessions/components/SessionTable";
import { useDevice } from "../api";

const PAGE_SIZE = 10;

/** One device: activity summary, health (ML), recent sessions, battery and its alerts. */
export default function DeviceDetailPage() {
  const deviceId = useParams().deviceId ?? "";
  const device = useDevice(deviceId);
  const scope = useMemo<Filters>(() => ({ from: "", to: "", devices: [deviceId] }), [deviceId]);
  const [offset, setOffset] = usePageOffset(PAGE_SIZE);
  const sessions = useSessions(scope, PAGE_SIZE, offset);
  const battery = useBatteryTrends(scope, "day");
  return (
    <>
      <PageHeader title={`Device ${deviceId}`} />
      <p>
        <Link to="/devices">← All devices</Link>
      </p>
      <QueryState query={device} label="the device">
        {(d) => (
          <KpiGrid label="Device summary">
            <Kpi label="Drilling hours" value={formatHours(d.drilling_hours)} />
            <Kpi label="Sessions" value={formatCount(d.sessions)} note={`${formatCount(d.samples)} samples`} />
            <Kpi label="Last battery" value={formatPercent(d.last_battery, 0)} />
            <Kpi label="First seen" value={<Time value={d.first_seen} />} />
            <Kpi label="Last seen" value={<Time value={d.last_seen} />} />
            <Kpi
              label="Last position"
              value={d.last_lat === null || d.last_lon === null ? "no GPS fix" : `${formatNumber(d.last_lat, 5)}°, ${formatNumber(d.last_lon, 5)}°`}
            />
          </KpiGrid>
        )}
      </QueryState>
      <section className="card" aria-labelledby="health-heading">
        <h2 id="health-heading">Health</h2>
        <DeviceHealthSection deviceId={deviceId} />
      </section>
      <section className="card" aria-labelledby="device-alerts-heading">
        <h2 id="device-alerts-heading">Alerts</h2>
        <DeviceAlertsSection deviceId={deviceId} />
      </section>
      <section className="card" aria-labelledby="recent-heading">
        <h2 id="recent-heading">Recent sessions</h2>
        <QueryState query={sessions} label="sessions" isEmpty={(p) => p.total === 0} empty="This device has no sessions.">
          {(page) => (
            <>
              <SessionTable sessions={page.sessions} caption={`Sessions of ${deviceId}`} showDevice={false} />
              <Pagination total={page.total} limit={PAGE_SIZE} offset={offset} onChange={setOffset} label="sessions" />
            </>
          )}
        </QueryState>
      </section>
      <section className="card" aria-labelledby="device-battery-heading">
        <h2 id="device-battery-heading">Battery per day</h2>
        <QueryState query={battery} label="battery readings" isEmpty={(t) => t.points.length === 0} empty="No battery readings.">
          {(t) => <BatteryChart devices={byDevice(t.points)} />}
        </QueryState>
      </section>
    </>
  );
}
