"""CSV exports with the dashboard's filters, streamed in chunks.

Sessions are written by DuckDB itself (COPY) into a scratch file beside the store (never
/tmp; a killed server's is removed at the next start) that is streamed and then removed;
the ML exports are small frames (one row per device or alert) written with pandas, chunk
by chunk.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from app.ml.alerts.predictive_alerts import MAX_PAGE_SIZE
from app.ml.services import MLService
from app.services import fleet, urgency
from app.services.sessions import Scope, resolve_scope
from app.storage import analytics as analytics_repo
from app.storage import fleet as fleet_repo
from app.storage import sessions as sessions_repo
from app.storage.duckdb import TelemetryStore
from app.storage.scratch import new_scratch_path, scratch_root_of

CHUNK_BYTES = 64 * 1024
CHUNK_ROWS = 2000
COMPONENTS = ("current_stability", "battery_performance", "gps_reliability", "telemetry_quality")
ALERT_COLUMNS = (
    "alert_id",
    "device_id",
    "kind",
    "severity",
    "status",
    "predicted_issue_type",
    "predicted_failure_at",
    "predicted_earliest_at",
    "predicted_latest_at",
    "evidence_at",
    "confidence",
    "health_score",
    "recommended_actions",
    "created_at",
    "acknowledged_by",
    "acknowledged_at",
    "resolved_by",
    "resolved_at",
    "outcome",
)


def sessions_csv(
    store: TelemetryStore, scope: Scope, sort: str, descending: bool
) -> Iterator[bytes]:
    """The scope's sessions as CSV, in the list's order; DuckDB writes, we stream the file."""
    order = sessions_repo.session_order(sort, descending)
    target = new_scratch_path(scratch_root_of(store.path), ".sessions.csv")
    try:
        with store.connect() as conn:
            fleet_repo.copy_sessions_csv(conn, resolve_scope(conn, scope), order, target)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return _stream_file(target)


def _stream_file(path: Path) -> Iterator[bytes]:
    try:
        with path.open("rb") as source:
            while chunk := source.read(CHUNK_BYTES):
                yield chunk
    finally:
        path.unlink(missing_ok=True)


def _stream_frame(frame: pd.DataFrame) -> Iterator[bytes]:
    """``frame`` as CSV: the header, then CHUNK_ROWS rows at a time."""
    yield frame.head(0).to_csv(index=False).encode()
    for start in range(0, len(frame), CHUNK_ROWS):
        chunk = frame.iloc[start : start + CHUNK_ROWS]
        yield chunk.to_csv(index=False, header=False, date_format="%Y-%m-%dT%H:%M:%SZ").encode()


def _status_frame(store: TelemetryStore, ml: MLService | None) -> pd.DataFrame:
    rows = fleet.fleet_status(store, ml).devices
    frame = pd.DataFrame(
        {
            "device_id": [r.device_id for r in rows],
            "status": [r.status for r in rows],
            "model_status": [r.model_status for r in rows],
            "health_score": [r.health_score for r in rows],
            "reason": [r.reason for r in rows],
            "predicted_failure_at": [r.predicted_failure_at for r in rows],
            "alert_severity": [r.alert.severity if r.alert else None for r in rows],
            "alert_status": [r.alert.status if r.alert else None for r in rows],
            "acknowledged_by": [r.alert.acknowledged_by if r.alert else None for r in rows],
            "unresolved_alerts": [r.open_alerts for r in rows],
        }
    )
    return frame


def keep(
    frame: pd.DataFrame, search: str, statuses: Sequence[str], alert: str | None
) -> pd.DataFrame:
    """Rows whose device id contains ``search``, whose status is one of ``statuses`` (any when
    empty), and whose alert state matches ``alert`` (open, acknowledged, any, none)."""
    mask = pd.Series(True, index=frame.index)
    if search.strip():
        mask &= frame["device_id"].str.contains(search.strip(), case=False, regex=False)
    if statuses:
        mask &= frame["status"].isin(list(statuses))
    if alert in ("open", "acknowledged"):
        mask &= frame["alert_status"] == alert
    elif alert == "any":
        mask &= frame["alert_status"].notna()
    elif alert == "none":
        mask &= frame["alert_status"].isna()
    return frame[mask]


def devices_csv(
    store: TelemetryStore,
    ml: MLService | None,
    search: str,
    statuses: Sequence[str],
    alert: str | None,
) -> Iterator[bytes]:
    """Every device's activity with its shown status, health and top alert."""
    with store.connect() as conn:
        summaries, _ = analytics_repo.device_summaries(conn, None, 10**9, 0)
    activity = pd.DataFrame(summaries)
    merged = _status_frame(store, ml).merge(activity, on="device_id", how="left")
    return _stream_frame(keep(merged, search, statuses, alert))


def health_csv(
    store: TelemetryStore,
    ml: MLService | None,
    search: str,
    statuses: Sequence[str],
    alert: str | None,
) -> Iterator[bytes]:
    """Every scored device: shown status, health, components, confidence and top factor."""
    snapshot = fleet.ml_snapshot(ml)
    scores = pd.DataFrame(
        {
            "device_id": [d["device_id"] for d in snapshot.devices],
            "confidence": [d["confidence"] for d in snapshot.devices],
            "worst_component": [d.get("worst_component") for d in snapshot.devices],
            "last_seen": [d.get("last_seen") for d in snapshot.devices],
            **{c: [d["component_scores"][c] for d in snapshot.devices] for c in COMPONENTS},
        }
    )
    merged = _status_frame(store, ml).merge(scores, on="device_id", how="inner")
    return _stream_frame(keep(merged, search, statuses, alert))


def alerts_csv(
    ml: MLService, severity: str | None, status: str | None, device_id: str | None
) -> Iterator[bytes]:
    """Every alert matching the alert list's filters, newest first."""
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        items, total = ml.alerts.list_alerts(MAX_PAGE_SIZE, page, device_id, severity, status)
        found += [vars(item) for item in items]
        if page * MAX_PAGE_SIZE >= total:
            break
        page += 1
    frame = pd.DataFrame(found, columns=list(ALERT_COLUMNS))
    frame["recommended_actions"] = frame["recommended_actions"].str.join("; ")
    implied = frame["severity"].map(urgency.SEVERITY_STATUS)
    frame.insert(4, "shown_status", implied.where(frame["kind"] != "offline", urgency.OFFLINE))
    return _stream_frame(frame)
