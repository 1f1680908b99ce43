import L from "leaflet";

// OpenStreetMap tiles when reachable; one probe per tab, so an offline browser fails one
// request, not one per tile. Without tiles the maps keep their markers on a plain background.
const TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
const PROBE_URL = "https://tile.openstreetmap.org/0/0/0.png";
const ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors';
const PROBE_KEY = "drillwatch.tiles";

export type TileState = "loading" | "online" | "offline";
type Reachability = "online" | "offline";

let probe: Promise<Reachability> | null = null;

/** What the probe found earlier in this tab, if anything. */
export function rememberedTiles(): Reachability | null {
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
export function probeTiles(): Promise<Reachability> {
  const known = rememberedTiles();
  if (known) return Promise.resolve(known);
  probe ??= new Promise<Reachability>((resolve) => {
    const image = new Image();
    image.onload = () => resolve(remember("online"));
    image.onerror = () => resolve(remember("offline"));
    image.src = PROBE_URL;
  });
  return probe;
}

/** Add the tiles once the probe says they load; if they fail later, drop them. */
export function addTiles(map: L.Map, onState: (state: TileState) => void, isActive: () => boolean): void {
  void probeTiles().then((reachable) => {
    if (!isActive()) return;
    onState(reachable);
    if (reachable !== "online") return;
    const layer = L.tileLayer(TILE_URL, { attribution: ATTRIBUTION, maxZoom: 19 });
    layer.on("tileerror", () => {
      if (!map.hasLayer(layer)) return;
      map.removeLayer(layer);
      onState(remember("offline"));
    });
    layer.on("load", () => onState("online"));
    layer.addTo(map);
  });
}
