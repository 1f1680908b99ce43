import { useMemo } from "react";
import { Link } from "react-router";
import type { DeviceStatus, DeviceSummary } from "../../../api/types";
import { ExportButton } from "../../../components/ExportButton";
import { LastUpdated } from "../../../components/LastUpdated";
import { PageHeader } from "../../../components/PageHeader";
import { Pagination } from "../../../components/Pagination";
import { SortHeader } from "../../../components/SortHeader";
import { QueryState } from "../../../components/States";
import { StatusFilter } from "../../../components/StatusFilter";
import { Time } from "../../../components/Time";
import { formatCount, formatHours, formatPercent } from "../../../lib/format";
import { ALERTS_EVERY } from "../../../lib/live";
import { usePageOffset } from "../../../lib/paging";
import { sortRows, useTableSort, useUrlParam } from "../../../lib/table";
import { useUrlList } from "../../../lib/urlList";
import { statusById, useFleetStatus } from "../../fleet/api";
import { countStatuses, STATUS_KEYS, type StatusKey } from "../../fleet/status";
import { SeverityBadge, StatusBadge } from "../../ml/components/Badges";
import { formatScore, SEVERITY_RANK, STATUS_LABEL, STATUS_RANK } from "../../ml/labels";
import { useDevices } from "../api";

const PAGE_SIZE = 25;
const LABELS = { ...STATUS_LABEL, unknown: "Not scored" } as Record<StatusKey, string>;
const SORTS = ["device", "status", "health", "alert", "last_seen", "sessions", "drilling", "battery", "first_seen"] as const;
type SortKey = (typeof SORTS)[number];
const FIRST: Partial<Record<SortKey, "asc" | "desc">> = { status: "desc", alert: "desc", last_seen: "desc", sessions: "desc", drilling: "desc" };

/** A device's activity joined with its shown status. */
export interface DeviceRow extends DeviceSummary {
  state: DeviceStatus | undefined;
}

function sortValue(row: DeviceRow, key: SortKey): string | number | null {
  switch (key) {
    case "device":
      return row.device_id;
    case "status":
      return row.state?.status ? STATUS_RANK[row.state.status] : null;
    case "health":
      return row.state?.health_score ?? null;
    case "alert":
      return row.state?.alert ? SEVERITY_RANK[row.state.alert.severity] * 2 + (row.state.alert.status === "open" ? 1 : 0) : null;
    case "last_seen":
      return Date.parse(row.last_seen);
    case "sessions":
      return row.sessions;
    case "drilling":
      return row.drilling_hours;
    case "battery":
      return row.last_battery;
    default:
      return Date.parse(row.first_seen);
  }
}

function AlertCell({ state }: { state: DeviceStatus | undefined }) {
  const alert = state?.alert;
  if (!alert) return <span className="hint">none</span>;
  return (
    <span className="alert-cell">
      <SeverityBadge severity={alert.severity} /> {alert.status === "acknowledged" ? `on it: ${alert.acknowledged_by ?? "?"}` : "open"}
      {state.open_alerts > 1 && <span className="hint"> +{state.open_alerts - 1}</span>}
    </span>
  );
}

/** All devices: status, health, open alert and activity; searchable, filterable, sortable, paginated. */
export default function DevicesPage() {
  const devices = useDevices();
  const fleet = useFleetStatus();
  const [search, setSearch] = useUrlParam("q");
  const [statuses, setStatuses] = useUrlList<StatusKey>("status", STATUS_KEYS);
  const [view, onSort] = useTableSort<SortKey>(SORTS, "status", FIRST);
  const [offset, setOffset] = usePageOffset(PAGE_SIZE);
  const rows = useMemo<DeviceRow[]>(() => {
    const states = statusById(fleet.data);
    return (devices.data?.devices ?? []).map((d) => ({ ...d, state: states.get(d.device_id) }));
  }, [devices.data, fleet.data]);
  const counts = useMemo(() => countStatuses(rows.flatMap((r) => (r.state ? [r.state] : []))), [rows]);
  const list = useMemo(() => {
    const needle = search.trim().toLowerCase();
    const wanted = new Set(statuses);
    const kept = rows.filter((r) => (!needle || r.device_id.toLowerCase().includes(needle)) && (wanted.size === 0 || wanted.has(r.state?.status ?? "unknown")));
    return sortRows(
      kept,
      (r) => sortValue(r, view.sort),
      view.order,
      (r) => r.device_id,
    );
  }, [rows, search, statuses, view]);
  const header = { sort: view.sort, order: view.order, onSort };
  return (
    <>
      <PageHeader title="Devices">Every pod that has reported: what it needs, its health, its alert and when it last reported.</PageHeader>
      <LastUpdated queries={[devices, fleet]} every={ALERTS_EVERY} />
      <div className="filter-bar">
        <label>
          Search
          <input type="search" value={search} placeholder="device id" onChange={(e) => setSearch(e.target.value)} />
        </label>
        <ExportButton path="/api/v1/export/devices.csv" params={{ q: search, status: statuses.filter((s) => s !== "unknown") }} filename="drillwatch-devices.csv" />
      </div>
      {fleet.isSuccess && <StatusFilter statuses={STATUS_KEYS} labels={LABELS} counts={counts} selected={statuses} onChange={setStatuses} />}
      <QueryState
        query={devices}
        label="devices"
        isEmpty={(d) => d.total === 0}
        empty="No device has reported yet. Drop telemetry CSVs into the telemetry folder or POST them to /api/v1/telemetry."
      >
        {() =>
          list.length === 0 ? (
            <p className="state state-empty">
              No device matches “{search}”{statuses.length ? " with these statuses" : ""}.
            </p>
          ) : (
            <section className="card">
              <div className="table-scroll" tabIndex={0} role="region" aria-label="Devices">
                <table>
                  <thead>
                    <tr>
                      <SortHeader label="Device" column="device" {...header} />
                      <SortHeader label="Status" column="status" {...header} />
                      <SortHeader label="Health" column="health" numeric {...header} />
                      <SortHeader label="Alert" column="alert" {...header} />
                      <SortHeader label="Last seen" column="last_seen" {...header} />
                      <SortHeader label="Sessions" column="sessions" numeric {...header} />
                      <SortHeader label="Drilling" column="drilling" numeric {...header} />
                      <SortHeader label="Last battery" column="battery" numeric {...header} />
                      <SortHeader label="First seen" column="first_seen" {...header} />
                    </tr>
                  </thead>
                  <tbody>
                    {list.slice(offset, offset + PAGE_SIZE).map((d) => (
                      <tr key={d.device_id}>
                        <td>
                          <Link to={`/devices/${encodeURIComponent(d.device_id)}`}>{d.device_id}</Link>
                        </td>
                        <td>{fleet.isSuccess ? <StatusBadge status={d.state?.status ?? null} /> : "…"}</td>
                        <td className="num">{formatScore(d.state?.health_score)}</td>
                        <td>
                          <AlertCell state={d.state} />
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
