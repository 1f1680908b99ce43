import { useCallback, useMemo } from "react";
import { useSearchParams } from "react-router";
import type { SortOrder } from "../api/types";

/** A table's sort column and direction, kept in the URL (``sort``, ``order``). */
export interface TableSort<K extends string> {
  sort: K;
  order: SortOrder;
}

/**
 * Sort state in the URL for a table whose columns are ``keys``; ``first`` says which way each
 * column sorts on its first click. Changing the sort goes back to page 1.
 */
export function useTableSort<K extends string>(keys: readonly K[], fallback: K, first: Partial<Record<K, SortOrder>> = {}): [TableSort<K>, (column: K) => void] {
  const [params, setParams] = useSearchParams();
  const raw = params.get("sort") as K | null;
  const sort = raw && keys.includes(raw) ? raw : fallback;
  const given = params.get("order");
  const order: SortOrder = given === "asc" || given === "desc" ? given : (first[sort] ?? "asc");
  const state = useMemo(() => ({ sort, order }), [sort, order]);
  const toggle = useCallback(
    (column: K) =>
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          const nextOrder = column === sort ? (order === "asc" ? "desc" : "asc") : (first[column] ?? "asc");
          next.set("sort", column);
          next.set("order", nextOrder);
          next.delete("page");
          return next;
        },
        { replace: true },
      ),
    [setParams, sort, order, first],
  );
  return [state, toggle];
}

/** One URL search parameter as a string, and a setter that returns the table to page 1. */
export function useUrlParam(key: string): [string, (value: string) => void] {
  const [params, setParams] = useSearchParams();
  const value = params.get(key) ?? "";
  const set = useCallback(
    (next: string) =>
      setParams(
        (current) => {
          const merged = new URLSearchParams(current);
          if (next) merged.set(key, next);
          else merged.delete(key);
          merged.delete("page");
          return merged;
        },
        { replace: true },
      ),
    [key, setParams],
  );
  return [value, set];
}

type Value = string | number | boolean | null | undefined;

/** A sorted copy by ``value``; missing values last in both directions, ties by ``tie``. */
export function sortRows<T>(rows: readonly T[], value: (row: T) => Value, order: SortOrder, tie: (row: T) => string): T[] {
  const sign = order === "asc" ? 1 : -1;
  return [...rows].sort((a, b) => {
    const [x, y] = [value(a), value(b)];
    const missingX = x === null || x === undefined || (typeof x === "number" && Number.isNaN(x));
    const missingY = y === null || y === undefined || (typeof y === "number" && Number.isNaN(y));
    if (missingX || missingY) return missingX === missingY ? tie(a).localeCompare(tie(b)) : missingX ? 1 : -1;
    const diff = typeof x === "string" || typeof y === "string" ? String(x).localeCompare(String(y)) : Number(x) - Number(y);
    return diff === 0 ? tie(a).localeCompare(tie(b)) : sign * diff;
  });
}
