"""The health indicators: what each component measures, against what, and its limit.

Each indicator turns a device-day into a deviation from what is normal for it (its
frozen commissioning reference, the fleet, or the place it worked at) and an evidence
count (how many samples the deviation rests on). ``limit`` is the deviation at which
a maintenance engineer would call the part failed: the indicator's degradation is its
deviation divided by that limit, 0 when normal and 1 at failure, whatever its unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.ml.models.references import DRAIN_FLOOR, MIN_DRILL_SAMPLES, MIN_FIX_STEPS

CONTEXT_MIN_DEVICES = 5  # fewer devices in a region on a day: no common-mode correction
CONTEXT_SHRINK = 4.0  # pseudo-devices pulling a region's effect towards zero
REGION_LAT = 0.25  # degrees: weather is shared over tens of kilometres
REGION_LON = 0.4
SITE_LAT, SITE_LON = 0.005, 0.008  # degrees: a job site (the place grid of the evidence SQL)
# a day at a site new to the device says less about its motor: the material there is
# unknown, which adds this much (in each indicator's unit) to the day's uncertainty
UNKNOWN_SITE_SD = {"drilling_current": 0.25, "spin_current": 0.2}


@dataclass(frozen=True)
class Indicator:
    """One measured sign of wear.

    ``reference``: "own" (the device's frozen commissioning value), "fleet" (a rate
    the fitted model knows the fleet's normal of) or "place" (what other pods met
    where this one worked).
    """

    name: str
    component: str
    limit: float
    reference: str
    shown: str  # value shown to people
    baseline: str | None  # column with the usual value shown (None: the fleet centre)
    template: str  # with {value} and {baseline}
    fmt: str = "{:.2f}"


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "drilling_current",
        "current_stability",
        float(np.log(1.30)),
        "own",
        "amp_median",
        "amp_reference",
        "Drilling current is {value} A against {baseline} A when this machine was commissioned.",
        "{:.2f}",
    ),
    Indicator(
        "current_variation",
        "current_stability",
        0.15,
        "own",
        "amp_cv",
        "cv_reference",
        "Drilling current varies by {value} against {baseline} when commissioned.",
        "{:.0%}",
    ),
    Indicator(
        "spin_current",
        "current_stability",
        float(np.log(1.50)),  # +50 % with no load: the motor's own friction
        "own",
        "spin_median",
        "spin_reference",
        "Spinning without load the motor draws {value} A against {baseline} A when commissioned.",
        "{:.2f}",
    ),
    Indicator(
        "stall_rate",
        "current_stability",
        0.10,
        "fleet",
        "stall_rate",
        None,
        "The motor stalled right after drilling in {value} of cases against {baseline} "
        "in the fleet.",
        "{:.1%}",
    ),
    Indicator(
        "spike_rate",
        "current_stability",
        0.10,
        "fleet",
        "spike_rate",
        None,
        "Current spikes in {value} of drilling samples against {baseline} in the fleet.",
        "{:.1%}",
    ),
    Indicator(
        "battery_drain",
        "battery_performance",
        float(np.log(1 / 0.8)),  # 80 % of commissioning capacity: end of life
        "own",
        "drain_per_hour",
        "drain_reference",
        "The pod battery drains {value} % per operating hour against {baseline} % when "
        "commissioned: its usable capacity is falling.",
        "{:.1f}",
    ),
    Indicator(
        "charge_level",
        "battery_performance",
        25.0,
        "own",
        "charged_level",
        "charge_reference",
        "A full charge reaches {value} % against {baseline} % when commissioned.",
        "{:.0f}",
    ),
    Indicator(
        "sudden_drops",
        "battery_performance",
        1.0,
        "fleet",
        "sudden_drop_rate",
        None,
        "The battery level dropped suddenly {value} times per session against {baseline} "
        "in the fleet.",
        "{:.2f}",
    ),
    Indicator(
        "gps_fix",
        "gps_reliability",
        0.4,  # positions missing where others have them, four in ten: the receiver is failing
        "place",
        "fixless_share",
        "expected_fixless_share",
        "GPS had no position in {value} of samples where other pods had one in all but {baseline}.",
        "{:.0%}",
    ),
    Indicator(
        "gps_jitter",
        "gps_reliability",
        float(np.log(10.0)),  # positions ten times as scattered: useless
        "own",
        "jitter_m",
        "jitter_reference",
        "GPS positions scatter {value} m between samples against {baseline} m when commissioned.",
        "{:.0f}",
    ),
    Indicator(
        "gps_jumps",
        "gps_reliability",
        0.1,  # one fix in ten hundreds of metres off: the receiver is failing
        "fleet",
        "jump_rate",
        None,
        "GPS positions jump implausibly far in {value} of samples against {baseline} in the fleet.",
        "{:.1%}",
    ),
    Indicator(
        "gps_frozen",
        "gps_reliability",
        0.2,  # one fix in five the very same position as the one before: the receiver is stuck
        "fleet",
        "frozen_rate",
        None,
        "GPS repeated the very same position in {value} of fixes against {baseline} in the fleet.",
        "{:.1%}",
    ),
    Indicator(
        "radio_loss",
        "telemetry_quality",
        0.5,  # half the samples lost where others get through: the link is unusable
        "place",
        "lost_share",
        "expected_lost_share",
        "{value} of the pod's samples never arrived where other pods lost {baseline}.",
        "{:.0%}",
    ),
    Indicator(
        "duplicates",
        "telemetry_quality",
        0.3,
        "fleet",
        "duplicate_rate",
        None,
        "{value} of the pod's samples arrived more than once.",
        "{:.1%}",
    ),
    Indicator(
        "malformed",
        "telemetry_quality",
        0.3,
        "fleet",
        "malformed_rate",
        None,
        "{value} of the pod's rows were rejected as malformed.",
        "{:.1%}",
    ),
)
NAMES = tuple(i.name for i in INDICATORS)
BY_NAME = {i.name: i for i in INDICATORS}
FLEET_RATES = tuple(i.name for i in INDICATORS if i.reference == "fleet")


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return num / den.where(den > 0)


def shown_values(frame: pd.DataFrame) -> pd.DataFrame:
    """The per-day measures people see (rates and shares from the day's counts)."""
    fix_samples = frame["fix_session_samples"]
    sent = frame["samples"] + frame["lost"]
    return pd.DataFrame(
        {
            "stall_rate": _ratio(frame["stalls"], frame["stall_chances"]),
            "spike_rate": _ratio(frame["spikes"], frame["spike_chances"]),
            "drain_per_hour": _ratio(frame["drop_pct"], frame["drop_hours"]),
            "sudden_drop_rate": _ratio(frame["sudden_drops"], frame["sessions"]),
            "fixless_share": _ratio(frame["fixless_samples"], fix_samples),
            "expected_fixless_share": _ratio(frame["expected_fixless"], fix_samples),
            "jump_rate": _ratio(frame["jumps"], frame["fix_steps"]),
            "frozen_rate": _ratio(frame["frozen_steps"], frame["fix_steps"]),
            "lost_share": _ratio(frame["lost"], sent),
            "expected_lost_share": _ratio(frame["expected_lost"], sent),
            "duplicate_rate": _ratio(frame["repeats"], frame["samples"]),
            "malformed_rate": _ratio(frame["quarantined"], frame["samples"] + frame["quarantined"]),
        },
        index=frame.index,
    )


RATE_PRIOR_N = 20.0
MIN_SAMPLES = {
    "drilling_current": MIN_DRILL_SAMPLES,
    "current_variation": MIN_DRILL_SAMPLES,
    "spin_current": MIN_DRILL_SAMPLES,
    "gps_jitter": MIN_FIX_STEPS,
}
POOL_DROP = 10.0  # %: drain is read over runs of days expected to drain this much


def pooled_drain(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Battery drain per operating hour over runs of days, and the hours it rests on.

    The gauge reads whole percent, so a day of a few minutes' use drains 0 or 1 % and
    says nothing about capacity. Days are pooled until they were expected (at the
    commissioning drain) to drain POOL_DROP %; the pooled drain is read on the day the
    run completes, other days carry none.
    """
    device = frame["device_id"]
    hours = frame["drop_hours"].fillna(0.0).where(frame["drain_reference"].notna(), 0.0)
    drop = frame["drop_pct"].fillna(0.0).where(hours > 0, 0.0)
    expected = hours * frame["drain_reference"].clip(lower=DRAIN_FLOOR).fillna(0.0)
    run = np.floor(expected.groupby(device, sort=False).cumsum() / POOL_DROP)
    closes = run > run.groupby(device, sort=False).shift(1).fillna(0.0)
    closed_before = closes.astype(int).groupby(device, sort=False).cumsum() - closes.astype(int)
    keys = [device, closed_before]
    pooled_drop = drop.groupby(keys, sort=False).cumsum()
    pooled_hours = hours.groupby(keys, sort=False).cumsum()
    rate = (pooled_drop / pooled_hours.where(pooled_hours > 0)).where(closes)
    return rate, pooled_hours.where(closes, 0.0)


WEATHER_MIN_HOURS = 0.5  # a day's drain says something about the weather from this much use


def drain_without_weather(frame: pd.DataFrame) -> pd.Series:
    """Each day's drained percent with what drained every pod in its region faster that day
    (cold) taken out, before days are pooled: weather is a property of the day, wear is not."""
    hours = frame["drop_hours"]
    ratio = _log_ratio(
        frame["drop_pct"] / hours.where(hours >= WEATHER_MIN_HOURS),
        frame["drain_reference"].clip(lower=0.0),
        DRAIN_FLOOR,
    )
    effect = common_mode(frame, ratio)
    result: pd.Series = frame["drop_pct"] * np.exp(-effect)
    return result


def _rate(events: pd.Series, chances: pd.Series, expected: pd.Series | None = None) -> pd.Series:
    """Events beyond the expected count, per chance, with RATE_PRIOR_N pseudo-chances."""
    excess = events - (0.0 if expected is None else expected.fillna(0.0))
    return (excess / (chances + RATE_PRIOR_N)).where(chances > 0)


def _log_ratio(value: pd.Series, reference: pd.Series, floor: float = 0.0) -> pd.Series:
    ok = (value + floor > 0) & (reference + floor > 0)
    ratio = (value + floor).where(ok) / (reference + floor).where(ok)
    return pd.Series(np.log(ratio.to_numpy(float)), index=value.index)


def deviations(frame: pd.DataFrame, shown: pd.DataFrame) -> pd.DataFrame:
    """Raw deviation (in the indicator's unit, larger = worse) and evidence count per day.

    Fleet-rate indicators are returned as rates; the fitted model subtracts the
    fleet's normal rate. Rates of events (stalls, spikes, lost samples...) are counted
    against RATE_PRIOR_N pseudo-samples at their expected value, so one stall in five
    drilling samples reads as a hint, not as a 20 % stall rate.
    """
    sent = frame["samples"] + frame["lost"]
    quarantined_total = frame["samples"] + frame["quarantined"]
    known_site = frame["amp_site_reference"].notna()
    spin_site = frame["spin_site_reference"].notna()
    spin_ref = frame["spin_site_reference"].where(spin_site, frame["spin_reference"])
    drain, drain_hours = pooled_drain(frame.assign(drop_pct=drain_without_weather(frame)))
    amp_ref = frame["amp_site_reference"].where(known_site, frame["amp_reference"])
    values = {
        "drilling_current": _log_ratio(frame["amp_median"], amp_ref),
        "current_variation": frame["amp_cv"] - frame["cv_reference"],
        "spin_current": _log_ratio(frame["spin_median"], spin_ref),
        "stall_rate": _rate(frame["stalls"], frame["stall_chances"]),
        "spike_rate": _rate(frame["spikes"], frame["spike_chances"]),
        "battery_drain": _log_ratio(
            drain.clip(lower=0.0),
            frame["drain_reference"].clip(lower=0.0),
            DRAIN_FLOOR,
        ),
        "charge_level": (frame["charge_reference"] - frame["full_charge"]).where(
            frame["charged_level"].notna()
        ),
        "sudden_drops": shown["sudden_drop_rate"],
        "gps_fix": _rate(
            frame["fixless_samples"], frame["fix_session_samples"], frame["expected_fixless"]
        ),
        "gps_jitter": _log_ratio(frame["jitter_m"], frame["jitter_reference"], 1.0),
        "gps_jumps": _rate(frame["jumps"], frame["fix_steps"]),
        "gps_frozen": _rate(frame["frozen_steps"], frame["fix_steps"]),
        "radio_loss": _rate(frame["lost"], sent, frame["expected_lost"]),
        "duplicates": _rate(frame["repeats"], frame["samples"]),
        "malformed": _rate(frame["quarantined"], quarantined_total),
    }
    counts = {
        "drilling_current": frame["drill_samples"],
        "current_variation": frame["drill_samples"],
        "spin_current": frame["spin_samples"],
        "stall_rate": frame["stall_chances"],
        "spike_rate": frame["spike_chances"],
        "battery_drain": drain_hours * 120.0,  # samples' worth of drain measured
        "charge_level": frame["charged_level"].notna().astype(float) * 60.0,
        "sudden_drops": frame["sessions"] * 40.0,
        "gps_fix": frame["fix_session_samples"] * _known(frame, "fixless_unknown"),
        "gps_jitter": frame["fix_steps"],
        "gps_jumps": frame["fix_steps"],
        "gps_frozen": frame["fix_steps"],
        "radio_loss": sent * _known(frame, "lost_unknown", sent),
        "duplicates": frame["samples"],
        "malformed": frame["samples"] + frame["quarantined"],
    }
    out = pd.DataFrame({f"y_{k}": v.astype(float) for k, v in values.items()}, index=frame.index)
    for name, count in counts.items():
        out[f"n_{name}"] = count.fillna(0.0).astype(float)
    for name, least in MIN_SAMPLES.items():  # a median of a few samples is not a level
        out[f"y_{name}"] = out[f"y_{name}"].where(out[f"n_{name}"] >= least)
    for name, sd in UNKNOWN_SITE_SD.items():
        known = spin_site if name == "spin_current" else known_site
        out[f"v_{name}"] = np.where(known, 0.0, sd**2)
    return out


def _known(frame: pd.DataFrame, unknown: str, total: pd.Series | None = None) -> pd.Series:
    """Share of a place expectation that rests on other pods (not on the prior)."""
    base = frame["fix_session_samples"] if total is None else total
    share = _ratio(frame[unknown], base).fillna(1.0).clip(0.0, 1.0)
    return 1.0 - 0.75 * share


def regions(frame: pd.DataFrame) -> pd.Series:
    """A coarse grid cell per device-day (last known position carried over)."""
    cell = (
        np.floor(frame["lat"] / REGION_LAT).astype("Int64").astype(str)
        + ":"
        + np.floor(frame["lon"] / REGION_LON).astype("Int64").astype(str)
    ).where(frame["lat"].notna() & frame["lon"].notna())
    carried: pd.Series = cell.groupby(frame["device_id"], sort=False).ffill()
    return carried.fillna("unknown")


def common_mode(frame: pd.DataFrame, values: pd.Series) -> pd.Series:
    """What moved every pod in a region that day (weather), to take out of one pod's reading.

    The region's median deviation, shrunk towards zero by how few pods it rests on;
    the fleet-wide median where the region has too few pods.
    """
    day = frame["day"]
    region = regions(frame)
    valid = values.notna()
    keys = pd.DataFrame({"day": day, "region": region, "v": values})[valid]
    by_region = keys.groupby(["day", "region"])["v"].agg(["median", "count"])
    by_day = keys.groupby("day")["v"].agg(["median", "count"])
    regional = by_region.reindex(pd.MultiIndex.from_arrays([day, region])).to_numpy()
    fleet = by_day.reindex(day).to_numpy()
    use_region = regional[:, 1] >= CONTEXT_MIN_DEVICES
    median = np.where(use_region, regional[:, 0], fleet[:, 0])
    count = np.where(use_region, regional[:, 1], fleet[:, 1])
    count = np.nan_to_num(count)
    effect = np.where(
        count >= CONTEXT_MIN_DEVICES, np.nan_to_num(median) * count / (count + CONTEXT_SHRINK), 0.0
    )
    return pd.Series(effect, index=frame.index)


def sites(frame: pd.DataFrame) -> pd.Series:
    """The job site (place grid cell) of each device-day, None without a fix."""
    lat = np.floor(frame["lat"] / SITE_LAT).astype("Int64").astype(str)
    lon = np.floor(frame["lon"] / SITE_LON).astype("Int64").astype(str)
    cells: pd.Series = (lat + ":" + lon).where(frame["lat"].notna() & frame["lon"].notna())
    return cells


CONTEXT_CORRECTED = ("drilling_current", "charge_level")  # battery drain: per day, above


def observations(frame: pd.DataFrame) -> pd.DataFrame:
    """Deviations and counts of every indicator, with regional common modes taken out."""
    shown = shown_values(frame)
    out = deviations(frame, shown)
    for name in CONTEXT_CORRECTED:
        column = f"y_{name}"
        out[column] = out[column] - common_mode(frame, out[column])
    return pd.concat([out, shown], axis=1)
