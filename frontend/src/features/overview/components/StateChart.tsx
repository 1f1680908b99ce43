import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { StateShare } from "../../../api/types";
import { formatHours, formatPercent } from "../../../lib/format";

export const STATE_COLOURS: Record<string, string> = {
  OFF: "#9aa5b1",
  STANDBY: "#f0b429",
  SPIN: "#3e8ed0",
  DRILL: "#c2410c",
};

const STATE_HELP: Record<string, string> = {
  OFF: "≤ 0.5 A",
  STANDBY: "0.5–2.0 A",
  SPIN: "2.0–4.5 A",
  DRILL: "> 4.5 A",
};

/** Share of samples per operating state, as bars plus a readable list. */
export function StateChart({ states }: { states: StateShare[] }) {
  const data = states.map((s) => ({ ...s, label: s.state }));
  return (
    <figure className="chart-figure">
      <div className="chart" style={{ height: 220 }}>
        <ResponsiveContainer width="100%" height="100%" minWidth={0} initialDimension={{ width: 320, height: 220 }}>
          <BarChart data={data} layout="vertical" margin={{ left: 8, right: 24, top: 8, bottom: 8 }}>
            <CartesianGrid horizontal={false} strokeDasharray="3 3" />
            <XAxis type="number" domain={[0, 100]} unit=" %" />
            <YAxis type="category" dataKey="label" width={72} />
            <Tooltip formatter={(value, _name, item) => [`${formatPercent(Number(value))} (${formatHours((item.payload as StateShare).hours)})`, "Share of samples"]} />
            <Bar dataKey="share_pct" name="Share of samples" isAnimationActive={false}>
              {data.map((entry) => (
                <Cell key={entry.state} fill={STATE_COLOURS[entry.state]} />
              ))}
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption>
        <ul className="legend">
          {states.map((s) => (
            <li key={s.state}>
              <span className="swatch" style={{ background: STATE_COLOURS[s.state] }} aria-hidden="true" />
              {s.state} ({STATE_HELP[s.state]}): {formatPercent(s.share_pct)}, {formatHours(s.hours)}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
