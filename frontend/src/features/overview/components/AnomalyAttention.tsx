import { Link } from "react-router";
import { Time } from "../../../components/Time";
import { QueryState } from "../../../components/States";
import { formatCount } from "../../../lib/format";
import type { Filters } from "../../../lib/filters";
import { rankDevices, useAnomalies } from "../../anomalies/api";

const SCAN = 1000;
const TOP = 8;

/** The devices with the most (weighted) anomalous sessions in the filters' scope (used while ML is unavailable). */
export function AnomalyAttention({ filters }: { filters: Filters }) {
  const query = useAnomalies(filters, [], SCAN, 0);
  return (
    <QueryState query={query} label="devices needing attention" isEmpty={(page) => page.items.length === 0} empty="No device shows anomalies in this range.">
      {(page) => {
        const rows = rankDevices(page.items, TOP);
        return (
          <>
            <ol className="attention-list">
              {rows.map((row) => (
                <li key={row.deviceId}>
                  <Link to={`/devices/${encodeURIComponent(row.deviceId)}`} className="attention-device">
                    {row.deviceId}
                  </Link>
                  <span className="attention-count">{formatCount(row.total)} anomalous sessions</span>
                  <span className="attention-kinds">
                    {row.byKind.low_battery > 0 && <span className="tag tag-high">{row.byKind.low_battery} low battery</span>}
                    {row.byKind.short_session > 0 && <span className="tag tag-medium">{row.byKind.short_session} short</span>}
                    {row.byKind.id_collision > 0 && <span className="tag tag-medium">{row.byKind.id_collision} two pods under one ID</span>}
                    {row.byKind.lost_samples > 0 && <span className="tag">{row.byKind.lost_samples} lost samples</span>}
                    {row.byKind.missing_gps > 0 && <span className="tag">{row.byKind.missing_gps} missing GPS</span>}
                  </span>
                  <span className="hint">
                    latest <Time value={row.latest} />
                  </span>
                </li>
              ))}
            </ol>
            {page.total > SCAN && (
              <p className="hint">
                Ranked from the latest {formatCount(SCAN)} of {formatCount(page.total)} anomalous sessions.
              </p>
            )}
          </>
        );
      }}
    </QueryState>
  );
}
