import { useEffect, useRef, useState } from "react";
import L from "leaflet";
import "leaflet/dist/leaflet.css";
import "leaflet.markercluster";
import "leaflet.markercluster/dist/MarkerCluster.css";
import type { SessionLocation } from "../../../api/types";
import { formatCount, formatHours, formatLocal } from "../../../lib/format";
import { addTiles, rememberedTiles, type TileState } from "../../../lib/mapTiles";
import { seriesColour } from "../../../lib/palette";
import { useTheme } from "../../../lib/theme";

/** Session locations, clustered, on OSM tiles when reachable and a plain background when not. */
export function SessionMap({ points, total }: { points: SessionLocation[]; total: number }) {
  const container = useRef<HTMLDivElement>(null);
  const { theme } = useTheme();
  const [tiles, setTiles] = useState<TileState>(() => rememberedTiles() ?? "loading");

  useEffect(() => {
    if (!container.current) return;
    let active = true;
    const colour = seriesColour(0, theme);
    const map = L.map(container.current, { scrollWheelZoom: false, zoomSnap: 0.25, maxZoom: 18 });
    map.setView([0, 0], 2);
    const group = L.markerClusterGroup({
      showCoverageOnHover: false,
      maxClusterRadius: 40,
      iconCreateFunction: (cluster) =>
        L.divIcon({ className: "device-cluster", html: `<span style="border-color:${colour}"><b>${cluster.getChildCount()}</b></span>`, iconSize: [38, 38] }),
    });
    const bounds = L.latLngBounds([]);
    for (const p of points) {
      const icon = L.divIcon({ className: "device-pin", html: `<span class="pin pin-small" style="background:${colour}"></span>`, iconSize: [12, 12], iconAnchor: [6, 6] });
      const title = `${p.device_id}: ${formatLocal(p.start_ts)}, ${formatHours(p.drilling_hours, 2)} drilling`;
      group.addLayer(L.marker([p.lat, p.lon], { icon, title, keyboard: false }));
      bounds.extend([p.lat, p.lon]);
    }
    map.addLayer(group);
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 14 });
    addTiles(map, setTiles, () => active);
    return () => {
      active = false;
      map.remove();
    };
  }, [points, theme]);

  return (
    <figure className="chart-figure">
      {/* Leaflet adds its own classes to the inner div: React must never rewrite them. */}
      <div className={tiles === "offline" ? "map-frame map-offline" : "map-frame"} data-tiles={tiles}>
        <div ref={container} className="map" role="region" aria-label={`Map of ${formatCount(points.length)} session locations`} />
      </div>
      <figcaption className="hint">
        {formatCount(points.length)} session locations
        {total > points.length ? ` (evenly thinned in time from ${formatCount(total)})` : ""}; numbers are clusters of nearby sessions. Where the machines are now is on the Fleet
        map.
        {tiles === "offline" && " Map tiles are unavailable (offline): points are shown on a plain background."}
      </figcaption>
    </figure>
  );
}
