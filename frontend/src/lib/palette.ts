// Colour-blind-friendly series colours (Okabe–Ito, then Tableau), cycled.
const PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#7f7f7f", "#bcbd22", "#17becf", "#8c564b"];

/** The colour of the n-th series. */
export function seriesColour(index: number): string {
  return PALETTE[index % PALETTE.length];
}
