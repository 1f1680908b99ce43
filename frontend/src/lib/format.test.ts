import { expect, test } from "vitest";
import { formatAmps, formatCount, formatDuration, formatHours, formatMinutes, formatPercent, formatUtc } from "./format";

test("numbers carry their unit and a fixed number of decimals", () => {
  expect(formatHours(19.2125)).toBe("19.2 h");
  expect(formatMinutes(19.485483870967744)).toBe("19.5 min");
  expect(formatPercent(40.816326530612244)).toBe("40.8 %");
  expect(formatAmps(6.2)).toBe("6.20 A");
  expect(formatCount(12345)).toBe("12,345");
});

test("missing values show a dash without a unit", () => {
  expect(formatHours(null)).toBe("—");
  expect(formatPercent(Number.NaN)).toBe("—");
});

test("durations read as minutes below two hours and hours above", () => {
  expect(formatDuration(930)).toBe("15.5 min");
  expect(formatDuration(3 * 3600)).toBe("3.0 h");
});

test("the UTC title shows the instant in UTC, also for offset-less timestamps", () => {
  expect(formatUtc("2025-07-01T04:36:01Z")).toBe("2025-07-01 04:36:01 UTC");
  expect(formatUtc("2025-07-01T06:36:01+02:00")).toBe("2025-07-01 04:36:01 UTC");
  expect(formatUtc("2025-07-01T04:36:01")).toBe("2025-07-01 04:36:01 UTC");
});
