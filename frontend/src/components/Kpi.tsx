import type { ReactNode } from "react";

/** One key figure: a label, a value with its unit, and an optional note. */
export function Kpi({ label, value, note, title }: { label: string; value: ReactNode; note?: ReactNode; title?: string }) {
  return (
    <div className="kpi">
      <dt>{label}</dt>
      <dd title={title}>{value}</dd>
      {note && <dd className="kpi-note">{note}</dd>}
    </div>
  );
}

/** A row of key figures. */
export function KpiGrid({ label, children }: { label: string; children: ReactNode }) {
  return (
    <dl className="kpi-grid" aria-label={label}>
      {children}
    </dl>
  );
}
