"""Physical parts of a pod and its machine: motor current, pod battery, GPS, radio, tags."""

from __future__ import annotations

import numpy as np

from app.scenarios.draws import Bools


def present_names(present: dict[str, Bools]) -> list[list[str]]:
    """Per device, the names whose mask is set (how each device's fault shows)."""
    if not present:
        return []
    flags = np.column_stack(list(present.values()))
    names = list(present)
    return [[names[i] for i in np.flatnonzero(row)] for row in flags]
