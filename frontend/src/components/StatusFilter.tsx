import { formatCount } from "../lib/format";

interface StatusFilterProps<S extends string> {
  statuses: readonly S[];
  labels: Record<S, string>;
  counts: Record<S, number>;
  selected: S[];
  onChange: (next: S[]) => void;
  label?: string;
}

/** Toggle buttons, one per status with its count; none pressed means all. */
export function StatusFilter<S extends string>({ statuses, labels, counts, selected, onChange, label = "Filter by status" }: StatusFilterProps<S>) {
  const toggle = (status: S) => onChange(selected.includes(status) ? selected.filter((s) => s !== status) : [...selected, status]);
  return (
    <div className="status-filter" role="group" aria-label={label}>
      {statuses.map((status) => (
        <button key={status} type="button" className={`toggle status-toggle status-${status}`} aria-pressed={selected.includes(status)} onClick={() => toggle(status)}>
          {labels[status]} <span className="count">({formatCount(counts[status])})</span>
        </button>
      ))}
      {selected.length > 0 && (
        <button type="button" className="secondary" onClick={() => onChange([])}>
          All statuses
        </button>
      )}
    </div>
  );
}
