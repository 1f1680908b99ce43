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
 * column sorts on its first click. Changing the sort goes back to page 1. A page with several
 * tables gives each a ``prefix`` (``deploysort``, ``deployorder``).
 */
export function useTableSort<K extends string>(keys: readonly K[], fallback: K, first: Partial<Record<K, SortOrder>> = {}, prefix = ""): [TableSort<K>, (column: K) => void] {
  const [params, setParams] = useSearchParams();
  const [sortKey, orderKey] = [`${prefix}sort`, `${prefix}order`];
  const raw = params.get(sortKey) as K | null;
  const sort = raw && keys.includes(raw) ? raw : fallback;
  const given = params.get(orderKey);
  const order: SortOrder = given === "asc" || given === "desc" ? given : (first[sort] ?? "asc");
  const state = useMemo(() => ({ sort, order }), [sort, order]);
  const toggle = useCallback(
    (column: K) =>
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          const nextOrder = column === sort ? (order === "asc" ? "desc" : "asc") : (first[column] ?? "asc");
          next.set(sortKey, column);
          next.set(orderKey, nextOrder);
          next.delete(`${prefix}page`);
          return next;
        },
        { replace: true },
      ),
    [setParams, sort, order, first, sortKey, orderKey, prefix],
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

export type Value = string | number | boolean | null | undefined;

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

/** A column of a table sorted in the browser: its URL key, header, value and first direction. */
export interface Column<T, K extends string> {
  key: K;
  label: string;
  value: (row: T) => Value;
  first?: SortOrder;
  numeric?: boolean;
}

/** The first-click directions of ``columns``. */
export function firstOrders<T, K extends string>(columns: readonly Column<T, K>[]): Partial<Record<K, SortOrder>> {
  return Object.fromEntries(columns.filter((c) => c.first).map((c) => [c.key, c.first])) as Partial<Record<K, SortOrder>>;
}

/** ``rows`` sorted by the column named in the URL (``fallback`` first), with the header's toggle. */
export function useSortedRows<T, K extends string>(
  rows: readonly T[],
  columns: readonly Column<T, K>[],
  fallback: K,
  tie: (row: T) => string,
  prefix = "",
): { rows: T[]; sort: TableSort<K>; onSort: (column: K) => void } {
  const keys = useMemo(() => columns.map((c) => c.key), [columns]);
  const first = useMemo(() => firstOrders(columns), [columns]);
  const [sort, onSort] = useTableSort<K>(keys, fallback, first, prefix);
  const sorted = useMemo(() => {
    const column = columns.find((c) => c.key === sort.sort) ?? columns[0];
    return sortRows(rows, column.value, sort.order, tie);
  }, [rows, columns, sort, tie]);
  return { rows: sorted, sort, onSort };
}
