import type { SortOrder } from "../api/types";

interface SortHeaderProps<K extends string> {
  label: string;
  column: K;
  sort: K;
  order: SortOrder;
  onSort: (column: K) => void;
  numeric?: boolean;
  className?: string;
}

/** A column header that sorts its table: a button, with aria-sort on the header cell. */
export function SortHeader<K extends string>({ label, column, sort, order, onSort, numeric = false, className }: SortHeaderProps<K>) {
  const active = column === sort;
  const ariaSort = active ? (order === "asc" ? "ascending" : "descending") : "none";
  const classes = [numeric ? "num" : "", className ?? ""].join(" ").trim() || undefined;
  return (
    <th scope="col" aria-sort={ariaSort} className={classes}>
      <button type="button" className="sort-button" onClick={() => onSort(column)}>
        {label}
        <span aria-hidden="true" className="sort-mark">
          {active ? (order === "asc" ? " ▲" : " ▼") : " ↕"}
        </span>
      </button>
    </th>
  );
}

interface SortHeadersProps<K extends string> {
  columns: readonly { key: K; label: string; numeric?: boolean }[];
  sort: K;
  order: SortOrder;
  onSort: (column: K) => void;
}

/** A header row with a sorting button for each column. */
export function SortHeaders<K extends string>({ columns, sort, order, onSort }: SortHeadersProps<K>) {
  return (
    <>
      {columns.map((c) => (
        <SortHeader key={c.key} label={c.label} column={c.key} sort={sort} order={order} onSort={onSort} numeric={c.numeric} />
      ))}
    </>
  );
}
