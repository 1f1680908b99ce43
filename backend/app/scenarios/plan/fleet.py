"""The pods: ids, confounder profiles, homes and seq counters.

Profiles are handed out to pods of the family's confounder shares, preferring healthy
pods: a faulty pod carries a confounder with probability 0-0.5 (per run), so false
alarms on confounded healthy pods and misses on confounded faulty ones are measurable.
Seq counters start at 0-20,000 (new pods at 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.scenarios.draws import Bools, Draws, Floats, Ints
from app.scenarios.plan.sites import LAT_RANGE, LON_RANGE

NUMERIC_SAFE = set("abcdf")


@dataclass(frozen=True)
class Pods:
    """Per pod: id, profile, home and first seq."""

    ids: list[str]
    profile: np.ndarray
    home_lat: Floats
    home_lon: Floats
    seq0: Ints

    def has(self, *profiles: str) -> Bools:
        """Pods carrying any of ``profiles``."""
        return np.isin(self.profile, list(profiles))


def device_ids(rng: np.random.Generator, n: int) -> list[str]:
    """Distinct 8-hex-digit ids that never read as a number (a letter other than e)."""
    ids: list[str] = []
    seen: set[str] = set()
    while len(ids) < n:
        for value in rng.integers(0, 2**32, n).tolist():
            text = f"{value:08x}"
            if NUMERIC_SAFE & set(text) and text not in seen and len(ids) < n:
                seen.add(text)
                ids.append(text)
    return ids


def assign_profiles(
    d: Draws, rng: np.random.Generator, shares: dict[str, float], faulty: Bools
) -> np.ndarray:
    """One profile per pod: the family's confounders by share, ``normal`` for the rest."""
    n = faulty.size
    carry = d.uniform("faulty_confounded_share", 0.0, 0.5)
    order = np.argsort(rng.random(n) + np.where(faulty & (rng.random(n) >= carry), 1.0, 0.0))
    profile = np.full(n, "normal", dtype=object)
    taken = 0
    for name, share in shares.items():
        count = min(round(share * n), n - taken)
        profile[order[taken : taken + count]] = name
        taken += count
    return profile


def make_pods(rng: np.random.Generator, profile: np.ndarray) -> Pods:
    """Ids, homes and seq counters for pods with the given profiles."""
    n = profile.size
    return Pods(
        ids=device_ids(rng, n),
        profile=profile,
        home_lat=rng.uniform(*LAT_RANGE, n),
        home_lon=rng.uniform(*LON_RANGE, n),
        seq0=np.where(profile == "new_pod", 0, rng.integers(0, 20_001, n)).astype(np.int64),
    )
