// Number and time formatting: every number carries its unit, times show in the
// browser's time zone with the UTC time available on hover.

const numberFormats = new Map<string, Intl.NumberFormat>();

function numberFormat(digits: number): Intl.NumberFormat {
  const key = String(digits);
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });
    numberFormats.set(key, format);
  }
  return format;
}

/** A number with ``digits`` decimals in the browser's locale ("—" when missing). */
export function formatNumber(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  return numberFormat(digits).format(value);
}

/** A count: "1,234". */
export const formatCount = (value: number | null | undefined): string => formatNumber(value, 0);

/** Hours with one decimal: "19.2 h". */
export const formatHours = (value: number | null | undefined, digits = 1): string => withUnit(formatNumber(value, digits), "h");

/** Minutes with one decimal: "19.5 min". */
export const formatMinutes = (value: number | null | undefined, digits = 1): string => withUnit(formatNumber(value, digits), "min");

/** A percentage with one decimal: "40.8 %". */
export const formatPercent = (value: number | null | undefined, digits = 1): string => withUnit(formatNumber(value, digits), "%");

/** Current in amperes: "6.20 A". */
export const formatAmps = (value: number | null | undefined, digits = 2): string => withUnit(formatNumber(value, digits), "A");

/** A duration in seconds, as minutes below 2 h and hours above. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  return seconds < 7200 ? formatMinutes(seconds / 60) : formatHours(seconds / 3600);
}

function withUnit(text: string, unit: string): string {
  return text === "—" ? text : `${text} ${unit}`;
}

const localFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const localDateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

// The backend keeps UTC; a timestamp without an offset is UTC, not local time.
const NO_OFFSET = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

function toDate(value: string | number | Date): Date | null {
  const date = value instanceof Date ? value : new Date(typeof value === "string" && NO_OFFSET.test(value) ? `${value}Z` : value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A moment in the browser's time zone: "Jul 1, 2025, 6:36 AM". */
export function formatLocal(value: string | number | Date): string {
  const date = toDate(value);
  return date ? localFormat.format(date) : "—";
}

/** A moment's calendar date in the browser's time zone. */
export function formatLocalDate(value: string | number | Date): string {
  const date = toDate(value);
  return date ? localDateFormat.format(date) : "—";
}

/** The same moment in UTC for a title attribute: "2025-07-01 04:36:01 UTC". */
export function formatUtc(value: string | number | Date): string {
  const date = toDate(value);
  return date ? `${date.toISOString().slice(0, 19).replace("T", " ")} UTC` : "";
}

// Made once: a chart formats every tick several times, and a new Intl format costs far more.
const dayFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
const utcDayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" });

/** A UTC calendar day from the API ("2025-07-01") for chart axes, without shifting time zones. */
export function formatDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? day : dayFormat.format(date);
}

/** A UTC calendar day from the API ("2025-07-01") with its year: "Jul 1, 2025". */
export function formatUtcDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? day : utcDayFormat.format(date);
}
