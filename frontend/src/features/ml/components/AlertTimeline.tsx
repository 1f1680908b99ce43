import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from "recharts";
import { ChartBox } from "../../../components/ChartBox";
import type { Alert, Severity } from "../../../api/mlTypes";
import { ChartData } from "../../../components/ChartData";
import { axisProps, legendStyle, tooltipProps } from "../../../lib/chartTheme";
import { formatCount, formatDay } from "../../../lib/format";
import { CHART_GRID } from "../../../lib/palette";
import { useTheme } from "../../../lib/theme";
import { SEVERITIES, SEVERITY_COLOUR, SEVERITY_RANK } from "../labels";

/** One day of alerts: a count per severity. */
export type AlertDay = { day: string } & Record<Severity, number>;

/** Alerts per UTC day of creation, by severity, oldest first; days without alerts are left out. */
export function alertsPerDay(alerts: Alert[]): AlertDay[] {
  const days = new Map<string, AlertDay>();
  for (const alert of alerts) {
    const day = alert.created_at.slice(0, 10);
    let row = days.get(day);
    if (!row) {
      row = { day, LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 };
      days.set(day, row);
    }
    row[alert.severity] += 1;
  }
  return [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
}

/** Stacked bars of alerts raised per day, coloured by severity, with the counts as a table. */
export function AlertTimeline({ alerts, total }: { alerts: Alert[]; total: number }) {
  const { theme } = useTheme();
  const rows = alertsPerDay(alerts);
  return (
    <figure className="chart-figure">
      <ChartBox height={220}>
        {(width) => (
          <BarChart width={width} height={220} data={rows} margin={{ left: 0, right: 8, top: 8, bottom: 8 }}>
            <CartesianGrid vertical={false} strokeDasharray="3 3" stroke={CHART_GRID[theme]} />
            <XAxis dataKey="day" tickFormatter={formatDay} minTickGap={16} {...axisProps(theme)} />
            <YAxis allowDecimals={false} width={40} {...axisProps(theme)} />
            <Tooltip
              {...tooltipProps(theme)}
              labelFormatter={(day) => `${formatDay(String(day))} (UTC)`}
              formatter={(value, name) => [`${formatCount(Number(value))} alerts`, name]}
            />
            <Legend wrapperStyle={legendStyle(theme)} itemSorter={(item) => -SEVERITY_RANK[item.value as Severity]} />
            {[...SEVERITIES].reverse().map((severity) => (
              <Bar key={severity} dataKey={severity} name={severity} stackId="alerts" fill={SEVERITY_COLOUR[theme][severity]} isAnimationActive={false} />
            ))}
          </BarChart>
        )}
      </ChartBox>
      <figcaption className="hint">
        {formatCount(alerts.length)} alerts raised over {formatCount(rows.length)} UTC days, by severity.
        {total > alerts.length && ` Only the newest ${formatCount(alerts.length)} of ${formatCount(total)} are charted: narrow the filters.`}
      </figcaption>
      <ChartData
        id="alertdata"
        caption="Alerts raised per UTC day by severity"
        columns={[{ label: "Day (UTC)" }, ...SEVERITIES.map((s) => ({ label: s, numeric: true }))]}
        rows={rows.map((r) => ({ key: r.day, cells: [r.day, ...SEVERITIES.map((s) => formatCount(r[s]))], values: [r.day, ...SEVERITIES.map((s) => r[s])] }))}
      />
    </figure>
  );
}
