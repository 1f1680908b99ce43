"""Why a device scores as it does: its indicators ranked by wear, healthy devices included.

Every device gets its top factors. An indicator that costs points "lowers" the score
and says what it measured against what; on a healthy device the factors say what holds
the score up and which indicator is closest to its limit, i.e. would lower it first.
Findings add what the indicators cannot say: too little history, a silence, and data
integrity problems such as two pods reporting under one device id.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from app.ml.models.indicators import BY_NAME, Indicator
from app.ml.models.scoring import SHOWN_SD, TOLERANCE

TOP = 3
LABELS = {
    "drilling_current": "Drilling current",
    "current_variation": "Current variation",
    "spin_current": "No-load current",
    "stall_rate": "Motor stalls",
    "spike_rate": "Current spikes",
    "battery_drain": "Battery drain per operating hour",
    "charge_level": "Full-charge level",
    "sudden_drops": "Sudden battery drops",
    "gps_fix": "GPS fix",
    "gps_jitter": "GPS scatter",
    "gps_jumps": "GPS jumps",
    "gps_frozen": "GPS position frozen",
    "radio_loss": "Lost samples",
    "duplicates": "Repeated samples",
    "malformed": "Malformed rows",
}


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def _fmt(indicator: Indicator, value: float | None) -> str:
    return "n/a" if value is None else indicator.fmt.format(value)


def _baseline(indicator: Indicator, row: pd.Series, centres: dict[str, float]) -> float | None:
    if indicator.baseline is not None:
        return _number(row.get(indicator.baseline))
    return centres.get(indicator.name)


def factor(
    indicator: Indicator,
    state: tuple[float, float, float],
    row: pd.Series,
    centres: dict[str, float],
) -> dict[str, Any]:
    """One factor from its indicator's (level, sd, slope): what was measured, against
    what, how far towards the limit, and the points it costs (as the score counts them)."""
    level, sd, slope = state
    value = _number(row.get(indicator.shown))
    baseline = _baseline(indicator, row, centres)
    shown = (max(level - SHOWN_SD * sd, 0.0) - TOLERANCE) / (1 - TOLERANCE)
    lowers = shown > 0
    measured = indicator.template.format(
        value=_fmt(indicator, value), baseline=_fmt(indicator, baseline)
    )
    share = max(level, 0.0)
    if lowers:
        sentence = f"{measured} That is {share:.0%} of the way to its failure limit."
    elif value is None:
        sentence = f"{LABELS[indicator.name]}: no recent measurement; last known wear {share:.0%}."
    else:
        sentence = (
            f"{LABELS[indicator.name]} holds up, {share:.0%} of the way to its failure limit: "
            f"{measured[0].lower() + measured[1:]}"
        )
    return {
        "feature": indicator.name,
        "component": indicator.component,
        "direction": "higher" if (value or 0.0) >= (baseline or 0.0) else "lower",
        "effect": "lowers" if lowers else "holds",
        "value": value,
        "baseline": baseline,
        "baseline_kind": indicator.reference,
        "wear": round(share, 3),
        "trend_per_day": round(float(slope), 4),
        "contribution": round(max(shown, 0.0) * 70.0, 1),
        "sentence": sentence,
    }


def explain_devices(
    states: pd.DataFrame, latest: pd.DataFrame, centres: dict[str, float], top: int = TOP
) -> dict[str, list[dict[str, Any]]]:
    """Per device: its ``top`` factors, most worn first (healthy devices too).

    ``states`` has device_id, indicator, level, sd, slope (final filter states);
    ``latest`` one row per device with the shown values of its last working day.
    """
    ranked = states.assign(rank=-states["level"].to_numpy(float))
    ranked = ranked.sort_values(["device_id", "rank"], kind="stable")
    picks = ranked.groupby("device_id", sort=False).head(top)
    rows = latest.set_index("device_id")
    result: dict[str, list[dict[str, Any]]] = {}
    for device, indicator, level, sd, slope in zip(
        picks["device_id"],
        picks["indicator"],
        picks["level"],
        picks["sd"],
        picks["slope"],
        strict=True,
    ):
        row = rows.loc[device] if device in rows.index else pd.Series(dtype=object)
        state = (float(level), float(sd), float(slope))
        result.setdefault(str(device), []).append(factor(BY_NAME[indicator], state, row, centres))
    return result


def findings_for(row: pd.Series, collisions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Findings of one device's latest day: history, silence, data integrity."""
    found: list[dict[str, Any]] = []
    status = row.get("status")
    days = int(_number(row.get("silent_days")) or 0)
    if status == "insufficient_data":
        found.append(
            {
                "type": "data",
                "finding": "insufficient_data",
                "sentence": "Too little history yet to know what is normal for this pod: "
                "its commissioning reference is still being measured.",
            }
        )
    if status == "offline_likely_failed":
        found.append(
            {
                "type": "availability",
                "finding": "offline_likely_failed",
                "silent_days": days,
                "probability": round(float(row.get("offline_probability") or 0.0), 3),
                "sentence": f"No data for {days} day(s) although this machine is normally in "
                "use, after signs of wear: it has likely failed. Check it on site.",
            }
        )
    elif status == "idle" and days > 0:
        found.append(
            {
                "type": "availability",
                "finding": "idle",
                "silent_days": days,
                "sentence": f"No data for {days} day(s); nothing pointed to a failure before, "
                "so the machine is most likely just not in use.",
            }
        )
    for episode in collisions:
        found.append({"type": "data_integrity", "finding": "id_collision", **episode})
    return found


def centres_of(noise: dict[str, Any]) -> dict[str, float]:
    """The fleet's normal rate of each fleet-rate indicator (for factor baselines)."""
    return {
        name: float(n.centre)
        for name, n in noise.items()
        if BY_NAME[name].reference == "fleet" and np.isfinite(n.centre)
    }
