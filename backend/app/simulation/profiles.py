"""Who is in the simulated fleet: device ids, profiles, injected faults and usage habits."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

DAY = 86_400
PROFILES = ("normal", "hard_material", "no_gps_site", "late_join", "retired")
FAULTS = ("none", "motor", "battery", "gps", "radio")
NORMAL, HARD_MATERIAL, NO_GPS_SITE, LATE_JOIN, RETIRED = range(len(PROFILES))
NONE, MOTOR, BATTERY, GPS, RADIO = range(len(FAULTS))
FAULT_SHARE = 0.30
UNUSUAL_SHARE = 0.12
MAX_TAGS = 3
# Job sites fall in the same area as the field sample (Berlin and surroundings).
SITE_LAT = (52.30, 52.69)
SITE_LON = (13.10, 13.60)
NUMERIC = re.compile(r"\d+(e\d+)?")

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]


@dataclass(frozen=True)
class Fleet:
    """Per-device arrays (index = device) fixed for the whole window; times are epoch seconds."""

    start: int
    days: int
    device_ids: list[str]
    tag_ids: list[str]
    profile: Ints
    fault: Ints
    onset: Floats
    failure: Floats
    joined: Floats
    retired: Floats
    workday_prob: Floats
    sessions_mean: Floats
    duration_rows: Floats
    tag_prob: Floats
    n_tags: Ints
    drill_low: Floats
    drill_span: Floats
    drill_shape: Floats
    drain_rate: Floats
    charge_threshold: Floats
    charge_prob: Floats
    capacity: Floats

    @property
    def size(self) -> int:
        """Number of devices."""
        return len(self.device_ids)

    @property
    def end(self) -> int:
        """Epoch second at which the window closes."""
        return self.start + self.days * DAY

    @property
    def service_end(self) -> Floats:
        """When a device stops reporting: retired, or a motor/battery/radio failure."""
        silent = np.isin(self.fault, (MOTOR, BATTERY, RADIO))
        return np.minimum(self.retired, np.where(silent, self.failure, np.inf))

    def subset(self, part: slice) -> Fleet:
        """The devices in ``part`` (a contiguous block), as a smaller fleet."""
        arrays: dict[str, Any] = {
            f.name: getattr(self, f.name)[part]
            for f in fields(self)
            if isinstance(getattr(self, f.name), np.ndarray)
        }
        tags = slice(part.start * MAX_TAGS, part.stop * MAX_TAGS)
        return replace(self, device_ids=self.device_ids[part], tag_ids=self.tag_ids[tags], **arrays)


def build_fleet(devices: int, days: int, start: int, rng: np.random.Generator) -> Fleet:
    """Draw a fleet of ``devices`` devices for a window of ``days`` days starting at ``start``."""
    profile, fault = _assign_roles(devices, rng)
    onset, failure = _fault_timing(fault, days, start, rng)
    joined, retired = _service_window(profile, days, start, rng)
    hard = profile == HARD_MATERIAL
    return Fleet(
        start=start,
        days=days,
        device_ids=_device_ids(rng, devices),
        tag_ids=_mac_ids(rng, devices * MAX_TAGS),
        profile=profile,
        fault=fault,
        onset=onset,
        failure=failure,
        joined=joined,
        retired=retired,
        workday_prob=rng.uniform(0.82, 0.97, devices),
        sessions_mean=rng.uniform(2.0, 4.5, devices),
        duration_rows=np.exp(rng.normal(np.log(37.0), 0.2, devices)),
        tag_prob=rng.uniform(0.25, 0.55, devices),
        n_tags=rng.integers(1, MAX_TAGS + 1, devices),
        drill_low=np.where(hard, 6.4, 4.51),
        drill_span=np.where(hard, 2.6, rng.uniform(3.4, 3.9, devices)),
        drill_shape=np.where(hard, 4.0, 1.3),
        drain_rate=rng.uniform(1.0, 2.0, devices),
        charge_threshold=rng.uniform(55.0, 68.0, devices),
        charge_prob=rng.uniform(0.15, 0.40, devices),
        capacity=rng.uniform(85.0, 91.0, devices),
    )


def _assign_roles(devices: int, rng: np.random.Generator) -> tuple[Ints, Ints]:
    """Stratified roles so that even small fleets hold every fault and unusual kind."""
    n_fault = round(devices * FAULT_SHARE)
    n_unusual = min(round(devices * UNUSUAL_SHARE), devices - n_fault)
    fault_kinds = np.resize(rng.permutation([MOTOR, BATTERY, GPS, RADIO]), n_fault)
    unusual_kinds = np.resize(
        rng.permutation([HARD_MATERIAL, NO_GPS_SITE, LATE_JOIN, RETIRED]), n_unusual
    )
    n_rest = devices - n_fault - n_unusual
    fault = np.concatenate([fault_kinds, np.full(n_unusual + n_rest, NONE)])
    profile = np.concatenate([np.full(n_fault, NORMAL), unusual_kinds, np.full(n_rest, NORMAL)])
    order = rng.permutation(devices)
    return profile[order].astype(np.int64), fault[order].astype(np.int64)


def _fault_timing(
    fault: Ints, days: int, start: int, rng: np.random.Generator
) -> tuple[Floats, Floats]:
    """Onset inside the window's first half; failure 8-32 days later (maybe after the window)."""
    n = len(fault)
    onset = start + rng.uniform(0.10, 0.55, n) * days * DAY
    failure = onset + rng.uniform(8.0, 32.0, n) * DAY
    faulty = fault != NONE
    return np.where(faulty, np.round(onset), np.inf), np.where(faulty, np.round(failure), np.inf)


def _service_window(
    profile: Ints, days: int, start: int, rng: np.random.Generator
) -> tuple[Floats, Floats]:
    """Late joiners start, retired devices stop, at a midnight inside the window."""
    n = len(profile)
    join_day = np.floor(rng.uniform(0.25, 0.60, n) * days)
    retire_day = np.maximum(np.ceil(rng.uniform(0.40, 0.80, n) * days), 1)
    joined = np.where(profile == LATE_JOIN, start + join_day * DAY, float(start))
    retired = np.where(profile == RETIRED, start + retire_day * DAY, np.inf)
    return joined, retired


def _device_ids(rng: np.random.Generator, count: int) -> list[str]:
    """Distinct 8-hex-digit ids, like the sample's ``7a3f55e1``, that never read as numbers."""
    candidates = _hex_ids(rng, count + count // 8 + 16, 32)
    # "20817475" or "1234e567" would turn into numbers in a CSV reader that guesses types.
    return [i for i in candidates if NUMERIC.fullmatch(i) is None][:count]


def _hex_ids(rng: np.random.Generator, count: int, bits: int) -> list[str]:
    """Distinct random identifiers written as lower-case hex, ``bits // 4`` characters."""
    values = rng.choice(2**bits, size=count, replace=False)
    return [f"{int(value):0{bits // 4}x}" for value in values]


def _mac_ids(rng: np.random.Generator, count: int) -> list[str]:
    """Distinct BLE tag addresses in the sample's style, e.g. ``F4:12:FA:6C:9D:21``."""
    return [
        ":".join(h[i : i + 2] for i in range(0, 12, 2)).upper() for h in _hex_ids(rng, count, 48)
    ]
