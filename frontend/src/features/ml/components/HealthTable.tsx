import { Link } from "react-router";
import type { Thresholds } from "../../../api/mlTypes";
import { SortHeader } from "../../../components/SortHeader";
import { Time } from "../../../components/Time";
import { type HealthRow, type SortDir, type SortKey, topReason } from "../fleetHealth";
import { formatConfidence, formatScore, scoreLevel, STATUS_LABEL } from "../labels";
import { ComponentBars, SeverityBadge, StatusBadge } from "./Badges";

interface HealthTableProps {
  devices: HealthRow[];
  thresholds: Thresholds;
  sort: SortKey;
  order: SortDir;
  onSort: (key: SortKey) => void;
}

function AlertCell({ row }: { row: HealthRow }) {
  if (!row.alert) return <span className="hint">none</span>;
  return (
    <>
      <SeverityBadge severity={row.alert.severity} /> {row.alert.status === "acknowledged" ? `on it: ${row.alert.acknowledged_by ?? "?"}` : "open"}
    </>
  );
}

/** One page of devices with status, score, alert, components, confidence and top factor; rows coloured by status. */
export function HealthTable({ devices, thresholds, sort, order, onSort }: HealthTableProps) {
  const header = { sort, order, onSort };
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Device health">
      <table className="health-table">
        <thead>
          <tr>
            <SortHeader label="Device" column="device" {...header} />
            <SortHeader label="Status" column="status" {...header} />
            <SortHeader label="Health" column="health" numeric {...header} />
            <SortHeader label="Alert" column="alert" {...header} />
            <th scope="col">Components (0–100)</th>
            <SortHeader label="Confidence" column="confidence" numeric {...header} />
            <th scope="col">Top factor</th>
            <SortHeader label="Last seen" column="last_seen" {...header} />
          </tr>
        </thead>
        <tbody>
          {devices.map((d) => (
            <tr key={d.device_id} className={`row-${d.shown}`}>
              <td data-label="Device">
                <Link to={`/devices/${encodeURIComponent(d.device_id)}`} className="mono">
                  {d.device_id}
                </Link>
              </td>
              <td data-label="Status" title={d.shown !== d.status ? `model: ${STATUS_LABEL[d.status]}; raised by its alert` : undefined}>
                <StatusBadge status={d.shown} />
              </td>
              <td data-label="Health" className={`num score level-${scoreLevel(d.health_score, thresholds)}`}>
                {formatScore(d.health_score)}
              </td>
              <td data-label="Alert">
                <AlertCell row={d} />
              </td>
              <td data-label="Components">
                <ComponentBars scores={d.component_scores} thresholds={thresholds} compact />
              </td>
              <td data-label="Confidence" className="num" title={`interval ${d.confidence_interval.map((v) => v ?? "—").join("–")}`}>
                {formatConfidence(d.confidence)}
              </td>
              <td data-label="Top factor" className="wrap factor-cell">
                {topReason(d) ?? <span className="hint">none: normal for this device and the fleet</span>}
              </td>
              <td data-label="Last seen">{d.last_seen ? <Time value={d.last_seen} /> : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
