import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatLocal, formatLocalDate, formatPercent } from "../../../lib/format";
import { seriesColour } from "../../../lib/palette";
import type { DeviceBattery } from "../api";

/** Average battery per bucket, one line per device, with the 20 % low-battery line. */
export function BatteryChart({ devices }: { devices: DeviceBattery[] }) {
  const times = devices.flatMap((d) => d.points.map((p) => p.t));
  const domain: [number, number] = [Math.min(...times), Math.max(...times)];
  return (
    <div className="chart" style={{ height: 300 }}>
      <ResponsiveContainer width="100%" height="100%" minWidth={0} initialDimension={{ width: 320, height: 300 }}>
        <LineChart margin={{ left: 0, right: 16, top: 8, bottom: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="t" type="number" scale="time" domain={domain} tickFormatter={(t: number) => formatLocalDate(t)} minTickGap={24} />
          <YAxis domain={[0, 100]} unit=" %" width={56} />
          <Tooltip labelFormatter={(t) => formatLocal(Number(t))} formatter={(value, name) => [formatPercent(Number(value)), name]} />
          <Legend />
          <ReferenceLine y={20} stroke="#b91c1c" strokeDasharray="4 4" label={{ value: "low 20 %", position: "insideBottomRight", fontSize: 12 }} />
          {devices.map((d, index) => (
            <Line
              key={d.deviceId}
              data={d.points}
              dataKey="avg"
              name={d.deviceId}
              stroke={seriesColour(index)}
              dot={d.points.length < 3}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
