import { useMemo } from "react";
import { Link } from "react-router";
import type { BatteryPeriod } from "../../../api/types";
import { FilterBar } from "../../../components/FilterBar";
import { LastUpdated } from "../../../components/LastUpdated";
import { PageHeader } from "../../../components/PageHeader";
import { Pagination } from "../../../components/Pagination";
import { SortHeader } from "../../../components/SortHeader";
import { QueryState } from "../../../components/States";
import { formatCount, formatPercent } from "../../../lib/format";
import { type Filters, useFilters } from "../../../lib/filters";
import { DATA_EVERY } from "../../../lib/live";
import { usePageOffset } from "../../../lib/paging";
import { sortRows, useTableSort, useUrlParam } from "../../../lib/table";
import { bucketLabel, byDevice, type DeviceBattery, useBatteryTrends } from "../api";
import { BatteryChart } from "./BatteryChart";

const SERIES = 8;
const PAGE_SIZE = 25;
const PERIODS: BatteryPeriod[] = ["hour", "day", "week"];
const PERIOD_SECONDS: Record<BatteryPeriod, number> = { hour: 3600, day: 86400, week: 604800 };

/** Battery: the lowest devices' trend at the chosen bucket, and every device in a sortable table. */
export default function BatteryPage() {
  const [filters, setFilters] = useFilters();
  const [periodParam, setPeriod] = useUrlParam("bucket");
  const period: BatteryPeriod = (PERIODS as string[]).includes(periodParam) ? (periodParam as BatteryPeriod) : "day";
  const fleet = useBatteryTrends(filters, "day");
  const devices = useMemo(() => byDevice(fleet.data?.points ?? []), [fleet.data]);
  const charted = useMemo(() => (filters.devices.length ? filters.devices.slice(0, SERIES) : devices.slice(0, SERIES).map((d) => d.deviceId)), [filters.devices, devices]);
  const chartScope = useMemo<Filters>(() => ({ ...filters, devices: charted }), [filters, charted]);
  const chart = useBatteryTrends(chartScope, period, charted.length > 0);
  return (
    <>
      <PageHeader title="Battery">Pod battery level over time; the lowest devices come first.</PageHeader>
      <LastUpdated queries={[fleet, chart]} every={DATA_EVERY} />
      <FilterBar filters={filters} onChange={setFilters} />
      <label className="inline-field">
        Bucket
        <select value={period} onChange={(e) => setPeriod(e.target.value === "day" ? "" : e.target.value)}>
          <option value="hour">Hour</option>
          <option value="day">Day</option>
          <option value="week">Week</option>
        </select>
      </label>
      <QueryState query={fleet} label="battery trends" isEmpty={(t) => t.points.length === 0} empty="No battery readings in this range.">
        {() => (
          <>
            <section className="card" aria-labelledby="battery-chart-heading">
              <h2 id="battery-chart-heading">Average battery level</h2>
              <QueryState query={chart} label="the battery chart">
                {(c) => (
                  <>
                    <BatteryChart devices={byDevice(c.points)} bucketSeconds={c.bucket_seconds} />
                    <p className="hint">
                      {filters.devices.length
                        ? "The chosen devices. "
                        : `The ${Math.min(SERIES, devices.length)} devices with the lowest battery of ${formatCount(devices.length)}; choose devices in the filter to compare others. `}
                      {c.bucket_seconds !== null && c.bucket_seconds !== PERIOD_SECONDS[period]
                        ? `Buckets are ${bucketLabel(c.bucket_seconds)}: the ${period} bucket was widened so the answer stays under 2,000 points.`
                        : `Buckets are ${bucketLabel(c.bucket_seconds)}.`}
                    </p>
                  </>
                )}
              </QueryState>
            </section>
            <section className="card" aria-labelledby="battery-table-heading">
              <h2 id="battery-table-heading">Per device</h2>
              <BatteryTable devices={devices} />
            </section>
          </>
        )}
      </QueryState>
    </>
  );
}

const SORTS = ["device", "latest", "min", "max", "samples"] as const;
type SortKey = (typeof SORTS)[number];

function BatteryTable({ devices }: { devices: DeviceBattery[] }) {
  const [offset, setOffset] = usePageOffset(PAGE_SIZE);
  const [view, onSort] = useTableSort<SortKey>(SORTS, "min", { samples: "desc", max: "desc" });
  const rows = useMemo(() => {
    const value = (d: DeviceBattery) =>
      view.sort === "device" ? d.deviceId : view.sort === "latest" ? d.latest : view.sort === "min" ? d.min : view.sort === "max" ? d.max : d.samples;
    return sortRows(devices, value, view.order, (d) => d.deviceId);
  }, [devices, view]);
  const header = { sort: view.sort, order: view.order, onSort };
  return (
    <>
      <div className="table-scroll" tabIndex={0} role="region" aria-label="Battery per device">
        <table>
          <thead>
            <tr>
              <SortHeader label="Device" column="device" {...header} />
              <SortHeader label="Latest average" column="latest" numeric {...header} />
              <SortHeader label="Minimum" column="min" numeric {...header} />
              <SortHeader label="Maximum" column="max" numeric {...header} />
              <SortHeader label="Samples" column="samples" numeric {...header} />
            </tr>
          </thead>
          <tbody>
            {rows.slice(offset, offset + PAGE_SIZE).map((d) => (
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
