import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from "recharts";
import { ChartBox } from "../../../components/ChartBox";
import type { DailyActivityPage } from "../../../api/types";
import { ChartData } from "../../../components/ChartData";
import { axisProps, legendStyle, tooltipProps } from "../../../lib/chartTheme";
import { formatCount, formatDay, formatHours } from "../../../lib/format";
import { CHART_GRID, OTHER_COLOUR, seriesColour } from "../../../lib/palette";
import { useTheme } from "../../../lib/theme";
import { OTHER } from "../api";

type Row = { day: string; other: number; sessions: number } & Record<string, number | string>;

/** Drilling hours per UTC day, stacked for the busiest devices, the rest summed as "other". */
export function TimelineChart({ activity }: { activity: DailyActivityPage }) {
  const { theme } = useTheme();
  const { devices, days, other_devices: others } = activity;
  const rows: Row[] = days.map((d) => ({ day: d.day, other: d.other_hours, sessions: d.sessions, ...Object.fromEntries(devices.map((_, i) => [`d${i}`, d.hours[i]])) }) as Row);
  const totalSessions = days.reduce((sum, d) => sum + d.sessions, 0);
  return (
    <figure className="chart-figure">
      <ChartBox height={280}>
        {(width) => (
          <BarChart width={width} height={280} data={rows} margin={{ left: 0, right: 8, top: 8, bottom: 8 }}>
            <CartesianGrid vertical={false} strokeDasharray="3 3" stroke={CHART_GRID[theme]} />
            <XAxis dataKey="day" tickFormatter={formatDay} minTickGap={16} {...axisProps(theme)} />
            <YAxis unit=" h" width={56} {...axisProps(theme)} />
            <Tooltip {...tooltipProps(theme)} labelFormatter={(day) => `${formatDay(String(day))} (UTC)`} formatter={(value, name) => [formatHours(Number(value), 2), name]} />
            <Legend wrapperStyle={legendStyle(theme)} />
            {devices.map((id, index) => (
              <Bar key={id} dataKey={`d${index}`} name={id} stackId="hours" fill={seriesColour(index, theme)} isAnimationActive={false} />
            ))}
            {others > 0 && <Bar dataKey="other" name={`${OTHER} (${formatCount(others)})`} stackId="hours" fill={OTHER_COLOUR[theme]} isAnimationActive={false} />}
          </BarChart>
        )}
      </ChartBox>
      <figcaption className="hint">
        Drilling hours per UTC day over {formatCount(days.length)} days and {formatCount(totalSessions)} sessions
        {others > 0 ? `; the ${devices.length} busiest devices shown, the other ${formatCount(others)} summed as “${OTHER}”` : ""}.
      </figcaption>
      <ChartData
        id="hoursdata"
        caption="Drilling hours and sessions per UTC day"
        columns={[
          { label: "Day (UTC)" },
          { label: "Sessions", numeric: true },
          { label: "Drilling hours", numeric: true },
          ...devices.map((id) => ({ label: id, numeric: true })),
          ...(others > 0 ? [{ label: OTHER, numeric: true }] : []),
        ]}
        rows={days.map((d) => ({
          key: d.day,
          cells: [
            d.day,
            formatCount(d.sessions),
            formatHours(d.drilling_hours, 2),
            ...d.hours.map((h) => formatHours(h, 2)),
            ...(others > 0 ? [formatHours(d.other_hours, 2)] : []),
          ],
          values: [d.day, d.sessions, d.drilling_hours, ...d.hours, ...(others > 0 ? [d.other_hours] : [])],
        }))}
      />
    </figure>
  );
}
