"""A run's output shaped for the API once, so cached requests only join JSON fragments.

Per device the result keeps its JSON object without the closing brace (``heads``),
its daily trend entries, forecast and debug internals as encoded JSON; a request
for 1,000 devices then costs string joins, not serialisation.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from app.core import metrics
from app.ml.alerts.findings import moment_after
from app.ml.config import COMPONENTS, MLConfig
from app.ml.models.explanations import findings_for
from app.ml.models.forecast import SERIES_DAYS, days_below, projected
from app.ml.models.scoring import STATUSES
from app.ml.runs.scoring import RunOutput

log = logging.getLogger("drillwatch.ml.processing")
KEY = ["device_id", "day"]
INTERNAL_KEYS = ("level", "sd", "slope", "p_fail", "p_now", "p_gone", "days")


@dataclass(frozen=True)
class RunKey:
    """What a result depends on: the data, the model and the settings."""

    data_version: str
    model_version: str
    model_sha256: str
    settings: str


@dataclass
class FleetResult:
    """The latest scores of every device, ready to serve."""

    key: RunKey
    as_of: datetime | None
    computed_at: datetime
    model_version: str
    heads: dict[str, str]
    trends: dict[str, list[str]]
    forecasts: dict[str, str]
    debug: dict[str, str]
    quality: dict[str, Any]
    processing: dict[str, Any]
    timings: dict[str, float]
    fleet: dict[str, Any]
    alerts: dict[str, int] = field(default_factory=dict)
    integrity: list[dict[str, Any]] = field(default_factory=list)

    @property
    def devices(self) -> list[str]:
        """Device ids, sorted."""
        return list(self.heads)

    def device_json(self, device: str, trends: bool, days: int, debug: bool) -> str:
        """One device's JSON object, with the optional parts asked for."""
        parts = [self.heads[device]]
        if trends:
            parts.append(',"trend":[' + ",".join(self.trends[device][-days:]) + "]")
            parts.append(',"forecast":' + self.forecasts.get(device, "null"))
        if debug:
            parts.append(',"debug":' + self.debug[device])
        parts.append("}")
        return "".join(parts)

    def body(
        self, devices: list[str], metadata: dict[str, Any], trends: bool, days: int, debug: bool
    ) -> str:
        """The health-scores response: the devices' objects and the metadata, as JSON."""
        items = ",".join(self.device_json(d, trends, days, debug) for d in devices)
        return '{"data":[' + items + '],"metadata":' + dumps(metadata) + "}"


def iso_z(moment: datetime | None) -> str | None:
    """UTC time as ``2025-08-26T10:30:00Z`` (naive values are UTC)."""
    if moment is None or pd.isna(moment):
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat() + "Z"


def records(frame: pd.DataFrame, digits: int | None = None) -> list[dict[str, Any]]:
    """Rows as dicts of plain values, NaN/inf as None, floats rounded to ``digits``."""
    numbers = frame.select_dtypes("number").columns
    frame = frame.assign(**{c: frame[c].replace([np.inf, -np.inf], np.nan) for c in numbers})
    if digits is not None:
        frame = frame.round(dict.fromkeys(numbers, digits))
    cleaned = frame.astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in cleaned.to_dict("records")]


