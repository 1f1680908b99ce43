import { expect, test } from "vitest";
import { SEVERITY_COLOUR, STATUS_COLOUR } from "../features/ml/labels";
import { STATE_COLOURS } from "../features/overview/components/StateChart";
import { CHART_TEXT, contrast, OTHER_COLOUR, PAGE, SURFACE, seriesColours } from "./palette";
import type { Theme } from "./theme";

const THEMES: Theme[] = ["light", "dark"];
const MAP_BG: Record<Theme, string> = { light: "#e8eef3", dark: "#1f2a36" };

test("the contrast ratio follows WCAG (black on white is 21:1, a colour on itself 1:1)", () => {
  expect(contrast("#000000", "#ffffff")).toBeCloseTo(21, 5);
  expect(contrast("#0b5cad", "#0b5cad")).toBe(1);
  expect(contrast("#767676", "#ffffff")).toBeCloseTo(4.54, 2);
});

test.each(THEMES)("every chart mark keeps 3:1 and chart text 4.5:1 on the %s card and page", (theme) => {
  const marks = [...seriesColours(theme), OTHER_COLOUR[theme], ...Object.values(SEVERITY_COLOUR[theme]), ...Object.values(STATE_COLOURS[theme])];
  for (const background of [SURFACE[theme], PAGE[theme]]) {
    for (const mark of marks) expect(contrast(mark, background), `${mark} on ${background}`).toBeGreaterThanOrEqual(3);
    expect(contrast(CHART_TEXT[theme], background)).toBeGreaterThanOrEqual(4.5);
  }
});

test.each(THEMES)("every status colour keeps 3:1 on the %s map and card", (theme) => {
  for (const colour of Object.values(STATUS_COLOUR[theme])) {
    expect(contrast(colour, MAP_BG[theme]), `${colour} on the map`).toBeGreaterThanOrEqual(3);
    expect(contrast(colour, SURFACE[theme]), `${colour} on the card`).toBeGreaterThanOrEqual(3);
  }
});
