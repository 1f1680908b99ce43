"""MLFeatureService and FeatureEngineer against independent pandas computations."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.core.config import Settings, get_settings
from app.core.errors import BadInput
from app.ml.preprocessing.feature_engineering import FeatureEngineer, MLFeatureService
from app.services.data_processor import DataProcessor
from app.services.ingestion import ingest_file
from app.storage.duckdb import TelemetryStore
from tests.ml.feature_helpers import insert_rows, load_csv, new_store, session_rows

DRILL = 4.5


@pytest.fixture
def sample_store(settings: Settings, sample_csv: Path) -> TelemetryStore:
    """The test's store holding the field sample."""
    store = new_store(settings.duckdb_path)
    load_csv(store, sample_csv)
    return store


# The field sample's two episodes of a second pod under 9f8c2a7d (its data README)
EPISODES = (("2025-07-21 23:20", "2025-07-21 23:40"), ("2025-07-26 13:25", "2025-07-26 13:50"))


def second_pod(frame: pd.DataFrame) -> pd.Series:
    """True on the other pod's rows: in each episode window, the counter on the far side
    of the largest gap between sorted seq values, whichever side has fewer rows."""
    flags = pd.Series(False, index=frame.index)
    for start, end in EPISODES:
        window = frame[(frame["device_id"] == "9f8c2a7d") & frame["ts"].between(start, end)]
        seqs = window["seq"].sort_values()
        cut = seqs.iloc[int(np.argmax(np.diff(seqs.to_numpy()))) + 1]
        low, high = window[window["seq"] < cut], window[window["seq"] >= cut]
        flags[(low if len(low) < len(high) else high).index] = True
    return flags


@pytest.fixture
def raw(sample_csv: Path) -> pd.DataFrame:
    """The field sample's own-pod rows read by pandas, with a UTC day and hour."""
    frame = pd.read_csv(sample_csv)
    ts = pd.to_datetime(frame["timestamp"], utc=True).dt.tz_convert(None)
    frame = frame.assign(ts=ts, day=ts.dt.floor("D"), hour=ts.dt.floor("h"))
    return frame[~second_pod(frame)]


def features(store: TelemetryStore, settings: Settings, **kwargs: object) -> pd.DataFrame:
    """Measured device-days keyed by (device_id, day)."""
    frame = MLFeatureService(store, settings).daily_features(**kwargs)  # type: ignore[arg-type]
    return frame[frame["active"]].set_index(["device_id", "day"])


def test_daily_levels_match_pandas_on_the_field_sample(
    sample_store: TelemetryStore, settings: Settings, raw: pd.DataFrame
) -> None:
    got = features(sample_store, settings, days=31)
    drilling = raw[raw["current_amp"] > DRILL]
    expected = pd.DataFrame(
        {
            "samples": raw.groupby(["device_id", "day"]).size(),
            "amp_median": drilling.groupby(["device_id", "day"])["current_amp"].median(),
            "battery_min": raw.groupby(["device_id", "day"])["battery_level"].min(),
        }
    )
    assert sorted(got.index) == sorted(expected.index)
    for column in expected:
        np.testing.assert_allclose(got.loc[expected.index, column], expected[column])
    assert (got["fixless_samples"] == 0).all()  # every sample row has a position


def pandas_cv(raw: pd.DataFrame, bucket: str) -> pd.Series:
    """Drilling-current CV per device-day: n-weighted over hours, or over the whole day."""
    drilling = raw[raw["current_amp"] > DRILL]
    stats = drilling.groupby(["device_id", "day", bucket])["current_amp"].agg(
        n="size", mean="mean", sd=lambda s: s.std(ddof=0)
    )
    stats = stats[stats["n"] >= 3] if bucket == "hour" else stats
    stats["weighted"] = stats["n"] * stats["sd"] / stats["mean"]
    sums = stats.groupby(["device_id", "day"])[["weighted", "n"]].sum()
    return sums["weighted"] / sums["n"]


