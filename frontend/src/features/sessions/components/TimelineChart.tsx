import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { TimelineEntry } from "../../../api/types";
import { formatCount, formatDay, formatHours } from "../../../lib/format";
import { seriesColour } from "../../../lib/palette";
import { OTHER, stackByDevice, type DayRow } from "../api";

const TOP_DEVICES = 8;

/** Drilling hours per UTC day, stacked for the busiest devices (capped so 1,000 devices stay readable). */
export function TimelineChart({ entries, truncated }: { entries: TimelineEntry[]; truncated: boolean }) {
  const { rows, devices } = stackByDevice(entries, TOP_DEVICES);
  const hasOther = rows.some((r) => r.other > 0);
  const totalSessions = rows.reduce((sum, r) => sum + r.sessions, 0);
  return (
    <figure className="chart-figure">
      <div className="chart" style={{ height: 280 }}>
        <ResponsiveContainer width="100%" height="100%" minWidth={0} initialDimension={{ width: 320, height: 280 }}>
          <BarChart data={rows} margin={{ left: 0, right: 8, top: 8, bottom: 8 }}>
            <CartesianGrid vertical={false} strokeDasharray="3 3" />
            <XAxis dataKey="day" tickFormatter={formatDay} minTickGap={16} />
            <YAxis unit=" h" width={56} />
            <Tooltip labelFormatter={(day) => `${formatDay(String(day))} (UTC)`} formatter={(value, name) => [formatHours(Number(value), 2), name]} />
            <Legend />
            {devices.map((id, index) => (
              <Bar key={id} dataKey={(row: DayRow) => row.hours[id]} name={id} stackId="hours" fill={seriesColour(index)} isAnimationActive={false} />
            ))}
            {hasOther && <Bar dataKey="other" name={OTHER} stackId="hours" fill="#c4c4c4" isAnimationActive={false} />}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="hint">
        Drilling hours per UTC day over {formatCount(rows.length)} days and {formatCount(totalSessions)} sessions
        {hasOther ? `; the ${TOP_DEVICES} busiest devices shown, the rest summed as “${OTHER}”` : ""}.
        {truncated && " Only the first 50,000 device-days are shown: narrow the filters."}
      </figcaption>
    </figure>
  );
}
