"""Commissioning references and the recent full charge they are compared with."""

from __future__ import annotations

import numpy as np
import pandas as pd

from app.ml.models.references import recent_full_charge


def charges(levels: dict[str, list[float | None]]) -> pd.DataFrame:
    """One row per device and day from 2025-03-01, ``charged_level`` as given (None: no charge)."""
    rows = [
        {
            "device_id": device,
            "day": pd.Timestamp("2025-03-01") + pd.Timedelta(days=i),
            "charged_level": level,
        }
        for device, values in levels.items()
        for i, level in enumerate(values)
    ]
    return pd.DataFrame(rows).astype({"charged_level": float})


def test_a_full_charge_reads_as_the_best_of_the_last_two_within_two_weeks() -> None:
    frame = charges(
        {
            # a charge cut short (80) is covered by the one before;
            # a fading cell shows at its second low charge
            "fading": [100, None, 80, None, 100, 75, 72, None],
            # the earlier charge is over two weeks old: the day's own charge stands alone
            "rare": [100] + [None] * 14 + [70],
        }
    )
    full = recent_full_charge(frame)
    fading = full[frame["device_id"] == "fading"].to_numpy()
    np.testing.assert_array_equal(fading, [100, np.nan, 100, np.nan, 100, 100, 75, np.nan])
    rare = full[frame["device_id"] == "rare"].to_numpy()
    assert (rare[0], rare[-1]) == (100, 70)
    assert np.isnan(rare[1:-1]).all()
