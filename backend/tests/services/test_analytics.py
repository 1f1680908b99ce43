"""Fleet insights, anomalies, battery trends and filters on a real DuckDB store."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from app.core.config import Settings
from app.core.errors import BadInput, NotFound
from app.ml.config import MLConfig
from app.schemas.analytics import AnomalyKind, BatteryPeriod
from app.services import analytics, sessions
from app.services.ingestion import ingest_file
from app.services.sessions import Scope
from app.storage.duckdb import TelemetryStore
from tests.pods import with_sessions

HEADER = "timestamp,device_id,seq,current_amp,gps_lat,gps_lon,battery_level,ble_id"
CONFIG = MLConfig()  # the test settings' session gap (120 s)


@pytest.fixture
def store(settings: Settings) -> TelemetryStore:
    """An empty store on the test's DuckDB file."""
    telemetry = TelemetryStore(settings.duckdb_path, lock_timeout=10)
    telemetry.initialise()
    return telemetry


@pytest.fixture
def sample_store(store: TelemetryStore, settings: Settings, sample_csv: Path) -> TelemetryStore:
    """The store holding the field sample."""
    ingest_file(store, sample_csv, settings)
    return store


@pytest.fixture
def frame(sample_csv: Path) -> pd.DataFrame:
    """The field sample with an independent pandas session number per row (``run``)."""
    df = pd.read_csv(sample_csv, parse_dates=["timestamp"])
    df["timestamp"] = df["timestamp"].dt.tz_localize(None)
    return with_sessions(df, 120)


def write_csv(path: Path, rows: list[tuple[object, ...]]) -> Path:
    """Rows of (time, device, seq, current, lat, lon, battery, ble) as a telemetry CSV."""
    lines = [HEADER]
    for ts, device, seq, amp, lat, lon, battery, ble in rows:
        stamp = f"{ts:%Y-%m-%dT%H:%M:%SZ}"
        lines.append(f"{stamp},{device},{seq},{amp},{lat},{lon},{battery},{ble}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(
    start: datetime, seqs: list[int], **overrides: dict[int, object]
) -> list[tuple[object, ...]]:
    """Samples every 30 s (seq k at start + 30 k s); overrides map seq -> column value."""
    gps = overrides.get("gps", {})
    battery = overrides.get("battery", {})
    return [
        (
            start + timedelta(seconds=30 * q),
            "z1",
            q,
            5.0,
            "" if q in gps else 52.0,
            "" if q in gps else 13.0,
            battery.get(q, 80),
            "",
        )
        for q in seqs
    ]


@pytest.fixture
def anomaly_store(store: TelemetryStore, settings: Settings, tmp_path: Path) -> TelemetryStore:
    """One device with a short session, lost samples, missing GPS and a low battery."""
    day = datetime(2025, 8, 1, 8, 0)
    rows = run(day, [0, 1, 2])  # 60 s: short
    rows += run(day + timedelta(hours=2), [q for q in range(20) if q not in (3, 4)])
    rows += run(day + timedelta(days=1), list(range(20)), gps={5: 1, 6: 1, 7: 1, 8: 1})
    rows += run(day + timedelta(days=2), list(range(20)), battery={17: 19, 18: 15, 19: 15})
    ingest_file(store, write_csv(tmp_path / "z1.csv", rows), settings)
    return store


def test_insights_reproduce_the_field_sample_figures(
    sample_store: TelemetryStore, frame: pd.DataFrame
) -> None:
    got = analytics.fleet_insights(sample_store, Scope(), max_locations=500)
    assert (got.sessions, got.devices) == (100, 3)  # 2 of a second pod
    assert round(got.drilling_hours, 2) == 19.21
    assert round(got.tagged_pct, 2) == 40.00
    assert got.anomalies.short_sessions == 0
    assert got.anomalies.missing_gps_samples == 0
    assert got.anomalies.low_battery_samples == 0
    assert got.low_battery_events == 0
    spans = frame.groupby("run")["timestamp"].agg(lambda s: (s.max() - s.min()).total_seconds())
    assert got.average_session_minutes == pytest.approx(spans.mean() / 60)
    assert got.session_hours == pytest.approx(spans.sum() / 3600)


