import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { get } from "../../api/client";
import type { SessionPage, Timeline, TimelineEntry } from "../../api/types";
import { filterProblem, scopeParams, type Filters } from "../../lib/filters";

/** One page of sessions, newest first. */
export function useSessions(filters: Filters, limit: number, offset: number) {
  return useQuery({
    queryKey: ["sessions", filters, limit, offset],
    queryFn: () => get<SessionPage>("/api/v1/sessions", { ...scopeParams(filters), limit, offset }),
    enabled: filterProblem(filters) === null,
    placeholderData: keepPreviousData,
  });
}

const TIMELINE_PAGE = 10000;
const TIMELINE_PAGES = 5;

/** The per-day, per-device timeline; at most 50,000 entries (``truncated`` says if more). */
export function useTimeline(filters: Filters) {
  return useQuery({
    queryKey: ["timeline", filters],
    enabled: filterProblem(filters) === null,
    queryFn: async () => {
      const entries: TimelineEntry[] = [];
      let total = 0;
      for (let page = 0; page < TIMELINE_PAGES; page++) {
        const answer = await get<Timeline>("/api/v1/sessions/timeline", {
          ...scopeParams(filters),
          limit: TIMELINE_PAGE,
          offset: page * TIMELINE_PAGE,
        });
        entries.push(...answer.entries);
        total = answer.total;
        if (entries.length >= total || answer.entries.length === 0) break;
      }
      return { entries, total, truncated: entries.length < total };
    },
  });
}

/** One chart row: a day with drilling hours per shown device and the rest summed. */
export interface DayRow {
  day: string;
  sessions: number;
  other: number;
  hours: Record<string, number>;
}

export const OTHER = "Other devices";

/** Per-day rows with the ``top`` busiest devices as their own series and the rest as "other". */
export function stackByDevice(entries: TimelineEntry[], top: number): { rows: DayRow[]; devices: string[] } {
  const perDevice = new Map<string, number>();
  for (const e of entries) perDevice.set(e.device_id, (perDevice.get(e.device_id) ?? 0) + e.drilling_hours);
  const ranked = [...perDevice.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => id);
  const shown = ranked.length <= top + 1 ? ranked : ranked.slice(0, top);
  const shownSet = new Set(shown);
  const days = new Map<string, DayRow>();
  for (const e of entries) {
    let row = days.get(e.day);
    if (!row) {
      row = { day: e.day, sessions: 0, other: 0, hours: Object.fromEntries(shown.map((id) => [id, 0])) };
      days.set(e.day, row);
    }
    row.sessions += e.sessions;
    if (shownSet.has(e.device_id)) row.hours[e.device_id] += e.drilling_hours;
    else row.other += e.drilling_hours;
  }
  const rows = [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
  return { rows, devices: shown };
}