def test_aggregation_period_sets_the_bucket_of_current_variability(
    sample_store: TelemetryStore, env: Path, raw: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = {}
    for period in ("hour", "day"):
        monkeypatch.setenv("FEATURE_AGGREGATION_PERIOD", period)
        get_settings.cache_clear()
        results[period] = features(sample_store, get_settings(), days=31)["amp_cv"]
    hourly, daily = pandas_cv(raw, "hour"), pandas_cv(raw.assign(whole=0), "whole")
    np.testing.assert_allclose(results["hour"].loc[hourly.index], hourly)
    np.testing.assert_allclose(results["day"].loc[daily.index], daily)
    assert (results["day"] - results["hour"]).abs().max() > 0.01


def test_week_period_measures_the_week_to_date(
    sample_store: TelemetryStore, env: Path, raw: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FEATURE_AGGREGATION_PERIOD", "week")
    get_settings.cache_clear()
    got = features(sample_store, get_settings(), days=31)["amp_cv"]
    one = raw[(raw["device_id"] == "9f8c2a7d") & (raw["current_amp"] > DRILL)]
    week = one[(one["ts"] >= "2025-07-07") & (one["ts"] < "2025-07-10")]["current_amp"]
    expected = week.std(ddof=0) / week.mean()  # Monday 7 July up to Wednesday 9 July
    assert got.loc[("9f8c2a7d", pd.Timestamp("2025-07-09"))] == pytest.approx(expected)


def test_window_size_bounds_the_days_given_out(
    sample_store: TelemetryStore, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FEATURE_WINDOW_SIZE", "7")
    get_settings.cache_clear()
    frame = MLFeatureService(sample_store, get_settings()).daily_features()
    assert frame.groupby("device_id")["day"].nunique().max() == 7
    assert frame["day"].min() == pd.Timestamp("2025-07-25")


def test_window_size_sets_how_long_a_place_remembers_other_pods(
    settings: Settings, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = new_store(settings.duckdb_path)
    start = datetime(2025, 7, 1, 8, 0)
    lossy = session_rows("a", start, [6.0] * 40)  # pod a loses every other fix at the place
    insert_rows(store, [r if i % 2 else (*r[:4], None, None, r[6]) for i, r in enumerate(lossy)])
    later = start + timedelta(days=10)
    insert_rows(store, session_rows("b", later, [6.0] * 40, seq0=500))
    shares = {}
    for window in ("30", "7"):
        monkeypatch.setenv("FEATURE_WINDOW_SIZE", window)
        get_settings.cache_clear()
        got = features(store, get_settings(), days=31)
        shares[window] = got.loc[("b", pd.Timestamp(later.date())), "expected_fixless_share"]
    assert shares["30"] == pytest.approx((20 + 2) / (40 + 200))  # a's visit counts
    assert shares["7"] == pytest.approx(0.01)  # ten days ago: forgotten, the prior only


def test_features_at_a_day_ignore_later_data(
    settings: Settings, sample_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = new_store(settings.duckdb_path)
    cut = "2025-07-15"
    load_csv(store, sample_csv, where=f"WHERE timestamp < TIMESTAMPTZ '{cut} 00:00:00+00'")
    service = MLFeatureService(store, settings)
    before = service.daily_features(as_of=date(2025, 7, 14), days=14)
    load_csv(store, sample_csv, 2, where=f"WHERE timestamp >= TIMESTAMPTZ '{cut} 00:00:00+00'")
    after = service.daily_features(as_of=date(2025, 7, 14), days=14)
    pd.testing.assert_frame_equal(before, after)
    # the rows a later run computes for those days are the same: replay can slice by day
    later = service.daily_features(as_of=date(2025, 7, 20), days=20)
    common = later[later["day"] <= pd.Timestamp("2025-07-14")].reset_index(drop=True)
    earlier = before[before["day"] >= common["day"].min()].reset_index(drop=True)
    pd.testing.assert_frame_equal(earlier, common, rtol=1e-6)


def test_lost_repeated_and_quarantined_samples_are_counted(settings: Settings) -> None:
    store = new_store(settings.duckdb_path)
    start = datetime(2025, 7, 1, 8, 0)
    insert_rows(store, session_rows("lossy", start, [6.0] * 40, skip={5, 6, 20}))
    twice = session_rows("twice", start, [6.0] * 20)
    insert_rows(store, [*twice, (twice[10][0], "twice", 1000, 6.0, 52.5, 13.4, 80)])
    with store.connect() as conn:
        conn.execute(
            "INSERT INTO quarantine VALUES (1, 'x.csv', 3, ?, 'bad current', now()::TIMESTAMP)",
            ["2025-07-01T09:00:00Z,lossy,99,abc,52.5,13.4,80,"],
        )
    got = features(store, settings, as_of=date(2025, 7, 1), days=1)
    day = pd.Timestamp("2025-07-01")
    assert got.loc[("lossy", day), "lost_share"] == pytest.approx(3 / 40)
    assert got.loc[("lossy", day), "malformed_rate"] == pytest.approx(1 / 38)
    assert got.loc[("twice", day), "duplicate_rate"] == pytest.approx(1 / 21)


def test_silence_is_measured_against_the_weekday_usage(settings: Settings) -> None:
    store = new_store(settings.duckdb_path)
    weekdays = [d for d in pd.date_range("2025-06-02 08:00", "2025-06-20 08:00") if d.weekday() < 5]
    # Mondays to Fridays for three weeks, then nothing
    insert_rows(store, [r for d in weekdays for r in session_rows("pod", d, [6.0] * 30)])
    frame = MLFeatureService(store, settings).daily_features(as_of=date(2025, 6, 26), days=7)
    frame = frame[frame["device_id"] == "pod"]
    last = frame.set_index("day").loc[pd.Timestamp("2025-06-26")]
    saturday = frame.set_index("day").loc[pd.Timestamp("2025-06-21")]
    usage = (3 + 0.5) / (3 + 1)  # three of three earlier Mondays..Thursdays were worked
    assert last["silent_days"] == 6
    assert last["silence_surprise"] == pytest.approx(
        -math.log10(1 - 0.5 / 3) * 2 + -4 * math.log10(1 - usage)
    )
    assert saturday["silence_surprise"] == pytest.approx(-math.log10(1 - 0.5 / 3))


def test_quality_report_counts_completeness_per_device(settings: Settings) -> None:
    store = new_store(settings.duckdb_path)
    start = datetime(2025, 7, 1, 8, 0)
    insert_rows(store, session_rows("with_gps", start, [6.0, 7.0] * 20))
    insert_rows(store, session_rows("no_gps", start, [6.0, 7.0] * 20, gps=None))
    result = MLFeatureService(store, settings).extract()
    assert result.report.per_device == {"no_gps": 0.8, "with_gps": 1.0}  # 4 of 5 measured
    assert result.report.missing_data_share == pytest.approx(1 / 10)
    assert result.report.extraction_success_rate == 1.0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"device_ids": [""]}, "device_ids"),
        ({"device_ids": "abc"}, "device_ids"),
        ({"days": 0}, "days"),
    ],
)
def test_bad_requests_name_the_field(
    sample_store: TelemetryStore, settings: Settings, kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(BadInput) as caught:
        MLFeatureService(sample_store, settings).daily_features(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_device_features_give_the_stores_latest_day_with_features_carried_over(
    sample_store: TelemetryStore, settings: Settings, raw: pd.DataFrame
) -> None:
    latest = MLFeatureService(sample_store, settings).device_features(device_ids=["b4e1d9c2"])
    row = latest.iloc[0]
    assert list(latest["device_id"]) == ["b4e1d9c2"]
    assert row["day"] == raw["day"].max()  # the store's last day, not the device's
    assert row["silent_days"] == 1
    assert not row["active"]
    last = raw[(raw["device_id"] == "b4e1d9c2") & (raw["day"] == "2025-07-30")]
    assert row["last_seen"] == last["ts"].max()


def test_feature_engineer_gives_one_entry_per_session(
    settings: Settings, sample_csv: Path, raw: pd.DataFrame
) -> None:
    store = TelemetryStore(settings.duckdb_path, lock_timeout=10)
    store.initialise()
    ingest_file(store, sample_csv, settings)
    sessions = DataProcessor().get_sessions()[:10]
    features = FeatureEngineer().extract_features(sessions)
    assert len(features) == 10
    first = sessions[0]
    rows = raw[
        (raw["device_id"] == first["device_id"])
        & raw["ts"].between(first["start_ts"], first["end_ts"])
    ]
    assert features[0]["session_id"] == first["session_id"]
    assert features[0]["drill_share"] == pytest.approx((rows["current_amp"] > DRILL).mean())
    assert features[0]["current_mean"] == pytest.approx(rows["current_amp"].mean())
    assert features[0]["gps_fix_rate"] == 1.0
    assert FeatureEngineer().extract_features([]) == []


def test_asking_for_some_devices_gives_their_rows_of_the_whole_fleets_frame(
    sample_store: TelemetryStore, settings: Settings
) -> None:
    service = MLFeatureService(sample_store, settings)
    one = service.daily_features(device_ids=["7a3f55e1"], days=31)
    everyone = service.daily_features(days=31)
    mine = everyone[everyone["device_id"] == "7a3f55e1"].reset_index(drop=True)
    pd.testing.assert_frame_equal(one, mine)


def test_session_gap_setting_splits_sessions(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = new_store(get_settings().duckdb_path)
    rows = session_rows("pod", datetime(2025, 7, 1, 8), [6.0] * 20, skip={10})  # one 60 s gap
    insert_rows(store, rows)
    counts = {}
    for gap in ("120", "45"):
        monkeypatch.setenv("SESSION_MAX_GAP_SECONDS", gap)
        get_settings.cache_clear()
        counts[gap] = features(store, get_settings(), days=1)["sessions"].iloc[0]
    assert counts == {"120": 1, "45": 2}
