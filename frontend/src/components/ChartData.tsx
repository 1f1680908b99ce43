import { type ReactNode, useMemo } from "react";
import { sortRows, type Value, useTableSort } from "../lib/table";
import { SortHeaders } from "./SortHeader";

/** One row of a chart's data: what each cell shows and the value it sorts by. */
export interface ChartDataRow {
  key: string;
  cells: ReactNode[];
  values: Value[];
}

interface ChartDataProps {
  /** Names the table's sort in the URL (``<id>sort``, ``<id>order``); unique on a page. */
  id: string;
  caption: string;
  columns: { label: string; numeric?: boolean }[];
  rows: ChartDataRow[];
}

/**
 * The figures behind a chart as a table, for screen readers and anyone who wants numbers.
 * Its headers sort it (kept in the URL); unsorted, the rows keep the chart's order.
 */
export function ChartData({ id, caption, columns, rows }: ChartDataProps) {
  const keys = useMemo(() => columns.map((_, i) => `c${i}`), [columns]);
  const first = useMemo(() => Object.fromEntries(columns.flatMap((c, i) => (c.numeric ? [[`c${i}`, "desc" as const]] : []))), [columns]);
  const [sort, onSort] = useTableSort<string>(keys, "", first, id);
  const sorted = useMemo(() => {
    const column = keys.indexOf(sort.sort);
    if (column < 0) return rows;
    const position = new Map(rows.map((row, i) => [row.key, String(i).padStart(8, "0")]));
    return sortRows(
      rows,
      (row) => row.values[column],
      sort.order,
      (row) => position.get(row.key) ?? "",
    );
  }, [rows, keys, sort]);
  const headers = columns.map((c, i) => ({ key: keys[i], label: c.label, numeric: c.numeric }));
  return (
    <details className="data-table">
      <summary>Show the data as a table</summary>
      <div className="table-scroll" tabIndex={0} role="region" aria-label={caption}>
        <table>
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              <SortHeaders columns={headers} sort={sort.sort} order={sort.order} onSort={onSort} />
            </tr>
          </thead>
          <tbody>
            {sorted.map((row) => (
              <tr key={row.key}>
                {row.cells.map((cell, i) => (
                  <td key={columns[i].label} className={columns[i].numeric ? "num" : undefined}>
                    {cell}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
