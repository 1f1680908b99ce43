import { filterProblem, type Filters } from "../lib/filters";
import { DeviceSelect } from "./DeviceSelect";

interface FilterBarProps {
  filters: Filters;
  onChange: (next: Partial<Filters>) => void;
  devices?: boolean;
}

/** Date range and device filters; the values live in the URL so links keep them. */
export function FilterBar({ filters, onChange, devices = true }: FilterBarProps) {
  const problem = filterProblem(filters);
  const active = filters.from || filters.to || filters.devices.length > 0;
  return (
    <section className="filter-bar" aria-label="Filters">
      <label>
        From
        <input type="date" value={filters.from} max={filters.to || undefined} onChange={(e) => onChange({ from: e.target.value })} />
      </label>
      <label>
        To
        <input type="date" value={filters.to} min={filters.from || undefined} onChange={(e) => onChange({ to: e.target.value })} />
      </label>
      {devices && <DeviceSelect selected={filters.devices} onChange={(list) => onChange({ devices: list })} />}
      {active && (
        <button type="button" className="secondary" onClick={() => onChange({ from: "", to: "", devices: [] })}>
          Reset filters
        </button>
      )}
      {filters.devices.length > 0 && (
        <ul className="chips" aria-label="Selected devices">
          {filters.devices.slice(0, 20).map((id) => (
            <li key={id}>
              <button type="button" className="chip" aria-label={`Remove device ${id}`} onClick={() => onChange({ devices: filters.devices.filter((d) => d !== id) })}>
                {id} <span aria-hidden="true">×</span>
              </button>
            </li>
          ))}
          {filters.devices.length > 20 && <li className="hint">+{filters.devices.length - 20} more</li>}
        </ul>
      )}
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
      <p className="hint filter-hint">Dates are UTC calendar days.</p>
    </section>
  );
}
