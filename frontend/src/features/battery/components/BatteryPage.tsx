import { useState } from "react";
import { Link } from "react-router";
import type { BatteryPeriod } from "../../../api/types";
import { FilterBar } from "../../../components/FilterBar";
import { PageHeader } from "../../../components/PageHeader";
import { Pagination } from "../../../components/Pagination";
import { QueryState } from "../../../components/States";
import { formatCount, formatPercent } from "../../../lib/format";
import { useFilters } from "../../../lib/filters";
import { usePageOffset } from "../../../lib/paging";
import { byDevice, useBatteryTrends, type DeviceBattery } from "../api";
import { BatteryChart } from "./BatteryChart";

const SERIES = 8;
const PAGE_SIZE = 25;

/** Battery: trends per device (downsampled by the server) and a per-device table. */
export default function BatteryPage() {
  const [filters, setFilters] = useFilters();
  const [period, setPeriod] = useState<BatteryPeriod>("day");
  const trends = useBatteryTrends(filters, period);
  return (
    <>
      <PageHeader title="Battery">Pod battery level over time; the lowest devices come first.</PageHeader>
      <FilterBar filters={filters} onChange={setFilters} />
      <label className="inline-field">
        Bucket
        <select value={period} onChange={(e) => setPeriod(e.target.value as BatteryPeriod)}>
          <option value="hour">Hour</option>
          <option value="day">Day</option>
          <option value="week">Week</option>
        </select>
      </label>
      <QueryState query={trends} label="battery trends" isEmpty={(t) => t.points.length === 0} empty="No battery readings in this range.">
        {(t) => {
          const devices = byDevice(t.points);
          return (
            <>
              <section className="card" aria-labelledby="battery-chart-heading">
                <h2 id="battery-chart-heading">Average battery level</h2>
                <BatteryChart devices={devices.slice(0, SERIES)} />
                <p className="hint">
                  {devices.length > SERIES
                    ? `The ${SERIES} devices with the lowest battery of ${formatCount(devices.length)}; choose devices in the filter to compare others.`
                    : `${formatCount(devices.length)} devices.`}{" "}
                  {t.bucket_seconds === null
                    ? "One bucket per device (too many devices for finer buckets)."
                    : `Buckets of ${formatCount(t.bucket_seconds / 3600)} h${t.truncated ? "; the answer was truncated" : ""}.`}
                </p>
              </section>
              <section className="card" aria-labelledby="battery-table-heading">
                <h2 id="battery-table-heading">Per device</h2>
                <BatteryTable devices={devices} />
              </section>
            </>
          );
        }}
      </QueryState>
    </>
  );
}

function BatteryTable({ devices }: { devices: DeviceBattery[] }) {
  const [offset, setOffset] = usePageOffset(PAGE_SIZE);
  return (
    <>
      <div className="table-scroll" tabIndex={0} role="region" aria-label="Battery per device">
        <table>
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col" className="num">Latest average</th>
              <th scope="col" className="num">Minimum</th>
              <th scope="col" className="num">Maximum</th>
              <th scope="col" className="num">Samples</th>
            </tr>
          </thead>
          <tbody>
            {devices.slice(offset, offset + PAGE_SIZE).map((d) => (
              <tr key={d.deviceId}>
                <td>
                  <Link to={`/devices/${encodeURIComponent(d.deviceId)}`}>{d.deviceId}</Link>
                </td>
                <td className="num">{formatPercent(d.latest)}</td>
                <td className={`num ${d.min < 20 ? "warn" : ""}`}>{formatPercent(d.min, 0)}</td>
                <td className="num">{formatPercent(d.max, 0)}</td>
                <td className="num">{formatCount(d.samples)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pagination total={devices.length} limit={PAGE_SIZE} offset={offset} onChange={setOffset} label="devices" />
    </>
  );
}
