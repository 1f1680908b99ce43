import { Link } from "react-router";
import type { SessionRead } from "../../../api/types";
import { Time } from "../../../components/Time";
import { formatAmps, formatCount, formatDuration } from "../../../lib/format";

/** Sessions as a table; the caller paginates. */
export function SessionTable({ sessions, caption, showDevice = true }: { sessions: SessionRead[]; caption: string; showDevice?: boolean }) {
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label={caption}>
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {showDevice && <th scope="col">Device</th>}
            <th scope="col">Start</th>
            <th scope="col" className="num">Duration</th>
            <th scope="col" className="num">Drilling</th>
            <th scope="col" className="num">Samples</th>
            <th scope="col" className="num">Lost samples</th>
            <th scope="col" className="num">Missing GPS</th>
            <th scope="col" className="num">Battery</th>
            <th scope="col" className="num">Avg current</th>
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