def test_insights_operating_state_distribution_matches_thresholds(
    sample_store: TelemetryStore, frame: pd.DataFrame
) -> None:
    states = pd.cut(
        frame["current_amp"], [-1, 0.5, 2.0, 4.5, 1000], labels=["OFF", "STANDBY", "SPIN", "DRILL"]
    )
    want = states.value_counts().to_dict()
    got = analytics.fleet_insights(sample_store, Scope(), max_locations=10).states
    assert {s.state.value: s.samples for s in got} == want
    assert sum(s.share_pct for s in got) == pytest.approx(100.0)
    drill = next(s for s in got if s.state.value == "DRILL")
    assert drill.hours == pytest.approx(want["DRILL"] * 30 / 3600)


def test_insights_filter_by_dates_and_device(
    sample_store: TelemetryStore, frame: pd.DataFrame
) -> None:
    starts = frame.groupby("run").agg(start=("timestamp", "min"), device=("device_id", "first"))
    window = starts[(starts.start >= "2025-07-10") & (starts.start < "2025-07-16")]
    scope = Scope(start_date="2025-07-10", end_date="2025-07-15")
    assert analytics.fleet_insights(sample_store, scope, 10).sessions == len(window)
    shifted = Scope(start_date="2025-07-10T02:00:00+02:00", end_date="2025-07-16T00:00:00Z")
    assert analytics.fleet_insights(sample_store, shifted, 10).sessions == len(window)
    one = Scope(device_ids=["9f8c2a7d"])
    assert analytics.fleet_insights(sample_store, one, 10).sessions == 43


def test_insights_locations_are_capped(sample_store: TelemetryStore) -> None:
    got = analytics.fleet_insights(sample_store, Scope(), max_locations=7).locations
    assert got.total == 100
    assert 1 <= len(got.points) <= 7
    assert [p.start_ts for p in got.points] == sorted(p.start_ts for p in got.points)


@pytest.mark.parametrize(
    ("scope", "field"),
    [
        (Scope(start_date="yesterday"), "start_date"),
        (Scope(end_date="2025-13-01"), "end_date"),
        (Scope(start_date="2025-07-10", end_date="2025-07-09"), "end_date"),
    ],
)
def test_bad_dates_name_the_parameter(
    sample_store: TelemetryStore, scope: Scope, field: str
) -> None:
    with pytest.raises(BadInput) as caught:
        analytics.fleet_insights(sample_store, scope, 10)
    assert caught.value.field == field


def test_unknown_device_is_not_found(sample_store: TelemetryStore) -> None:
    with pytest.raises(NotFound, match="nope"):
        analytics.list_anomalies(
            sample_store, Scope(device_ids=["nope"]), None, 10, 0, config=CONFIG
        )


def test_field_sample_has_only_its_two_id_collisions(sample_store: TelemetryStore) -> None:
    got = analytics.list_anomalies(sample_store, Scope(), None, 100, 0, config=CONFIG)
    assert [(i.kind.value, i.device_id) for i in got.items] == [("id_collision", "9f8c2a7d")] * 2
    counts = got.counts.model_dump()
    assert (got.total, counts.pop("id_collision_sessions")) == (2, 2)
    assert set(counts.values()) == {0}


def test_anomalies_are_counted_and_listed(anomaly_store: TelemetryStore) -> None:
    got = analytics.list_anomalies(anomaly_store, Scope(), None, 100, 0, config=CONFIG)
    assert got.counts.model_dump() == {
        "short_sessions": 1,
        "lost_sample_sessions": 1,
        "lost_samples": 2,
        "missing_gps_sessions": 1,
        "missing_gps_samples": 4,
        "low_battery_sessions": 1,
        "low_battery_samples": 3,
        "id_collision_sessions": 0,
    }
    kinds = [item.kind.value for item in got.items]
    assert kinds == ["low_battery", "missing_gps", "lost_samples", "short_session"]
    lost = got.items[2]
    assert (lost.lost_samples, lost.samples) == (2, 18)


