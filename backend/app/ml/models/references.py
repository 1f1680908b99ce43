"""Each device's commissioning reference: its own normal, measured early and then frozen.

Wear is judged against what a machine did when it was new to the fleet, not against
its recent past: a reference that kept moving would move with the wear. A reference
freezes once it is known well enough: its standard error below a tenth of the
indicator's failure limit (at least a few qualifying days, at most a few weeks), or
enough battery drain measured; from the next day on, later days are compared with it.
Everything is vectorised over device-days; a device-day sees only its own past.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

REFERENCE_DAYS = 5  # qualifying days a median reference takes at least ...
MAX_REFERENCE_DAYS = 20  # ... and at most (then it freezes however noisy the days are)
SITE_DAYS = 3  # ... and a device's reference at one job site, at least
MAX_SITE_DAYS = 10
MEDIAN_SE = 1.2533  # standard error of a median, in standard errors of a mean
MIN_DRILL_SAMPLES = 10  # a day with fewer drilling samples says little about the motor
MIN_FIX_STEPS = 10
DRAIN_MIN_DAYS = 5  # battery drain: at least this many days with measured drain ...
DRAIN_MIN_DROP = 60.0  # ... and this many percentage points drained in all (integer
# readings: a reference over fewer points is off by more than a tenth of the limit),
DRAIN_MAX_DAYS = 21  # ... or this many days, whichever comes first
DRAIN_FLOOR = 1.0  # %/h: below this, drain is too slow to tell capacity apart
CHARGE_DAYS = 14  # a full charge happens at least this often: the window its maximum is read over
CHARGE_MIN_EVENTS = 2
CHARGE_EVENTS = 2  # a day's full charge is read as the best of this many recent ones


@dataclass(frozen=True)
class MedianReference:
    """A reference that is the median of a column over the first qualifying days.

    ``precision``: the standard error at which it freezes, relative to the median when
    ``relative`` (indicators read as log ratios), else in the column's unit.
    """

    name: str
    column: str
    qualifies: str  # boolean column: the day counts towards the reference
    precision: float
    relative: bool = True


Keys = list[pd.Series]


def _day_rank(keys: Keys, qualifies: pd.Series) -> pd.Series:
    """1, 2, ... on each group's qualifying days in day order; 0 elsewhere."""
    ranks = qualifies.astype(int).groupby(keys, sort=False).cumsum()
    return ranks.where(qualifies, 0)


def _frozen(
    frame: pd.DataFrame, keys: Keys, value: pd.Series, freeze_rank: pd.Series, ok: pd.Series
) -> pd.Series:
    """``value`` taken on each group's freezing day, applied to its later days only."""
    at_freeze = value.where(ok & freeze_rank)
    per_group = at_freeze.groupby(keys, sort=False).transform("max")
    freeze_day = frame["day"].where(ok & freeze_rank).groupby(keys, sort=False).transform("max")
    return per_group.where(frame["day"] > freeze_day)


def median_reference(
    frame: pd.DataFrame,
    spec: MedianReference,
    keys: Keys | None = None,
    days: tuple[int, int] = (REFERENCE_DAYS, MAX_REFERENCE_DAYS),
) -> pd.Series:
    """Median of ``spec.column`` over each group's first qualifying days, frozen once its
    standard error reaches ``spec.precision`` (within ``days`` = (least, most) days);
    groups are devices unless ``keys`` say otherwise."""
    keys = keys if keys is not None else [frame["device_id"]]
    qualifies = frame[spec.qualifies].fillna(False).astype(bool) & frame[spec.column].notna()
    rank = _day_rank(keys, qualifies)
    values = frame[spec.column].where(qualifies)
    grouped = values.groupby(keys, sort=False)
    median = grouped.expanding().median().reset_index(level=list(range(len(keys))), drop=True)
    spread = grouped.expanding().std().reset_index(level=list(range(len(keys))), drop=True)
    median, spread = median.reindex(frame.index), spread.reindex(frame.index)
    error = MEDIAN_SE * spread / np.sqrt(rank.clip(lower=1))
    if spec.relative:
        error = error / median.abs().where(median.abs() > 0)
    least, most = days
    ready = qualifies & (rank >= least) & ((error <= spec.precision) | (rank >= most))
    first = ready & (ready.astype(int).groupby(keys, sort=False).cumsum() == 1)
    return _frozen(frame, keys, median, first, ready)


