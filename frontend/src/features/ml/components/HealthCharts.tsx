import { Area, CartesianGrid, ComposedChart, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { HealthForecast, Thresholds, TrendPoint } from "../../../api/mlTypes";
import { formatDay, formatNumber } from "../../../lib/format";
import { seriesColour } from "../../../lib/palette";
import { COMPONENTS } from "../labels";

/** One chart row: history (health) or forecast (forecast + 80 % band). */
export interface TrendRow {
  date: string;
  health?: number | null;
  forecast?: number;
  band?: [number, number];
}

/** History then forecast; the forecast starts at the last measured day so the lines join. */
export function trendRows(trend: TrendPoint[], forecast: HealthForecast | undefined): TrendRow[] {
  const rows: TrendRow[] = trend.map((p) => ({ date: p.date, health: p.health_score }));
  const last = rows[rows.length - 1];
  if (forecast && forecast.series.length > 0 && last && typeof last.health === "number") {
    last.forecast = last.health;
    last.band = [last.health, last.health];
  }
  for (const p of forecast?.series ?? []) rows.push({ date: p.date, forecast: p.health_score, band: [p.lower, p.upper] });
  return rows;
}

const LINES: { key: keyof Thresholds; name: string; colour: string }[] = [
  { key: "medium", name: "MEDIUM", colour: "#b7791f" },
  { key: "high", name: "HIGH", colour: "#d55e00" },
  { key: "critical", name: "CRITICAL", colour: "#b91c1c" },
];

const score = (value: unknown) => (Array.isArray(value) ? value.map((v) => formatNumber(Number(v), 1)).join("–") : formatNumber(Number(value), 1));

/** Daily health, the 7-day forecast with its 80 % band, and the MEDIUM/HIGH/CRITICAL lines. */
export function HealthTrendChart({ trend, forecast, thresholds }: { trend: TrendPoint[]; forecast?: HealthForecast; thresholds: Thresholds }) {
  const rows = trendRows(trend, forecast);
  const today = trend[trend.length - 1]?.date;
  return (
    <div className="chart" style={{ height: 300 }}>
      <ResponsiveContainer width="100%" height="100%" minWidth={0} initialDimension={{ width: 320, height: 300 }}>
        <ComposedChart data={rows} margin={{ left: 0, right: 24, top: 8, bottom: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="date" tickFormatter={formatDay} minTickGap={20} />
          <YAxis domain={[0, 100]} width={40} />
          <Tooltip labelFormatter={(day) => `${formatDay(String(day))} (UTC day)`} formatter={(value, name) => [`${score(value)} / 100`, name]} />
          <Legend />
          {LINES.map((line) => (
            <ReferenceLine
              key={line.key}
              y={thresholds[line.key]}
              stroke={line.colour}
              strokeDasharray="4 4"
              label={{ value: `${line.name} ${thresholds[line.key]}`, position: "insideBottomLeft", fontSize: 11, fill: line.colour }}
            />
          ))}
          {today && forecast && <ReferenceLine x={today} stroke="#7b8794" label={{ value: "latest", position: "insideTopRight", fontSize: 11 }} />}
          <Area dataKey="band" name="Forecast band (80 %)" stroke="none" fill="#56b4e9" fillOpacity={0.3} isAnimationActive={false} connectNulls />
          <Line dataKey="health" name="Health" stroke="#0072b2" strokeWidth={2} dot={trend.length < 3} isAnimationActive={false} connectNulls />
          <Line dataKey="forecast" name="Forecast" stroke="#0072b2" strokeDasharray="6 4" dot={false} isAnimationActive={false} connectNulls />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}

/** The four component scores per day. */
export function ComponentsChart({ trend }: { trend: TrendPoint[] }) {
  return (
    <div className="chart" style={{ height: 260 }}>
      <ResponsiveContainer width="100%" height="100%" minWidth={0} initialDimension={{ width: 320, height: 260 }}>
        <LineChart data={trend} margin={{ left: 0, right: 24, top: 8, bottom: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="date" tickFormatter={formatDay} minTickGap={20} />
          <YAxis domain={[0, 100]} width={40} />
          <Tooltip labelFormatter={(day) => `${formatDay(String(day))} (UTC day)`} formatter={(value, name) => [`${score(value)} / 100`, name]} />
          <Legend />
          {COMPONENTS.map((c, index) => (
            <Line key={c.key} dataKey={c.key} name={c.label} stroke={seriesColour(index)} dot={trend.length < 3} isAnimationActive={false} connectNulls />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
