import { Link } from "react-router";
import type { DeviceHealth, Thresholds } from "../../../api/mlTypes";
import { Time } from "../../../components/Time";
import { topReason, type SortDir, type SortKey } from "../fleetHealth";
import { formatConfidence, formatScore, scoreLevel } from "../labels";
import { ComponentBars, StatusBadge } from "./Badges";

interface HealthTableProps {
  devices: DeviceHealth[];
  thresholds: Thresholds;
  sort: SortKey;
  dir: SortDir;
  onSort: (key: SortKey) => void;
}

function SortHeader({ label, column, sort, dir, onSort, numeric = false }: { label: string; column: SortKey; sort: SortKey; dir: SortDir; onSort: (key: SortKey) => void; numeric?: boolean }) {
  const active = column === sort;
  const ariaSort = active ? (dir === "asc" ? "ascending" : "descending") : "none";
  return (
    <th scope="col" aria-sort={ariaSort} className={numeric ? "num" : undefined}>
      <button type="button" className="sort-button" onClick={() => onSort(column)}>
        {label}
        <span aria-hidden="true" className="sort-mark">
          {active ? (dir === "asc" ? " ▲" : " ▼") : " ↕"}
        </span>
      </button>
    </th>
  );
}

/** One page of devices with score, components, confidence, status and top factor; rows coloured by severity. */
export function HealthTable({ devices, thresholds, sort, dir, onSort }: HealthTableProps) {
  const header = { sort, dir, onSort };
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Device health">
      <table className="health-table">
        <thead>
          <tr>
            <SortHeader label="Device" column="device" {...header} />
            <SortHeader label="Health" column="health" numeric {...header} />
            <SortHeader label="Status" column="status" {...header} />
            <th scope="col">Components (0–100)</th>
            <SortHeader label="Confidence" column="confidence" numeric {...header} />
            <th scope="col">Top factor</th>
            <SortHeader label="Last seen" column="last_seen" {...header} />
          </tr>
        </thead>
        <tbody>
          {devices.map((d) => (
            <tr key={d.device_id} className={`row-${d.status}`}>
              <td data-label="Device">
                <Link to={`/devices/${encodeURIComponent(d.device_id)}`} className="mono">
                  {d.device_id}
                </Link>
              </td>
              <td data-label="Health" className={`num score level-${scoreLevel(d.health_score, thresholds)}`}>{formatScore(d.health_score)}</td>
              <td data-label="Status">
                <StatusBadge status={d.status} />
              </td>
              <td data-label="Components">
                <ComponentBars scores={d.component_scores} thresholds={thresholds} compact />
              </td>
              <td data-label="Confidence" className="num" title={`interval ${d.confidence_interval.map((v) => v ?? "—").join("–")}`}>
                {formatConfidence(d.confidence)}
              </td>
              <td data-label="Top factor" className="wrap factor-cell">{topReason(d) ?? <span className="hint">none: normal for this device and the fleet</span>}</td>
              <td data-label="Last seen">{d.last_seen ? <Time value={d.last_seen} /> : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
