import { formatCount } from "../lib/format";

interface PaginationProps {
  total: number;
  limit: number;
  offset: number;
  onChange: (offset: number) => void;
  label: string;
}

/** Previous/next buttons and "21–40 of 310" for a server-paginated table. */
export function Pagination({ total, limit, offset, onChange, label }: PaginationProps) {
  if (total <= limit && offset === 0) {
    return (
      <p className="pagination-summary">
        {formatCount(total)} {label}
      </p>
    );
  }
  const first = total === 0 ? 0 : offset + 1;
  const last = Math.min(offset + limit, total);
  return (
    <nav className="pagination" aria-label={`${label} pages`}>
      <button type="button" className="secondary" disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - limit))}>
        Previous
      </button>
      <span aria-live="polite">
        {formatCount(first)}–{formatCount(last)} of {formatCount(total)} {label}
      </span>
      <button type="button" className="secondary" disabled={offset + limit >= total} onClick={() => onChange(offset + limit)}>
        Next
      </button>
    </nav>
  );
}
