import { Area, CartesianGrid, ComposedChart, Legend, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { ChartBox } from "../../../components/ChartBox";
import type { HealthForecast, Thresholds, TrendPoint } from "../../../api/mlTypes";
import { ChartData } from "../../../components/ChartData";
import { axisProps, legendStyle, tooltipProps } from "../../../lib/chartTheme";
import { formatDay, formatNumber } from "../../../lib/format";
import { CHART_GRID, CHART_TEXT, seriesColour } from "../../../lib/palette";
import { type Theme, useTheme } from "../../../lib/theme";
import { COMPONENTS, SEVERITY_COLOUR } from "../labels";

/** One chart row: history (health) or forecast (forecast + 80 % band). */
export interface TrendRow {
  date: string;
  health?: number | null;
  forecast?: number;
  band?: [number, number];
}

/** History then forecast; the forecast starts at the last measured day so the lines join. */
export function trendRows(trend: TrendPoint[], forecast: HealthForecast | null | undefined): TrendRow[] {
  const rows: TrendRow[] = trend.map((p) => ({ date: p.date, health: p.health_score }));
  const last = rows[rows.length - 1];
  if (forecast && forecast.series.length > 0 && last && typeof last.health === "number") {
    last.forecast = last.health;
    last.band = [last.health, last.health];
  }
  for (const p of forecast?.series ?? []) rows.push({ date: p.date, forecast: p.health_score, band: [p.lower, p.upper] });
  return rows;
}

const LINES: { key: "medium" | "high" | "critical"; name: "MEDIUM" | "HIGH" | "CRITICAL" }[] = [
  { key: "medium", name: "MEDIUM" },
  { key: "high", name: "HIGH" },
  { key: "critical", name: "CRITICAL" },
];
const HEALTH_LINE: Record<Theme, string> = { light: "#0b5cad", dark: "#6cb4ff" };

const score = (value: unknown) => (Array.isArray(value) ? value.map((v) => formatNumber(Number(v), 1)).join("–") : formatNumber(Number(value), 1));

/** Daily health, the 7-day forecast with its 80 % band, and the MEDIUM/HIGH/CRITICAL lines. */
export function HealthTrendChart({ trend, forecast, thresholds }: { trend: TrendPoint[]; forecast?: HealthForecast | null; thresholds: Thresholds }) {
  const { theme } = useTheme();
  const rows = trendRows(trend, forecast);
  const today = trend[trend.length - 1]?.date;
  return (
    <ChartBox height={300}>
      {(width) => (
        <ComposedChart width={width} height={300} data={rows} margin={{ left: 0, right: 24, top: 8, bottom: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke={CHART_GRID[theme]} />
          <XAxis dataKey="date" tickFormatter={formatDay} minTickGap={20} {...axisProps(theme)} />
          <YAxis domain={[0, 100]} width={40} {...axisProps(theme)} />
          <Tooltip {...tooltipProps(theme)} labelFormatter={(day) => `${formatDay(String(day))} (UTC day)`} formatter={(value, name) => [`${score(value)} / 100`, name]} />
          <Legend wrapperStyle={legendStyle(theme)} />
          {LINES.map((line) => (
            <ReferenceLine
              key={line.key}
              y={thresholds[line.key]}
              stroke={SEVERITY_COLOUR[theme][line.name]}
              strokeDasharray="4 4"
              label={{ value: `${line.name} ${thresholds[line.key]}`, position: "insideBottomLeft", fontSize: 11, fill: SEVERITY_COLOUR[theme][line.name] }}
            />
          ))}
          {today && forecast && (
            <ReferenceLine x={today} stroke={CHART_TEXT[theme]} label={{ value: "latest", position: "insideTopRight", fontSize: 11, fill: CHART_TEXT[theme] }} />
          )}
          <Area dataKey="band" name="Forecast band (80 %)" stroke="none" fill={HEALTH_LINE[theme]} fillOpacity={0.2} isAnimationActive={false} connectNulls />
          <Line dataKey="health" name="Health" stroke={HEALTH_LINE[theme]} strokeWidth={2} dot={trend.length < 3} isAnimationActive={false} connectNulls />
          <Line dataKey="forecast" name="Forecast" stroke={HEALTH_LINE[theme]} strokeDasharray="6 4" dot={false} isAnimationActive={false} connectNulls />
        </ComposedChart>
      )}
    </ChartBox>
  );
}

/** The four component scores per day. */
export function ComponentsChart({ trend }: { trend: TrendPoint[] }) {
  const { theme } = useTheme();
  return (
    <ChartBox height={260}>
      {(width) => (
        <LineChart width={width} height={260} data={trend} margin={{ left: 0, right: 24, top: 8, bottom: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke={CHART_GRID[theme]} />
          <XAxis dataKey="date" tickFormatter={formatDay} minTickGap={20} {...axisProps(theme)} />
          <YAxis domain={[0, 100]} width={40} {...axisProps(theme)} />
          <Tooltip {...tooltipProps(theme)} labelFormatter={(day) => `${formatDay(String(day))} (UTC day)`} formatter={(value, name) => [`${score(value)} / 100`, name]} />
          <Legend wrapperStyle={legendStyle(theme)} />
          {COMPONENTS.map((c, index) => (
            <Line key={c.key} dataKey={c.key} name={c.label} stroke={seriesColour(index, theme)} dot={trend.length < 3} isAnimationActive={false} connectNulls />
          ))}
        </LineChart>
      )}
    </ChartBox>
  );
}

/** The daily scores and the forecast as a table (the charts' text alternative). */
export function TrendTable({ trend, forecast }: { trend: TrendPoint[]; forecast?: HealthForecast | null }) {
  const history = trend.map((p) => ({
    key: p.date,
    cells: [p.date, formatNumber(p.health_score, 1), ...COMPONENTS.map((c) => formatNumber(p[c.key], 1)), "measured"],
    values: [p.date, p.health_score, ...COMPONENTS.map((c) => p[c.key]), "measured"],
  }));
  const ahead = (forecast?.series ?? []).map((p) => ({
    key: `f-${p.date}`,
    cells: [p.date, `${formatNumber(p.health_score, 1)} (${formatNumber(p.lower, 1)}–${formatNumber(p.upper, 1)})`, ...COMPONENTS.map(() => "—"), "forecast"],
    values: [p.date, p.health_score, ...COMPONENTS.map(() => null), "forecast"],
  }));
  return (
    <ChartData
      id="trenddata"
      caption="Daily health and components, then the forecast"
      columns={[{ label: "Day (UTC)" }, { label: "Health", numeric: true }, ...COMPONENTS.map((c) => ({ label: c.short, numeric: true })), { label: "Kind" }]}
      rows={[...history, ...ahead]}
    />
  );
}
