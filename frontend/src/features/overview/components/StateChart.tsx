import { Bar, BarChart, CartesianGrid, Cell, Tooltip, XAxis, YAxis } from "recharts";
import { ChartBox } from "../../../components/ChartBox";
import type { StateShare } from "../../../api/types";
import { axisProps, tooltipProps } from "../../../lib/chartTheme";
import { formatHours, formatPercent } from "../../../lib/format";
import { CHART_GRID } from "../../../lib/palette";
import { type Theme, useTheme } from "../../../lib/theme";

export const STATE_COLOURS: Record<Theme, Record<string, string>> = {
  light: { OFF: "#6b7280", STANDBY: "#a15c00", SPIN: "#0b5cad", DRILL: "#c2410c" },
  dark: { OFF: "#9aa5b1", STANDBY: "#f0a830", SPIN: "#6cb4ff", DRILL: "#ff8a5c" },
};

const STATE_HELP: Record<string, string> = {
  OFF: "≤ 0.5 A",
  STANDBY: "0.5–2.0 A",
  SPIN: "2.0–4.5 A",
  DRILL: "> 4.5 A",
};

/** Share of samples per operating state, as bars plus a readable list. */
export function StateChart({ states }: { states: StateShare[] }) {
  const { theme } = useTheme();
  const data = states.map((s) => ({ ...s, label: s.state }));
  return (
    <figure className="chart-figure">
      <ChartBox height={220}>
        {(width) => (
          <BarChart width={width} height={220} data={data} layout="vertical" margin={{ left: 8, right: 24, top: 8, bottom: 8 }}>
            <CartesianGrid horizontal={false} strokeDasharray="3 3" stroke={CHART_GRID[theme]} />
            <XAxis type="number" domain={[0, 100]} unit=" %" {...axisProps(theme)} />
            <YAxis type="category" dataKey="label" width={72} {...axisProps(theme)} />
            <Tooltip
              {...tooltipProps(theme)}
              formatter={(value, _name, item) => [`${formatPercent(Number(value))} (${formatHours((item.payload as StateShare).hours)})`, "Share of samples"]}
            />
            <Bar dataKey="share_pct" name="Share of samples" isAnimationActive={false}>
              {data.map((entry) => (
                <Cell key={entry.state} fill={STATE_COLOURS[theme][entry.state]} />
              ))}
            </Bar>
          </BarChart>
        )}
      </ChartBox>
      <figcaption>
        <ul className="legend">
          {states.map((s) => (
            <li key={s.state}>
              <span className="swatch" style={{ background: STATE_COLOURS[theme][s.state] }} aria-hidden="true" />
              {s.state} ({STATE_HELP[s.state]}): {formatPercent(s.share_pct)}, {formatHours(s.hours)}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
