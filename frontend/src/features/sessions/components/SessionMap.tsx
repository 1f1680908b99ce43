import { useEffect, useRef, useState } from "react";
import L from "leaflet";
import "leaflet/dist/leaflet.css";
import type { SessionLocation } from "../../../api/types";
import { formatCount, formatHours, formatLocal } from "../../../lib/format";
import { seriesColour } from "../../../lib/palette";

const TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
const PROBE_URL = "https://tile.openstreetmap.org/0/0/0.png";
const ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors';
// The probe's answer is kept for the tab, so an offline browser fails one request, not one per tile.
const PROBE_KEY = "drillwatch.tiles";

type TileState = "loading" | "online" | "offline";
type Reachability = "online" | "offline";

let probe: Promise<Reachability> | null = null;

function remembered(): Reachability | null {
  try {
    const value = sessionStorage.getItem(PROBE_KEY);
    return value === "online" || value === "offline" ? value : null;
  } catch {
    return null;
  }
}

function remember(value: Reachability): Reachability {
  try {
    sessionStorage.setItem(PROBE_KEY, value);
  } catch {
    // storage unavailable: the next page load probes again
  }
  return value;
}

/** Whether OpenStreetMap tiles load: one small tile, once per tab. */
function probeTiles(): Promise<Reachability> {
  const known = remembered();
  if (known) return Promise.resolve(known);
  probe ??= new Promise<Reachability>((resolve) => {
    const image = new Image();
    image.onload = () => resolve(remember("online"));
    image.onerror = () => resolve(remember("offline"));
    image.src = PROBE_URL;
  });
  return probe;
}

function addPoints(map: L.Map, points: SessionLocation[]): void {
  const colours = new Map<string, string>();
  const bounds = L.latLngBounds([]);
  for (const p of points) {
    if (!colours.has(p.device_id)) colours.set(p.device_id, seriesColour(colours.size));
    const colour = colours.get(p.device_id)!;
    L.circleMarker([p.lat, p.lon], { radius: 6, color: colour, weight: 1, fillColor: colour, fillOpacity: 0.7 })
      .bindTooltip(`${p.device_id}: ${formatLocal(p.start_ts)}, ${formatHours(p.drilling_hours, 2)} drilling`)
      .addTo(map);
    bounds.extend([p.lat, p.lon]);
  }
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 14 });
}

/** Add OpenStreetMap tiles; if tiles fail later on, drop them and keep the points. */
function addTiles(map: L.Map, onState: (state: TileState) => void): void {
  const layer = L.tileLayer(TILE_URL, { attribution: ATTRIBUTION, maxZoom: 19 });
  layer.on("tileerror", () => {
    if (!map.hasLayer(layer)) return;
    map.removeLayer(layer);
    onState(remember("offline"));
  });
  layer.on("load", () => onState("online"));
  layer.addTo(map);
}

/** Session locations on a map: OSM tiles when reachable, a plain background when not. */
export function SessionMap({ points, total }: { points: SessionLocation[]; total: number }) {
  const container = useRef<HTMLDivElement>(null);
  const [tiles, setTiles] = useState<TileState>(() => remembered() ?? "loading");

  useEffect(() => {
    if (!container.current) return;
    let active = true;
    const map = L.map(container.current, { scrollWheelZoom: false, zoomSnap: 0.25 });
    map.setView([0, 0], 2);
    addPoints(map, points);
    void probeTiles().then((reachable) => {
      if (!active) return;
      setTiles(reachable);
      if (reachable === "online") addTiles(map, setTiles);
    });
    return () => {
      active = false;
      map.remove();
    };
  }, [points]);

  return (
    <figure className="chart-figure">
      {/* Leaflet adds its own classes to the inner div: React must never rewrite them. */}
      <div className={tiles === "offline" ? "map-frame map-offline" : "map-frame"} data-tiles={tiles}>
        <div ref={container} className="map" role="region" aria-label={`Map of ${formatCount(points.length)} session locations`} />
      </div>
      <figcaption className="hint">
        {formatCount(points.length)} session locations
        {total > points.length ? ` (evenly thinned from ${formatCount(total)})` : ""}, coloured by device.
        {tiles === "offline" && " Map tiles are unavailable (offline): points are shown on a plain background."}
      </figcaption>
    </figure>
  );
}
