import { formatLocal, formatLocalDate, formatUtc } from "../lib/format";

/** A moment in the browser's time zone; hovering shows it in UTC. */
export function Time({ value, dateOnly = false }: { value: string; dateOnly?: boolean }) {
  return (
    <time dateTime={value} title={formatUtc(value)}>
      {dateOnly ? formatLocalDate(value) : formatLocal(value)}
    </time>
  );
}
