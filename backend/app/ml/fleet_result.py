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
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from app.core import metrics
from app.ml.alerts.trajectory import COMPONENTS
from app.ml.preprocessing.data_validation import KEY
from app.ml.scoring_run import RunOutput, latest_mask

log = logging.getLogger("drillwatch.ml.processing")
STATUSES = ("healthy", "watch", "degraded", "critical", "insufficient_data")
INTERNALS = ("health_low", "health_high", "data_sufficiency", "silent_days", "baseline_days")


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
    """Rows as dicts of plain values, NaN as None, floats rounded to ``digits``."""
    if digits is not None:
        frame = frame.round(dict.fromkeys(frame.select_dtypes("number").columns, digits))
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


def _heads(output: RunOutput, latest: pd.DataFrame) -> dict[str, str]:
    columns = ["device_id", "day", "health_score", *COMPONENTS, "health_low", "health_high"]
    rounded = records(latest[columns], 2)
    confidence = latest["confidence"].round(4).to_numpy()
    status = latest["status"].to_numpy()
    heads = {}
    for row, conf, state in zip(rounded, confidence, status, strict=True):
        device = row["device_id"]
        explained = output.scores.explanations.get(device, {"factors": [], "findings": []})
        seen = output.last_seen.get(device)
        body = {
            "device_id": device,
            "day": row["day"].date().isoformat(),
            "health_score": row["health_score"],
            "component_scores": {c: row[c] for c in COMPONENTS},
            "confidence": float(conf),
            "confidence_interval": [row["health_low"], row["health_high"]],
            "status": str(state),
            "explanatory_factors": [_factor(f) for f in explained["factors"]],
            "findings": [_factor(f) for f in explained["findings"]],
            "model_version": output.model_version,
            "last_seen": iso_z(seen),
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
    rows = records(frame.rename(columns={"day": "date"}), 2)
    return _grouped(rows)


def _forecasts(output: RunOutput) -> dict[str, str]:
    if output.findings is None:
        return {}
    series = output.findings.series.rename(columns={"day": "date", "forecast": "health_score"})
    series = series.assign(date=pd.to_datetime(series["date"]).dt.strftime("%Y-%m-%d"))
    points = _grouped(records(series, 2))
    levels = ("alert", "medium", "high", "critical")
    frame = output.findings.forecast
    days = frame[[f"days_to_{n}" for n in levels]].replace([np.inf, -np.inf], np.nan).round(1)
    days_rows = records(days)
    labels = records(frame[[f"timeframe_{n}" for n in levels]])
    slopes = records(frame[["slope", "forecast_health", "forecast_lower", "forecast_upper"]], 2)
    result = {}
    for device, d, t, s in zip(frame["device_id"], days_rows, labels, slopes, strict=True):
        body = {
            "horizon_days": int(frame["horizon_days"].iloc[0]),
            "slope_per_day": s["slope"],
            "health_at_horizon": s["forecast_health"],
            "interval_at_horizon": [s["forecast_lower"], s["forecast_upper"]],
            "days_to_threshold": {n: d[f"days_to_{n}"] for n in levels},
            "timeframe": {n: t[f"timeframe_{n}"] for n in levels},
        }
        encoded = dumps(body)[:-1]
        result[str(device)] = encoded + ',"series":[' + ",".join(points.get(device, [])) + "]}"
    return result


def _debug(output: RunOutput, latest: pd.DataFrame) -> dict[str, str]:
    features = output.scores.latest
    numeric = [c for c in features.columns if c not in KEY]
    feature_rows = dict(zip(features["device_id"], records(features[numeric], 6), strict=True))
    internal = [
        c for c in latest.columns if c.startswith("excess_") or c.endswith(("_low", "_high"))
    ]
    internal += [c for c in INTERNALS if c not in internal]
    internals = records(latest[[*internal, "silence_unexplained"]], 4)
    return {
        device: dumps({"features": feature_rows.get(device, {}), "internals": row})
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


def build_result(output: RunOutput, key: RunKey, seconds: float) -> FleetResult:
    """Shape ``output`` for serving; ``seconds`` is the run's wall time."""
    scored = output.scores.scored
    latest = (
        scored[latest_mask(scored)].sort_values("device_id").reset_index(drop=True)
        if not scored.empty
        else scored
    )
    report = output.quality
    created = sum(1 for c in output.changes if c.action == "created")
    return FleetResult(
        key=key,
        as_of=output.as_of,
        computed_at=datetime.now(UTC),
        model_version=output.model_version,
        heads=_heads(output, latest) if len(latest) else {},
        trends=_trends(scored) if len(latest) else {},
        forecasts=_forecasts(output),
        debug=_debug(output, latest) if len(latest) else {},
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
        fleet=fleet_summary(latest) if len(latest) else fleet_summary(_empty_latest()),
        alerts={"created": created, "updated": len(output.changes) - created},
    )


def log_run(result: FleetResult) -> None:
    """The ``scoring_run ... processing_time=`` line of logs/ml/processing.log."""
    t, p = result.timings, result.processing
    metrics.SCORING_SECONDS.observe(t["total"] / 1000)
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
