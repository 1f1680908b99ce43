"""Seeded random draws that remember every run parameter and the range it came from.

Every family draws its run parameters through :class:`Draws`, so scenario.json can list
each value beside its range; per-device arrays are summarised (min, median, max) there.
Each concern gets its own random stream (``stream``) so that one part drawing more numbers
never shifts another part's numbers.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent generator for one concern of one run (stable across Python runs)."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


class Draws:
    """Run-level draws from wide ranges, recorded as ``name -> {value, range}``."""

    def __init__(self, seed: int, name: str = "params") -> None:
        self.rng = stream(seed, name)
        self.params: dict[str, dict[str, Any]] = {}
        self.devices: dict[str, dict[str, float]] = {}

    def uniform(self, name: str, low: float, high: float) -> float:
        """A float drawn uniformly from [low, high]."""
        value = float(self.rng.uniform(low, high)) if high > low else float(low)
        self.params[name] = {"value": round(value, 6), "range": _rounded(low, high)}
        return value

    def integer(self, name: str, low: int, high: int) -> int:
        """An integer drawn uniformly from [low, high], both included."""
        value = int(self.rng.integers(low, high + 1)) if high > low else int(low)
        self.params[name] = {"value": value, "range": [low, high]}
        return value

    def choice(self, name: str, options: Sequence[str]) -> str:
        """One of ``options``, each equally likely."""
        value = str(options[int(self.rng.integers(len(options)))])
        self.params[name] = {"value": value, "options": list(options)}
        return value

    def weights(self, name: str, keys: Sequence[str], concentration: float = 2.0) -> list[float]:
        """Random shares over ``keys`` summing to 1 (Dirichlet); keeps the keys' order."""
        shares = self.rng.dirichlet(np.full(len(keys), concentration)) if keys else np.zeros(0)
        self.params[name] = {
            "value": {k: round(float(s), 4) for k, s in zip(keys, shares, strict=True)},
            "range": "dirichlet",
        }
        return [float(s) for s in shares]

    def fixed(self, name: str, value: Any) -> Any:
        """A value the family sets without drawing (still listed in scenario.json)."""
        self.params[name] = {"value": value}
        return value

    def summarise(self, name: str, values: npt.ArrayLike) -> None:
        """Record a per-device draw as its min, median and max."""
        array = np.asarray(values, dtype=np.float64)
        array = array[np.isfinite(array)]
        if array.size == 0:
            self.devices[name] = {"count": 0}
            return
        self.devices[name] = {
            "count": int(array.size),
            "min": round(float(array.min()), 4),
            "median": round(float(np.median(array)), 4),
            "max": round(float(array.max()), 4),
        }


def _rounded(low: float, high: float) -> list[float]:
    return [round(float(low), 6), round(float(high), 6)]
