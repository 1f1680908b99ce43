import { useCallback, useMemo } from "react";
import { useSearchParams } from "react-router";
import type { QueryParams } from "../api/client";

/** The date range and device filters shared by the analytics pages, kept in the URL. */
export interface Filters {
  from: string;
  to: string;
  devices: string[];
}

/** A problem with the filters that would make the API refuse them, or null. */
export function filterProblem(filters: Filters): string | null {
  if (filters.from && filters.to && filters.to < filters.from) {
    return "The end date is before the start date.";
  }
  return null;
}

/** The API's scope parameters (start_date, end_date, device_id) for these filters. */
export function scopeParams(filters: Filters): QueryParams {
  return { start_date: filters.from, end_date: filters.to, device_id: filters.devices };
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Read and update the filters in the page's search parameters. */
export function useFilters(): [Filters, (next: Partial<Filters>) => void] {
  const [params, setParams] = useSearchParams();
  const from = params.get("from") ?? "";
  const to = params.get("to") ?? "";
  const deviceKey = params.getAll("device").join("\u0000");
  const filters = useMemo<Filters>(
    () => ({
      from: DATE.test(from) ? from : "",
      to: DATE.test(to) ? to : "",
      devices: deviceKey ? deviceKey.split("\u0000") : [],
    }),
    [from, to, deviceKey],
  );
  const update = useCallback(
    (next: Partial<Filters>) => {
      setParams(
        (current) => {
          const merged = new URLSearchParams(current);
          if (next.from !== undefined) setOrDelete(merged, "from", next.from);
          if (next.to !== undefined) setOrDelete(merged, "to", next.to);
          if (next.devices !== undefined) {
            merged.delete("device");
            for (const device of next.devices) merged.append("device", device);
          }
          merged.delete("page");
          return merged;
        },
        { replace: true },
      );
    },
    [setParams],
  );
  return [filters, update];
}

function setOrDelete(params: URLSearchParams, key: string, value: string): void {
  if (value) params.set(key, value);
  else params.delete(key);
}

/** Carry the filters over to another page's link. */
export function filterSearch(filters: Filters): string {
  const params = new URLSearchParams();
  if (filters.from) params.set("from", filters.from);
  if (filters.to) params.set("to", filters.to);
  for (const device of filters.devices) params.append("device", device);
  const text = params.toString();
  return text ? `?${text}` : "";
}