def drain_reference(frame: pd.DataFrame) -> pd.Series:
    """Battery drain per operating hour over the first days with enough drain, frozen."""
    measured = (frame["drop_hours"].fillna(0.0) > 0).astype(bool)
    by_device = frame["device_id"]
    drop = frame["drop_pct"].where(measured, 0.0).fillna(0.0)
    hours = frame["drop_hours"].where(measured, 0.0).fillna(0.0)
    days = measured.astype(int).groupby(by_device, sort=False).cumsum()
    total_drop = drop.groupby(by_device, sort=False).cumsum()
    total_hours = hours.groupby(by_device, sort=False).cumsum()
    enough = (
        measured
        & (days >= DRAIN_MIN_DAYS)
        & ((total_drop >= DRAIN_MIN_DROP) | (days >= DRAIN_MAX_DAYS))
    )
    first = enough & (enough.astype(int).groupby(by_device, sort=False).cumsum() == 1)
    rate = total_drop / total_hours.where(total_hours > 0)
    return _frozen(frame, [by_device], rate, first, enough)


# precision: a tenth of each indicator's failure limit (see indicators.INDICATORS)
MEDIANS = (
    MedianReference("amp_reference", "amp_median", "motor_day", 0.026),
    MedianReference("spin_reference", "spin_median", "spin_day", 0.018),
    MedianReference("cv_reference", "amp_cv", "motor_day", 0.015, relative=False),
    MedianReference("jitter_reference", "jitter_m", "gps_day", 0.23),
)


def recent_full_charge(frame: pd.DataFrame) -> pd.Series:
    """On each day with a full charge, the highest of the device's last CHARGE_EVENTS full
    charges within CHARGE_DAYS: one charge cut short does not count against the battery,
    and a fading cell shows within a charge or two."""
    charged = frame["charged_level"]
    events = frame.loc[charged.notna(), ["device_id", "day"]].assign(level=charged.dropna())
    by_device = events.groupby("device_id", sort=False)
    recent = [
        by_device["level"]
        .shift(back)
        .where(events["day"] - by_device["day"].shift(back) < pd.Timedelta(days=CHARGE_DAYS))
        for back in range(1, CHARGE_EVENTS)
    ]
    best = pd.concat([events["level"], *recent], axis=1).max(axis=1)
    return best.reindex(frame.index)


def charge_reference(frame: pd.DataFrame) -> pd.Series:
    """The highest charge of the device's first CHARGE_DAYS days, frozen after them
    (when it charged at least CHARGE_MIN_EVENTS times)."""
    device = frame["device_id"]
    first = frame["day"].groupby(device, sort=False).transform("min")
    early = frame["day"] < first + pd.Timedelta(days=CHARGE_DAYS)
    level = frame["charged_level"].where(early)
    events = level.notna().groupby(device, sort=False).transform("sum")
    best = level.groupby(device, sort=False).transform("max")
    return best.where(~early & (events >= CHARGE_MIN_EVENTS))


SITE_MEDIANS = (
    MedianReference("amp_site_reference", "amp_median", "motor_day", 0.026),
    MedianReference("spin_site_reference", "spin_median", "spin_day", 0.018),
)


def with_references(frame: pd.DataFrame, site: pd.Series) -> pd.DataFrame:
    """``frame`` (device-days in device, day order) with each frozen reference added.

    The motor's current depends on the material drilled, so besides the device's own
    reference each job site (``site``, None without a fix) gets one per device: the
    current at comparable load is the current at the same site.
    """
    out = frame.assign(
        motor_day=frame["drill_samples"].fillna(0) >= MIN_DRILL_SAMPLES,
        gps_day=frame["fix_steps"].fillna(0) >= MIN_FIX_STEPS,
        spin_day=frame["spin_samples"].fillna(0) >= MIN_DRILL_SAMPLES,
    )
    for spec in MEDIANS:
        out[spec.name] = median_reference(out, spec)
    at_site = out.assign(
        motor_day=out["motor_day"] & site.notna(), spin_day=out["spin_day"] & site.notna()
    )
    keys = [out["device_id"], site.fillna("")]
    for spec in SITE_MEDIANS:
        out[spec.name] = median_reference(at_site, spec, keys, (SITE_DAYS, MAX_SITE_DAYS))
    out["drain_reference"] = drain_reference(out)
    out["charge_reference"] = charge_reference(out)
    out["full_charge"] = recent_full_charge(out)
    return out.drop(columns=["motor_day", "gps_day", "spin_day"])


def reference_days(frame: pd.DataFrame) -> pd.Series:
    """Per row, how many of the device's references are frozen."""
    names = [spec.name for spec in MEDIANS] + ["drain_reference", "charge_reference"]
    return frame[names].notna().sum(axis=1).astype(np.int64)
