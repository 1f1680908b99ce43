import { CHART_GRID, CHART_TEXT } from "./palette";
import type { Theme } from "./theme";

/** Axis and grid props for Recharts in the current theme (text >= 4.5:1, grid visible). */
export function axisProps(theme: Theme) {
  return { stroke: CHART_GRID[theme], tick: { fill: CHART_TEXT[theme], fontSize: 12 } };
}

/** Tooltip and legend styles in the current theme. */
export function tooltipProps(theme: Theme) {
  const dark = theme === "dark";
  return {
    contentStyle: { background: dark ? "#1b2330" : "#ffffff", borderColor: CHART_GRID[theme], color: CHART_TEXT[theme] },
    labelStyle: { color: CHART_TEXT[theme] },
    itemStyle: { color: CHART_TEXT[theme] },
  };
}

export const legendStyle = (theme: Theme) => ({ color: CHART_TEXT[theme] });
