"""Cold spells: 1-3 weeks of cold over the whole fleet or one region (reversible).

Ranges: length 7-21 days starting anywhere in the window's first 80 %, 1-3 days to set in
and to lift, depth 0.6-1.0 with day-to-day wobble of 0-0.2; whole fleet for a share 0.5 of
runs, else pods whose home lies west/east/north/south of a line through the area. Cold
also keeps machines idle on some days (usage x 1 - 0..0.4 at full cold).
"""

from __future__ import annotations

import numpy as np

from app.scenarios.draws import Bools, Draws, Floats


def cold_spell(
    d: Draws, rng: np.random.Generator, home_lat: Floats, home_lon: Floats, days: int
) -> tuple[Floats, Bools, float]:
    """[pods, days] cold intensity 0..1, pods hit, and the usage lost at full cold."""
    length = min(d.integer("cold_days", 7, 21), days)
    start = d.integer("cold_start_day", 0, max(int(days * 0.8) - length, 0))
    ramp = d.integer("cold_ramp_days", 1, 3)
    depth = d.uniform("cold_depth", 0.6, 1.0)
    wobble = d.uniform("cold_wobble", 0.0, 0.2)
    day = np.arange(days, dtype=np.float64)
    rise = np.clip((day - start + 1) / ramp, 0.0, 1.0)
    fall = np.clip((start + length - day) / ramp, 0.0, 1.0)
    level = np.clip(depth * np.minimum(rise, fall) + rng.normal(0.0, wobble, days), 0.0, 1.0)
    level = np.where((day >= start) & (day < start + length), level, 0.0)
    region = d.choice("cold_region", ["fleet", "west", "east", "north", "south"])
    hit = _region(rng, region, home_lat, home_lon)
    usage_loss = d.uniform("cold_usage_loss", 0.0, 0.4)
    return np.where(hit[:, None], level[None, :], 0.0), hit, usage_loss


def _region(rng: np.random.Generator, region: str, lat: Floats, lon: Floats) -> Bools:
    """Pods whose home lies on the cold side of a line through the fleet's area."""
    if region == "fleet":
        return np.ones(lat.size, dtype=np.bool_)
    values = lon if region in ("west", "east") else lat
    cut = float(np.quantile(values, rng.uniform(0.3, 0.7))) if values.size else 0.0
    return values <= cut if region in ("west", "south") else values > cut