def dumps(value: Any) -> str:
    """Compact JSON (numpy scalars and dates as plain values)."""
    return json.dumps(value, separators=(",", ":"), default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, datetime):
        return iso_z(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def _factor(raw: dict[str, Any]) -> dict[str, Any]:
    factor = {k: v for k, v in raw.items() if k != "sentence"}
    factor["description"] = raw.get("sentence", "")
    return factor


def _episodes(collisions: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """Collision episodes per device, as data-integrity evidence."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in records(collisions, 1):
        device = str(row.pop("device_id"))
        row["start_ts"], row["end_ts"] = iso_z(row["start_ts"]), iso_z(row["end_ts"])
        row["sentence"] = (
            f"A second pod reported under this id from {row['start_ts']} to {row['end_ts']} "
            f"({row['intruder_rows']} rows, its own counter {row['intruder_seq_from']}.."
            f"{row['intruder_seq_to']}, {(row['distance_m'] or 0) / 1000:.1f} km away, battery "
            f"{row['intruder_battery']} % against {row['own_battery']} %). Its rows are kept "
            "but left out of this device's health and sessions."
        )
        grouped.setdefault(device, []).append(row)
    return grouped


def predicted_failure(row: pd.Series) -> dict[str, Any] | None:
    """The component closest to failing, with its probability and predicted dates."""
    odds = [float(row[f"{c}_p_fail"]) for c in COMPONENTS]
    name = COMPONENTS[int(np.argmax(odds))]
    base = row.get("last_seen")
    at = moment_after(base, row[f"{name}_days"])
    if at is None:
        return None
    return {
        "component": name,
        "probability": round(max(odds), 4),
        "at": iso_z(at),
        "earliest": iso_z(moment_after(base, row[f"{name}_days_early"])),
        "latest": iso_z(moment_after(base, row[f"{name}_days_late"])),
    }


def _heads(output: RunOutput, latest: pd.DataFrame) -> dict[str, str]:
    episodes = _episodes(output.collisions)
    rounded = records(
        latest[["device_id", "day", "health_score", *COMPONENTS, "health_low", "health_high"]], 2
    )
    heads = {}
    for (_, row), values in zip(latest.iterrows(), rounded, strict=True):
        device = str(row["device_id"])
        factors = output.scores.factors.get(device, [])
        body = {
            "device_id": device,
            "day": pd.Timestamp(row["day"]).date().isoformat(),
            "health_score": values["health_score"],
            "component_scores": {c: values[c] for c in COMPONENTS},
            "confidence": round(float(row["confidence"]), 4),
            "confidence_interval": [values["health_low"], values["health_high"]],
            "status": str(row["status"]),
            "worst_component": row["worst_component"],
            "predicted_failure": predicted_failure(row),
            "explanatory_factors": [_factor(f) for f in factors],
            "findings": [_factor(f) for f in findings_for(row, episodes.get(device, []))],
            "model_version": output.model_version,
            "last_seen": iso_z(row["last_seen"]),
        }
        heads[device] = dumps(body)[:-1]
    return heads


def _grouped(rows: Iterable[dict[str, Any]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for row in rows:
        device = row.pop("device_id")
        grouped.setdefault(device, []).append(dumps(row))
    return grouped


def _trends(scored: pd.DataFrame) -> dict[str, list[str]]:
    frame = scored[[*KEY, "health_score", *COMPONENTS, "confidence", "status"]]
    frame = frame.sort_values(KEY, kind="stable")
    frame = frame.assign(day=frame["day"].dt.strftime("%Y-%m-%d"))
    return _grouped(records(frame.rename(columns={"day": "date"}), 2))


def _forecasts(latest: pd.DataFrame, config: MLConfig) -> dict[str, str]:
    series = projected(latest, config)
    now = latest["health_score"].to_numpy(float)
    names = config.thresholds.named()
    days = {n: days_below(series["mid"], now, t) for n, t in names.items()}
    result = {}
    for i, (_, row) in enumerate(latest.iterrows()):
        start = pd.Timestamp(row["day"]).date()
        points = [
            {
                "date": (start + timedelta(days=h + 1)).isoformat(),
                "health_score": round(float(series["mid"][i, h]), 2),
                "lower": round(float(series["low"][i, h]), 2),
                "upper": round(float(series["high"][i, h]), 2),
            }
            for h in range(SERIES_DAYS)
        ]
        to = {n: (None if np.isnan(d[i]) else float(d[i])) for n, d in days.items()}
        horizon = config.alerts.horizon_days - 1
        body = {
            "horizon_days": config.alerts.horizon_days,
            "slope_per_day": round(float(series["mid"][i, 1] - series["mid"][i, 0]), 3),
            "health_at_horizon": round(float(series["mid"][i, horizon]), 2),
            "interval_at_horizon": [
                round(float(series["low"][i, horizon]), 2),
                round(float(series["high"][i, horizon]), 2),
            ],
            "days_to_threshold": to,
            "timeframe": {n: _label(v, start) for n, v in to.items()},
            "predicted_failure": predicted_failure(row),
            "series": points,
        }
        result[str(row["device_id"])] = dumps(body)
    return result


def _label(days: float | None, start: date) -> str | None:
    if days is None:
        return None
    if days == 0:
        return "now"
    return f"around {(start + timedelta(days=int(days))).isoformat()}"


def _debug(output: RunOutput, latest: pd.DataFrame) -> dict[str, str]:
    frame = output.frame
    last_day = frame.groupby("device_id", sort=False).tail(1)
    numeric = list(last_day.select_dtypes("number").columns)
    features = dict(zip(last_day["device_id"], records(last_day[numeric], 6), strict=True))
    internal = [f"{c}_{k}" for c in COMPONENTS for k in INTERNAL_KEYS]
    internal += [
        "offline_probability",
        "failure_signs_probability",
        "silent_days",
        "silence_surprise",
        "active_days",
    ]
    internals = records(latest[internal], 4)
    return {
        str(device): dumps({"features": features.get(device, {}), "internals": row})
        for device, row in zip(latest["device_id"], internals, strict=True)
    }


def fleet_summary(latest: pd.DataFrame) -> dict[str, Any]:
    """Devices per status and the distribution of current health."""
    counts = latest["status"].value_counts()
    health = latest["health_score"].dropna()
    quantiles = health.quantile([0.1, 0.5, 0.9]).round(2).tolist() if len(health) else [None] * 3
    return {
        "devices": len(latest),
        "by_status": {s: int(counts.get(s, 0)) for s in STATUSES},
        "health": {
            "mean": round(float(health.mean()), 2) if len(health) else None,
            "p10": quantiles[0],
            "median": quantiles[1],
            "p90": quantiles[2],
            "min": round(float(health.min()), 2) if len(health) else None,
        },
        "mean_confidence": round(float(latest["confidence"].mean()), 4) if len(latest) else None,
    }


def build_result(output: RunOutput, key: RunKey, seconds: float, config: MLConfig) -> FleetResult:
    """Shape ``output`` for serving; ``seconds`` is the run's wall time."""
    latest = output.scores.latest
    if len(latest):
        latest = latest.sort_values("device_id").reset_index(drop=True)
    report = output.quality
    created = sum(1 for c in output.changes if c.action == "created")
    empty = latest.empty
    return FleetResult(
        key=key,
        as_of=output.as_of,
        computed_at=datetime.now(UTC),
        model_version=output.model_version,
        heads={} if empty else _heads(output, latest),
        trends={} if empty else _trends(output.scores.scored),
        forecasts={} if empty else _forecasts(latest, config),
        debug={} if empty else _debug(output, latest),
        quality={
            "feature_quality": round(report.feature_quality, 4),
            "extraction_success_rate": round(report.extraction_success_rate, 4),
            "missing_data_share": round(report.missing_data_share, 4),
            "devices": report.devices,
            "rows": report.rows,
        },
        processing=output.scores.processing,
        timings={k: round(v * 1000, 1) for k, v in output.timings.items()}
        | {"total": round(seconds * 1000, 1)},
        fleet=fleet_summary(latest if not empty else _empty_latest()),
        alerts={"created": created, "updated": len(output.changes) - created},
        integrity=[
            {"device_id": device, **episode}
            for device, episodes in _episodes(output.collisions).items()
            for episode in episodes
        ],
    )


def log_run(result: FleetResult) -> None:
    """The ``scoring_run ... processing_time=`` line of logs/ml/processing.log."""
    t, p = result.timings, result.processing
    metrics.SCORING_SECONDS.observe(t["total"] / 1000)
    if t.get("scoring") is not None:
        metrics.HEALTH_SCORING_SECONDS.observe(t["scoring"] / 1000)
    log.info(
        "scoring_run as_of=%s model_version=%s devices=%s batches=%s workers=%s "
        "processing_time=%.3f features_ms=%s scoring_ms=%s alerts_ms=%s "
        "alerts_created=%d alerts_updated=%d",
        iso_z(result.as_of),
        result.model_version,
        p.get("devices", 0),
        p.get("batches", 0),
        ",".join(p.get("workers", [])),
        t["total"] / 1000,
        t.get("features"),
        t.get("scoring"),
        t.get("alerts"),
        result.alerts.get("created", 0),
        result.alerts.get("updated", 0),
    )


def _empty_latest() -> pd.DataFrame:
    return pd.DataFrame({"status": pd.Series(dtype=str), "health_score": [], "confidence": []})