def test_anomalies_paginate_and_filter_by_kind(anomaly_store: TelemetryStore) -> None:
    page = analytics.list_anomalies(anomaly_store, Scope(), None, 2, 2, config=CONFIG)
    assert (page.total, [i.kind.value for i in page.items]) == (
        4,
        ["lost_samples", "short_session"],
    )
    only = analytics.list_anomalies(
        anomaly_store, Scope(), [AnomalyKind.missing_gps], 10, 0, config=CONFIG
    )
    assert (only.total, only.items[0].missing_gps) == (1, 4)


def test_battery_trends_per_day_match_pandas(
    sample_store: TelemetryStore, frame: pd.DataFrame
) -> None:
    got = analytics.battery_trends(sample_store, Scope(), BatteryPeriod.day, 2000)
    want = frame.groupby(["device_id", frame["timestamp"].dt.floor("D")])["battery_level"].agg(
        ["mean", "min", "max", "size"]
    )
    assert (got.bucket_seconds, got.truncated, got.devices) == (86400, False, 3)
    assert len(got.points) == len(want)
    for point in got.points:
        row = want.loc[(point.device_id, pd.Timestamp(point.bucket_start.replace(tzinfo=None)))]
        assert point.avg_battery == pytest.approx(row["mean"])
        assert (point.min_battery, point.max_battery, point.samples) == (
            row["min"],
            row["max"],
            row["size"],
        )


def test_battery_trends_widen_buckets_to_stay_under_max_points(
    sample_store: TelemetryStore,
) -> None:
    got = analytics.battery_trends(sample_store, Scope(), BatteryPeriod.hour, 40)
    assert len(got.points) <= 40
    assert got.bucket_seconds is not None
    assert got.bucket_seconds % 3600 == 0
    assert got.bucket_seconds > 3600
    assert sum(p.samples for p in got.points) == 3900


def test_battery_trends_truncate_devices_beyond_max_points(
    sample_store: TelemetryStore,
) -> None:
    got = analytics.battery_trends(sample_store, Scope(), BatteryPeriod.week, 2)
    assert (got.devices, got.truncated, got.bucket_seconds) == (2, True, None)
    assert [p.device_id for p in got.points] == ["7a3f55e1", "9f8c2a7d"]


def test_battery_trends_for_one_device(sample_store: TelemetryStore, frame: pd.DataFrame) -> None:
    got = analytics.battery_trends(
        sample_store, Scope(device_ids=["b4e1d9c2"]), BatteryPeriod.week, 1000
    )
    assert {p.device_id for p in got.points} == {"b4e1d9c2"}
    assert sum(p.samples for p in got.points) == int((frame["device_id"] == "b4e1d9c2").sum())
    assert all(p.bucket_start.weekday() == 0 for p in got.points)  # weeks start on Monday


def test_timeline_counts_sessions_per_day_and_device(
    sample_store: TelemetryStore, frame: pd.DataFrame
) -> None:
    starts = frame.groupby("run").agg(day=("timestamp", "min"), device=("device_id", "first"))
    want = starts.groupby([starts["day"].dt.date, "device"]).size()
    got = sessions.session_timeline(sample_store, Scope(), 10000, 0)
    assert got.total == len(want)
    assert {(e.day, e.device_id): e.sessions for e in got.entries} == want.to_dict()
    drilling_hours = (frame["current_amp"] > 4.5).sum() * 30 / 3600
    assert sum(e.drilling_hours for e in got.entries) == pytest.approx(drilling_hours)


def test_devices_summarise_first_and_last_rows(
    sample_store: TelemetryStore, frame: pd.DataFrame
) -> None:
    got = sessions.list_devices(sample_store, 100, 0)
    own = frame[~frame["second_pod"]].sort_values(["device_id", "timestamp"])
    last = own.groupby("device_id").tail(1).set_index("device_id")
    first_seen = frame.groupby("device_id")["timestamp"].min()
    assert got.total == 3
    for device in got.devices:
        assert device.first_seen.replace(tzinfo=None) == first_seen[device.device_id]
        assert device.last_seen.replace(tzinfo=None) == last.loc[device.device_id, "timestamp"]
        assert device.last_battery == last.loc[device.device_id, "battery_level"]
        assert device.last_lat == last.loc[device.device_id, "gps_lat"]
    with pytest.raises(NotFound):
        sessions.get_device(sample_store, "missing")
