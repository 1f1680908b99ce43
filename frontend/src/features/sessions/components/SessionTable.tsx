import { Link } from "react-router";
import type { SessionRead, SessionSort, SortOrder } from "../../../api/types";
import { SortHeader } from "../../../components/SortHeader";
import { Time } from "../../../components/Time";
import { formatAmps, formatCount, formatDuration } from "../../../lib/format";

interface SessionTableProps {
  sessions: SessionRead[];
  caption: string;
  showDevice?: boolean;
  sort: { sort: SessionSort; order: SortOrder };
  onSort: (column: SessionSort) => void;
}

/** Sessions as a table with sortable headers (the server sorts); the caller paginates. */
export function SessionTable({ sessions, caption, showDevice = true, sort, onSort }: SessionTableProps) {
  const header = { sort: sort.sort, order: sort.order, onSort };
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label={caption}>
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {showDevice && <SortHeader label="Device" column="device_id" {...header} />}
            <SortHeader label="Start" column="start_ts" {...header} />
            <SortHeader label="Duration" column="duration_s" numeric {...header} />
            <SortHeader label="Drilling" column="drilling_s" numeric {...header} />
            <SortHeader label="Samples" column="samples" numeric {...header} />
            <SortHeader label="Lost samples" column="lost_samples" numeric {...header} />
            <SortHeader label="Missing GPS" column="missing_gps" numeric {...header} />
            <SortHeader label="Battery (min)" column="battery_min" numeric {...header} />
            <SortHeader label="Avg current" column="avg_current" numeric {...header} />
            <th scope="col">Tag</th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((s) => (
            <tr key={s.session_id}>
              {showDevice && (
                <td>
                  <Link to={`/devices/${encodeURIComponent(s.device_id)}`}>{s.device_id}</Link>
                </td>
              )}
              <td>
                <Time value={s.start_ts} />
              </td>
              <td className="num">{formatDuration(s.duration_s)}</td>
              <td className="num">{formatDuration(s.drilling_s)}</td>
              <td className="num">{formatCount(s.samples)}</td>
              <td className={`num ${s.lost_samples > 0 ? "warn" : ""}`}>{formatCount(s.lost_samples)}</td>
              <td className={`num ${s.missing_gps > 0 ? "warn" : ""}`}>{formatCount(s.missing_gps)}</td>
              <td className={`num ${s.low_battery ? "warn" : ""}`}>
                {s.battery_start} → {s.battery_end} %
              </td>
              <td className="num">{formatAmps(s.avg_current)}</td>
              <td>{s.tagged ? s.ble_ids.join(", ") || "yes" : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
