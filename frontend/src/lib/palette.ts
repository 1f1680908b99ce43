// Chart colours per theme. Marks (bars, lines, dots) keep >= 3:1 against the card they sit on
// and chart text >= 4.5:1 (WCAG 2.2, 1.4.11 and 1.4.3); palette.test.ts checks every pair.
// Series are Okabe-Ito hues, darkened for white and lightened for the dark card; colour never
// stands alone (legends, labels and a table carry the same facts).
import type { Theme } from "./theme";

export const SURFACE: Record<Theme, string> = { light: "#ffffff", dark: "#1b2330" };
export const PAGE: Record<Theme, string> = { light: "#f5f6f8", dark: "#111821" };

const SERIES: Record<Theme, string[]> = {
  light: ["#0b5cad", "#a15c00", "#007a5a", "#b0397a", "#5b3fb3", "#c2410c", "#4b5563", "#6b6b00"],
  dark: ["#6cb4ff", "#f0a830", "#3ccf9a", "#f08cc8", "#b79cff", "#ff8a5c", "#c0c7d0", "#d6d65a"],
};

/** The n-th series colour (cycled; charts show at most 8 series plus "other"). */
export function seriesColour(index: number, theme: Theme = "light"): string {
  const list = SERIES[theme];
  return list[index % list.length];
}

/** Every series colour of a theme (for tests and legends). */
export function seriesColours(theme: Theme): readonly string[] {
  return SERIES[theme];
}

/** Grey for "other devices": still a visible mark. */
export const OTHER_COLOUR: Record<Theme, string> = { light: "#6b7280", dark: "#9aa5b1" };

/** Axis, grid and label colours. */
export const CHART_TEXT: Record<Theme, string> = { light: "#3e4c59", dark: "#c9d2dc" };
export const CHART_GRID: Record<Theme, string> = { light: "#d9dee4", dark: "#3a4656" };

/** WCAG relative luminance of a #rrggbb colour. */
export function luminance(hex: string): number {
  const channels = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255);
  const [r, g, b] = channels.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two #rrggbb colours (1 to 21). */
export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((m, n) => n - m);
  return (x + 0.05) / (y + 0.05);
}
