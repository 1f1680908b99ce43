import { useEffect, useId, useMemo, useRef, useState } from "react";
import { useDevices } from "../features/devices/api";
import { formatCount } from "../lib/format";

const SHOWN = 50;

interface DeviceSelectProps {
  selected: string[];
  onChange: (devices: string[]) => void;
}

/** Pick devices from a searchable list; shows at most 50 matches so 1,000 devices stay quick. */
export function DeviceSelect({ selected, onChange }: DeviceSelectProps) {
  const [open, setOpen] = useState(false);
  const [search, setSearch] = useState("");
  // The URL update behind ``onChange`` runs as a transition; show the tick at once.
  const [shown, setShown] = useState(selected);
  useEffect(() => setShown(selected), [selected]);
  const devices = useDevices();
  const panelId = useId();
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const ids = useMemo(() => devices.data?.devices.map((d) => d.device_id) ?? [], [devices.data]);
  const matches = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return needle ? ids.filter((id) => id.toLowerCase().includes(needle)) : ids;
  }, [ids, search]);

  useEffect(() => {
    if (!open) return;
    const close = (event: MouseEvent) => {
      if (root.current && !root.current.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", close);
    return () => document.removeEventListener("mousedown", close);
  }, [open]);

  const close = () => {
    setOpen(false);
    button.current?.focus(); // focus was inside the panel that is going away
  };
  const change = (next: string[]) => {
    setShown(next);
    onChange(next);
  };
  const toggle = (id: string) => change(shown.includes(id) ? shown.filter((d) => d !== id) : [...shown, id]);
  const summary = shown.length === 0 ? `All devices${ids.length ? ` (${formatCount(ids.length)})` : ""}` : `${shown.length} selected`;

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: Escape anywhere in the picker closes it
    <div className="device-select" ref={root} onKeyDown={(e) => open && e.key === "Escape" && close()}>
      <span className="field-label" id={`${panelId}-label`}>
        Devices
      </span>
      <button
        ref={button}
        type="button"
        className="secondary select-button"
        aria-expanded={open}
        aria-controls={panelId}
        aria-labelledby={`${panelId}-label ${panelId}-value`}
        onClick={() => setOpen(!open)}
      >
        <span id={`${panelId}-value`}>{summary}</span> <span aria-hidden="true">▾</span>
      </button>
      {open && (
        <div className="device-panel" id={panelId} role="group" aria-label="Choose devices">
          <label>
            Search devices
            <input type="search" value={search} autoFocus onChange={(e) => setSearch(e.target.value)} placeholder="device id" />
          </label>
          {devices.isPending && <p role="status">Loading devices…</p>}
          {devices.isError && <p role="alert">Could not load devices.</p>}
          {devices.isSuccess && matches.length === 0 && <p>No device matches “{search}”.</p>}
          <ul className="device-options">
            {matches.slice(0, SHOWN).map((id) => (
              <li key={id}>
                <label>
                  <input type="checkbox" checked={shown.includes(id)} onChange={() => toggle(id)} /> {id}
                </label>
              </li>
            ))}
          </ul>
          {matches.length > SHOWN && <p className="hint">{formatCount(matches.length - SHOWN)} more: refine the search.</p>}
          <div className="panel-actions">
            <button type="button" className="secondary" onClick={() => change([])} disabled={shown.length === 0}>
              Clear selection
            </button>
            <button type="button" onClick={close}>
              Done
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
