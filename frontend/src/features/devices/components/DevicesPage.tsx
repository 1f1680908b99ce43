import { useMemo, useState } from "react";
import { Link } from "react-router";
import { PageHeader } from "../../../components/PageHeader";
import { Pagination } from "../../../components/Pagination";
import { QueryState } from "../../../components/States";
import { Time } from "../../../components/Time";
import { formatCount, formatHours, formatPercent } from "../../../lib/format";
import { usePageOffset } from "../../../lib/paging";
import type { DeviceSummary } from "../../../api/types";
import { useDevices } from "../api";

const PAGE_SIZE = 25;

type SortKey = "device_id" | "last_seen" | "drilling_hours" | "last_battery";

const SORTS: { key: SortKey; label: string }[] = [
  { key: "device_id", label: "Device id" },
  { key: "last_seen", label: "Last seen (newest first)" },
  { key: "drilling_hours", label: "Drilling hours (most first)" },
  { key: "last_battery", label: "Last battery (lowest first)" },
];

function sortDevices(devices: DeviceSummary[], key: SortKey): DeviceSummary[] {
  const copy = [...devices];
  if (key === "device_id") return copy.sort((a, b) => a.device_id.localeCompare(b.device_id));
  if (key === "last_seen") return copy.sort((a, b) => b.last_seen.localeCompare(a.last_seen));
  if (key === "drilling_hours") return copy.sort((a, b) => b.drilling_hours - a.drilling_hours);
  return copy.sort((a, b) => a.last_battery - b.last_battery);
}

/** All devices: searchable, sortable, paginated. */
export default function DevicesPage() {
  const devices = useDevices();
  const [search, setSearch] = useState("");
  const [sort, setSort] = useState<SortKey>("device_id");
  const [offset, setOffset] = usePageOffset(PAGE_SIZE);
  const list = useMemo(() => {
    const needle = search.trim().toLowerCase();
    const all = devices.data?.devices ?? [];
    return sortDevices(needle ? all.filter((d) => d.device_id.toLowerCase().includes(needle)) : all, sort);
  }, [devices.data, search, sort]);
  return (
    <>
      <PageHeader title="Devices">Every pod that has reported, with its latest state.</PageHeader>
      <div className="filter-bar">
        <label>
          Search
          <input type="search" value={search} placeholder="device id" onChange={(e) => { setSearch(e.target.value); setOffset(0); }} />
        </label>
        <label>
          Sort by
          <select value={sort} onChange={(e) => setSort(e.target.value as SortKey)}>
            {SORTS.map((s) => (
              <option key={s.key} value={s.key}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <QueryState query={devices} label="devices" isEmpty={(d) => d.total === 0} empty="No device has reported yet. Drop telemetry CSVs into the telemetry folder or POST them to /api/v1/telemetry.">
        {() =>
          list.length === 0 ? (
            <p className="state state-empty">No device matches “{search}”.</p>
          ) : (
            <section className="card">
              <div className="table-scroll" tabIndex={0} role="region" aria-label="Devices">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Device</th>
                      <th scope="col">Last seen</th>
                      <th scope="col" className="num">Sessions</th>
                      <th scope="col" className="num">Drilling</th>
                      <th scope="col" className="num">Last battery</th>
                      <th scope="col">First seen</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.slice(offset, offset + PAGE_SIZE).map((d) => (
                      <tr key={d.device_id}>
                        <td>
                          <Link to={`/devices/${encodeURIComponent(d.device_id)}`}>{d.device_id}</Link>
                        </td>
                        <td>
                          <Time value={d.last_seen} />
                        </td>
                        <td className="num">{formatCount(d.sessions)}</td>
                        <td className="num">{formatHours(d.drilling_hours)}</td>
                        <td className={`num ${d.last_battery < 20 ? "warn" : ""}`}>{formatPercent(d.last_battery, 0)}</td>
                        <td>
                          <Time value={d.first_seen} dateOnly />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pagination total={list.length} limit={PAGE_SIZE} offset={offset} onChange={setOffset} label="devices" />
            </section>
          )
        }
      </QueryState>
    </>
  );
}
