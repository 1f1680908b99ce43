import { useMemo } from "react";
import type { DeviceStatus } from "../../../api/types";
import { Link, useNavigate } from "react-router";
import { LastUpdated } from "../../../components/LastUpdated";
import { PageHeader } from "../../../components/PageHeader";
import { QueryState } from "../../../components/States";
import { StatusFilter } from "../../../components/StatusFilter";
import { SortHeaders } from "../../../components/SortHeader";
import { Time } from "../../../components/Time";
import { formatCount, formatNumber } from "../../../lib/format";
import { ALERTS_EVERY } from "../../../lib/live";
import { type Column, useSortedRows } from "../../../lib/table";
import { useUrlList } from "../../../lib/urlList";
import { StatusBadge } from "../../ml/components/Badges";
import { STATUS_LABEL, STATUS_RANK } from "../../ml/labels";
import { useFleetStatus } from "../api";
import { countStatuses, STATUS_KEYS, type StatusKey, withStatus } from "../status";
import { FleetMap, StatusLegend } from "./FleetMap";

const LABELS = { ...STATUS_LABEL, unknown: "Not scored" } as Record<StatusKey, string>;
type ListKey = "device" | "status" | "lat" | "last_seen";
const COLUMNS: Column<DeviceStatus, ListKey>[] = [
  { key: "device", label: "Device", value: (d) => d.device_id },
  { key: "status", label: "Status", value: (d) => (d.status ? STATUS_RANK[d.status] : null), first: "desc" },
  { key: "lat", label: "Position", value: (d) => d.lat, first: "desc" },
  { key: "last_seen", label: "Last report", value: (d) => d.last_seen, first: "desc" },
];
const byId = (d: DeviceStatus) => d.device_id;

/** The fleet map: every device at its last known position, clustered, coloured by status. */
export default function FleetMapPage() {
  const fleet = useFleetStatus();
  const navigate = useNavigate();
  const [statuses, setStatuses] = useUrlList<StatusKey>("status", STATUS_KEYS);
  return (
    <>
      <PageHeader title="Fleet map">Where every machine reported from last, coloured by what it needs. Select a device to open it.</PageHeader>
      <LastUpdated queries={[fleet]} every={ALERTS_EVERY} />
      <QueryState query={fleet} label="the fleet map" isEmpty={(f) => f.devices.length === 0} empty="No device has reported yet.">
        {(f) => <MapView devices={f.devices} statuses={statuses} onStatuses={setStatuses} onOpen={(id) => navigate(`/devices/${encodeURIComponent(id)}`)} />}
      </QueryState>
    </>
  );
}

function MapView({
  devices,
  statuses,
  onStatuses,
  onOpen,
}: {
  devices: DeviceStatus[];
  statuses: StatusKey[];
  onStatuses: (s: StatusKey[]) => void;
  onOpen: (id: string) => void;
}) {
  const counts = useMemo(() => countStatuses(devices), [devices]);
  const shown = useMemo(() => withStatus(devices, statuses), [devices, statuses]);
  const unplaced = shown.filter((d) => d.lat === null || d.lon === null);
  const list = useSortedRows(shown, COLUMNS, "status", byId);
  return (
    <section className="card" aria-labelledby="fleet-map-heading">
      <h2 id="fleet-map-heading">Last known positions</h2>
      <StatusFilter statuses={STATUS_KEYS} labels={LABELS} counts={counts} selected={statuses} onChange={onStatuses} />
      <figure className="chart-figure">
        <FleetMap devices={shown} onOpen={onOpen} label={`Map of ${formatCount(shown.length - unplaced.length)} devices at their last known position`} />
        <figcaption>
          <StatusLegend counts={counts} />
          <p className="hint">
            Numbers are clusters of nearby devices (coloured by their worst device); zoom in to separate them.{" "}
            {unplaced.length > 0 && `${formatCount(unplaced.length)} of the shown devices never had a GPS fix and are only in the list below.`}
          </p>
        </figcaption>
      </figure>
      <details className="data-table">
        <summary>The {formatCount(shown.length)} shown devices as a list</summary>
        <div className="table-scroll" tabIndex={0} role="region" aria-label="Devices on the map">
          <table>
            <thead>
              <tr>
                <SortHeaders columns={COLUMNS} sort={list.sort.sort} order={list.sort.order} onSort={list.onSort} />
              </tr>
            </thead>
            <tbody>
              {list.rows.map((d) => (
                <tr key={d.device_id}>
                  <td>
                    <Link to={`/devices/${encodeURIComponent(d.device_id)}`}>{d.device_id}</Link>
                  </td>
                  <td>{d.status ? <StatusBadge status={d.status} /> : "Not scored"}</td>
                  <td>{d.lat === null || d.lon === null ? "no GPS fix" : `${formatNumber(d.lat, 4)}°, ${formatNumber(d.lon, 4)}°`}</td>
                  <td>{d.last_seen ? <Time value={d.last_seen} /> : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  );
}
