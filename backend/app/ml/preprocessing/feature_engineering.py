"""Feature engineering: the daily evidence frame from telemetry, and per-session features.

``MLFeatureService`` computes the device-day evidence frame set-based in DuckDB (see
``evidence``) over the store's history and caches it (see ``cache``); the frame
carries every device's frozen references, so it always starts at the device's first
day. ``FeatureEngineer`` turns session dicts (``DataProcessor().get_sessions()``) into
one feature dict per session, as the operations guide's snippet expects.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from app.core.config import Settings, get_settings
from app.ml.config import MLConfig
from app.ml.preprocessing.cache import FeatureCache, cache_key
from app.ml.preprocessing.data_validation import (
    FeatureQualityReport,
    as_of_timestamp,
    checked_days,
    checked_device_ids,
    normalised,
    quality_report,
)
from app.ml.preprocessing.evidence import (
    HISTORY_DAYS,
    collisions_sql,
    evidence_frame,
    evidence_sql,
)
from app.storage.duckdb import TelemetryStore, threads_within_memory

log = logging.getLogger("drillwatch.ml.processing")

VERSION_SQL = """SELECT (SELECT coalesce(max(ingest_id), 0) FROM ingests),
    (SELECT count(*) FROM ingests), (SELECT count(*) FROM telemetry),
    (SELECT count(*) FROM quarantine)"""


@dataclass(frozen=True)
class FeatureExtraction:
    """An evidence frame with its quality report and how it was obtained."""

    frame: pd.DataFrame
    report: FeatureQualityReport
    as_of: datetime | None
    cache_hit: bool
    processing_time: float


def data_version(conn: duckdb.DuckDBPyConnection) -> str:
    """Changes whenever telemetry is ingested, added or quarantined."""
    row = conn.execute(VERSION_SQL).fetchone()
    return ":".join(str(v) for v in row or ())


class MLFeatureService:
    """The fleet's daily evidence frame up to a moment, cached under ML_CACHE_PATH."""

    def __init__(
        self,
        store: TelemetryStore | None,
        settings: Settings | None = None,
        cache: FeatureCache | None = None,
        config: MLConfig | None = None,
    ) -> None:
        self.store = store
        self.settings = settings if settings is not None else get_settings()
        self.config = config or MLConfig.from_settings(self.settings)
        self.cache = cache if cache is not None else FeatureCache.from_settings(self.settings)

    def daily_features(
        self,
        conn: duckdb.DuckDBPyConnection | None = None,
        as_of: datetime | date | None = None,
        device_ids: Sequence[str] | None = None,
        days: int | None = None,
    ) -> pd.DataFrame:
        """One row per (device_id, day) for the ``days`` days up to ``as_of``
        (default FEATURE_WINDOW_SIZE)."""
        ids = checked_device_ids(device_ids)
        out_days = checked_days(days, self.config.window_days)
        extraction = self.extract(conn, as_of)
        frame = extraction.frame
        if frame.empty:
            return frame
        last = frame["day"].max()
        keep = frame["day"] > last - pd.Timedelta(days=out_days)
        if ids is not None:
            keep &= frame["device_id"].isin(ids)
        result: pd.DataFrame = frame[keep].reset_index(drop=True)
        return result

    def device_features(
        self,
        conn: duckdb.DuckDBPyConnection | None = None,
        as_of: datetime | date | None = None,
        device_ids: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """The latest row (the ``as_of`` day) of each device."""
        frame = self.daily_features(conn, as_of, device_ids, days=1)
        return frame.groupby("device_id", sort=True).tail(1).reset_index(drop=True)

    def extract(
        self, conn: duckdb.DuckDBPyConnection | None = None, as_of: datetime | date | None = None
    ) -> FeatureExtraction:
        """The evidence frame over the history up to ``as_of``; from the cache when fresh."""
        started = time.perf_counter()
        with self._connection(conn) as db:
            stamp = self._resolve_as_of(db, as_of_timestamp(as_of))
            key = self._key(db, stamp)
            lookup = self.cache.get(key)
            if lookup.frame is not None:
                frame = normalised(lookup.frame)
            else:
                frame = self._query(db, stamp)
                self.cache.put(key, frame)
        report = quality_report(frame)
        elapsed = time.perf_counter() - started
        outcome = "cache_hit" if lookup.hit else f"cache_miss reason={lookup.reason}"
        log.info(
            "feature_engineering daily_features as_of=%s period=%s window=%d %s "
            "processing_time=%.3f %s",
            stamp.isoformat() if stamp else None,
            self.config.period,
            self.config.window_days,
            outcome,
            elapsed,
            report.log_fields(),
        )
        return FeatureExtraction(frame, report, stamp, lookup.hit, elapsed)

    def collisions(
        self, conn: duckdb.DuckDBPyConnection, as_of: datetime | None, days: int
    ) -> pd.DataFrame:
        """Episodes of two pods under one device id that ended in the last ``days`` days."""
        stamp = as_of or datetime.now()
        params = {
            "as_of": stamp,
            "read_start": stamp - timedelta(days=days + 1),
            "since": stamp - timedelta(days=days),
        }
        return conn.execute(collisions_sql(self.config), params).df()

    @contextmanager
    def _connection(
        self, conn: duckdb.DuckDBPyConnection | None
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        if conn is not None:
            yield conn
            return
        if self.store is None:
            raise ValueError("MLFeatureService needs a store or a connection")
        with self.store.connect() as own:
            yield own

    def _resolve_as_of(
        self, conn: duckdb.DuckDBPyConnection, as_of: datetime | None
    ) -> datetime | None:
        """The given time, else the store's latest sample."""
        if as_of is not None:
            return as_of
        row = conn.execute("SELECT max(ts) FROM telemetry").fetchone()
        return row[0] if row else None

    def _key(self, conn: duckdb.DuckDBPyConnection, as_of: datetime | None) -> str:
        sql = evidence_sql(self.config)
        return cache_key(
            kind="evidence",
            data_version=data_version(conn),
            as_of=as_of.isoformat() if as_of else None,
            window=self.config.window_days,
            period=str(self.config.period),
            gap=self.config.session_gap_s,
            sql=hashlib.sha256(sql.encode()).hexdigest(),
        )

    def _query(self, conn: duckdb.DuckDBPyConnection, as_of: datetime | None) -> pd.DataFrame:
        if as_of is None:
            return pd.DataFrame()
        params: dict[str, Any] = {
            "as_of": as_of,
            "read_start": as_of - timedelta(days=HISTORY_DAYS),
        }
        with threads_within_memory(conn, self.settings.duckdb_memory_limit):
            raw = conn.execute(evidence_sql(self.config), params).df()
        return normalised(evidence_frame(raw, pd.Timestamp(as_of), self.config))


SESSION_FIELDS = (
    "duration_s",
    "samples",
    "expected_samples",
    "lost_samples",
    "drill_samples",
    "missing_gps",
    "battery_start",
    "battery_end",
    "avg_current",
    "max_current",
    "std_current",
)


class FeatureEngineer:
    """Per-session features from session dicts (one feature dict per session)."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings if settings is not None else get_settings()

    def extract_features(self, sessions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """One dict per session: current, battery, GPS and telemetry features."""
        if not sessions:
            return []
        frame = pd.DataFrame([dict(s) for s in sessions])
        for name in SESSION_FIELDS:
            column = frame[name] if name in frame else pd.Series(np.nan, index=frame.index)
            frame[name] = pd.to_numeric(column, errors="coerce")
        records = _session_features(frame).to_dict(orient="records")
        return [{str(k): v for k, v in record.items()} for record in records]


def _session_features(s: pd.DataFrame) -> pd.DataFrame:
    hours = s["duration_s"] / 3600.0
    samples = s["samples"].where(s["samples"] > 0)
    out = pd.DataFrame(
        {
            "device_id": s.get("device_id"),
            "session_id": s.get("session_id"),
            "start_ts": s.get("start_ts"),
            "duration_min": s["duration_s"] / 60.0,
            "samples": s["samples"],
            "current_mean": s["avg_current"],
            "current_cv": s["std_current"] / s["avg_current"].where(s["avg_current"] > 0),
            "current_peak_ratio": s["max_current"] / s["avg_current"].where(s["avg_current"] > 0),
            "drill_share": s["drill_samples"] / samples,
            "battery_used": s["battery_start"] - s["battery_end"],
            "drain_per_hour": (s["battery_start"] - s["battery_end"]) / hours.where(hours > 0),
            "gps_fix_rate": 1.0 - s["missing_gps"] / samples,
            "lost_rate": s["lost_samples"] / s["expected_samples"].where(s["expected_samples"] > 0),
        }
    )
    return out.replace({np.nan: None})
