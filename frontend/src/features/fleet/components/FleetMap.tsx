import { useEffect, useMemo, useRef, useState } from "react";
import L from "leaflet";
import "leaflet/dist/leaflet.css";
import "leaflet.markercluster";
import "leaflet.markercluster/dist/MarkerCluster.css";
import type { HealthStatus } from "../../../api/mlTypes";
import type { DeviceStatus } from "../../../api/types";
import { formatCount, formatLocal } from "../../../lib/format";
import { addTiles, rememberedTiles, type TileState } from "../../../lib/mapTiles";
import { type Theme, useTheme } from "../../../lib/theme";
import { STATUS_COLOUR, STATUS_LABEL, STATUS_RANK, STATUSES } from "../../ml/labels";

export type MapStatus = HealthStatus | "unknown";
const UNKNOWN_COLOUR: Record<Theme, string> = { light: "#52606d", dark: "#a3b1cc" };

function colourOf(status: MapStatus, theme: Theme): string {
  return status === "unknown" ? UNKNOWN_COLOUR[theme] : STATUS_COLOUR[theme][status];
}

function labelOf(status: MapStatus): string {
  return status === "unknown" ? "Not scored" : STATUS_LABEL[status];
}

/** The worst status among markers (clusters take the colour of their worst device). */
function worst(statuses: MapStatus[]): MapStatus {
  return statuses.reduce<MapStatus>((a, b) => ((b === "unknown" ? -1 : STATUS_RANK[b]) > (a === "unknown" ? -1 : STATUS_RANK[a]) ? b : a), "unknown");
}

function deviceMarker(device: DeviceStatus, theme: Theme, onOpen: (id: string) => void): L.Marker {
  const status: MapStatus = device.status ?? "unknown";
  const colour = colourOf(status, theme);
  const severe = STATUS_RANK[status as HealthStatus] >= STATUS_RANK.critical;
  const icon = L.divIcon({
    className: "device-pin",
    html: `<span class="pin${severe ? " pin-severe" : ""}" style="background:${colour}"></span>`,
    iconSize: [18, 18],
    iconAnchor: [9, 9],
  });
  const title = `${device.device_id}: ${labelOf(status)}${device.last_seen ? `, last report ${formatLocal(device.last_seen)}` : ""}`;
  const marker = L.marker([device.lat ?? 0, device.lon ?? 0], { icon, title, keyboard: true, riseOnHover: true });
  (marker.options as L.MarkerOptions & { status: MapStatus }).status = status;
  marker.on("click", () => onOpen(device.device_id));
  return marker;
}

function clusterIcon(theme: Theme) {
  return (cluster: L.MarkerCluster) => {
    const children = cluster.getAllChildMarkers();
    const status = worst(children.map((m) => (m.options as L.MarkerOptions & { status: MapStatus }).status));
    const colour = colourOf(status, theme);
    return L.divIcon({
      className: "device-cluster",
      html: `<span style="border-color:${colour}"><b>${children.length}</b></span>`,
      iconSize: [38, 38],
    });
  };
}

interface FleetMapProps {
  devices: DeviceStatus[];
  onOpen: (deviceId: string) => void;
  label: string;
  height?: number;
  zoom?: number;
}

/** Devices at their last known position, clustered, coloured by status; a click opens the device. */
export function FleetMap({ devices, onOpen, label, height = 420, zoom }: FleetMapProps) {
  const container = useRef<HTMLDivElement>(null);
  const { theme } = useTheme();
  const [tiles, setTiles] = useState<TileState>(() => rememberedTiles() ?? "loading");
  const located = useMemo(() => devices.filter((d) => d.lat !== null && d.lon !== null), [devices]);
  const open = useRef(onOpen);
  open.current = onOpen;

  useEffect(() => {
    if (!container.current) return;
    let active = true;
    const map = L.map(container.current, { scrollWheelZoom: false, zoomSnap: 0.25, maxZoom: 18 });
    map.setView([0, 0], 2);
    const group = L.markerClusterGroup({ iconCreateFunction: clusterIcon(theme), showCoverageOnHover: false, maxClusterRadius: 48, chunkedLoading: true });
    const bounds = L.latLngBounds([]);
    for (const device of located) {
      group.addLayer(deviceMarker(device, theme, (id) => open.current(id)));
      bounds.extend([device.lat ?? 0, device.lon ?? 0]);
    }
    map.addLayer(group);
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [24, 24], maxZoom: zoom ?? 14 });
    addTiles(map, setTiles, () => active);
    return () => {
      active = false;
      map.remove();
    };
  }, [located, theme, zoom]);

  return (
    <div className={tiles === "offline" ? "map-frame map-offline" : "map-frame"} data-tiles={tiles}>
      {/* Leaflet adds its own classes to the inner div: React must never rewrite them. */}
      <div ref={container} className="map" style={{ height }} role="region" aria-label={label} />
      {tiles === "offline" && <p className="hint">Map tiles are unavailable (offline): devices are shown on a plain background.</p>}
    </div>
  );
}

/** The colours of the map, in words. */
export function StatusLegend({ counts }: { counts?: Partial<Record<MapStatus, number>> }) {
  const { theme } = useTheme();
  const shown: MapStatus[] = [...STATUSES, "unknown"];
  return (
    <ul className="legend" aria-label="Map legend">
      {shown.map((status) => (
        <li key={status}>
          <span className="swatch swatch-round" style={{ background: colourOf(status, theme) }} aria-hidden="true" />
          {labelOf(status)}
          {counts && ` (${formatCount(counts[status] ?? 0)})`}
        </li>
      ))}
    </ul>
  );
}
