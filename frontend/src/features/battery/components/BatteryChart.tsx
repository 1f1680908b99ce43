import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { ChartBox } from "../../../components/ChartBox";
import { ChartData } from "../../../components/ChartData";
import { axisProps, legendStyle, tooltipProps } from "../../../lib/chartTheme";
import { formatLocal, formatLocalDate, formatPercent } from "../../../lib/format";
import { CHART_GRID, seriesColour } from "../../../lib/palette";
import { useTheme } from "../../../lib/theme";
import { SEVERITY_COLOUR } from "../../ml/labels";
import { bucketLabel, type DeviceBattery } from "../api";

/** Average battery per bucket, one line per device, the 20 % low-battery line, and the data as a table. */
export function BatteryChart({ devices, bucketSeconds }: { devices: DeviceBattery[]; bucketSeconds: number | null }) {
  const { theme } = useTheme();
  const times = devices.flatMap((d) => d.points.map((p) => p.t));
  const domain: [number, number] = [Math.min(...times), Math.max(...times)];
  const low = SEVERITY_COLOUR[theme].CRITICAL;
  return (
    <figure className="chart-figure">
      <ChartBox height={300}>
        {(width) => (
          <LineChart width={width} height={300} margin={{ left: 0, right: 16, top: 8, bottom: 8 }}>
            <CartesianGrid strokeDasharray="3 3" stroke={CHART_GRID[theme]} />
            <XAxis dataKey="t" type="number" scale="time" domain={domain} tickFormatter={(t: number) => formatLocalDate(t)} minTickGap={24} {...axisProps(theme)} />
            <YAxis domain={[0, 100]} unit=" %" width={56} {...axisProps(theme)} />
            <Tooltip {...tooltipProps(theme)} labelFormatter={(t) => formatLocal(Number(t))} formatter={(value, name) => [formatPercent(Number(value)), name]} />
            <Legend wrapperStyle={legendStyle(theme)} />
            <ReferenceLine y={20} stroke={low} strokeDasharray="4 4" label={{ value: "low 20 %", position: "insideBottomRight", fontSize: 12, fill: low }} />
            {devices.map((d, index) => (
              <Line key={d.deviceId} data={d.points} dataKey="avg" name={d.deviceId} stroke={seriesColour(index, theme)} dot={d.points.length < 3} isAnimationActive={false} />
            ))}
          </LineChart>
        )}
      </ChartBox>
      <figcaption className="hint">Average battery level per {bucketLabel(bucketSeconds)} bucket; the dashed line marks 20 %.</figcaption>
      <ChartData
        id="batterydata"
        caption="Average battery per device and bucket"
        columns={[{ label: "Device" }, { label: "Bucket start" }, { label: "Average", numeric: true }, { label: "Minimum", numeric: true }]}
        rows={devices.flatMap((d) =>
          d.points.map((p) => ({
            key: `${d.deviceId}-${p.t}`,
            cells: [d.deviceId, formatLocal(p.t), formatPercent(p.avg), formatPercent(p.min, 0)],
            values: [d.deviceId, p.t, p.avg, p.min],
          })),
        )}
      />
    </figure>
  );
}
