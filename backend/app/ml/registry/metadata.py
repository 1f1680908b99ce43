"""What an artifact's metadata records: training data, features, metrics, settings."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from app.core.config import Settings
from app.core.errors import BadInput
from app.db.base import utcnow

SNAPSHOT_PREFIXES = ("ml_", "feature_", "alert_")
SNAPSHOT_SUFFIXES = ("_weight", "_threshold")
SNAPSHOT_EXTRA = frozenset({"session_max_gap_seconds"})


def settings_snapshot(settings: Settings) -> dict[str, Any]:
    """The settings that shape a model (ML, features, weights, thresholds); no secrets."""
    values = settings.model_dump(mode="json")
    return {
        name: value
        for name, value in sorted(values.items())
        if not name.endswith("_path")
        and (
            name.startswith(SNAPSHOT_PREFIXES)
            or name.endswith(SNAPSHOT_SUFFIXES)
            or name in SNAPSHOT_EXTRA
        )
    }


def build_metadata(settings: Settings, metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    """Caller metadata (training_data, features, metrics, ...) plus created_at and settings."""
    document = dict(metadata or {})
    document["features"] = list(document.get("features") or [])
    for key in ("metrics", "training_data"):
        document.setdefault(key, {})
        if not isinstance(document[key], Mapping):
            raise BadInput(f"metadata {key} must be a mapping", field=f"metadata.{key}")
    document["created_at"] = utcnow().isoformat()
    document["settings"] = settings_snapshot(settings)
    return document


def created_at(sidecar: Mapping[str, Any]) -> datetime:
    """The artifact's creation time from its sidecar (now, if absent or unreadable)."""
    try:
        parsed = datetime.fromisoformat(str(sidecar.get("created_at")))
    except ValueError:
        return utcnow()
    return parsed if parsed.tzinfo is not None else utcnow()


def row_details(sidecar: Mapping[str, Any]) -> dict[str, Any]:
    """The sidecar as stored in the registry row (everything but the signature)."""
    return {key: value for key, value in sidecar.items() if key != "signature"}


def optional_float(value: Any) -> float | None:
    """``value`` as a float when it is a number, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
