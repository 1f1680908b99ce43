"""Every family writes the field sample's schema, byte for byte in its formats."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from app.scenarios import FAMILIES, PROFILES
from tests.scenarios.conftest import Run

TELEMETRY_HEADER = "timestamp,device_id,seq,current_amp,gps_lat,gps_lon,battery_level,ble_id"
HEADERS = {
    "truth_devices.csv": "device_id,family,profile,fault_type,onset_ts,failure_ts,"
    "joined_ts,retired_ts,silent_after_failure",
    "truth_daily.csv": "device_id,date,motor,battery,gps,radio",
    "collisions.csv": "device_id,start_ts,end_ts",
}
TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
FIELD_PATTERNS = {
    "timestamp": TIMESTAMP,
    "device_id": r"[0-9a-f]{8}",
    "seq": r"0|[1-9]\d*",
    "current_amp": r"\d{1,2}\.\d{1,2}",
    "battery_level": r"0|[1-9]\d?|100",
    "ble_id": r"|[0-9A-F]{2}(:[0-9A-F]{2}){5}",
}
COORDINATE = r"\d{2}\.\d{1,6}"


@pytest.fixture(params=list(FAMILIES))
def run(request: pytest.FixtureRequest, scenario_run: Callable[..., Run]) -> Run:
    return scenario_run(request.param)


def test_headers_are_exact(run: Run) -> None:
    assert (run.folder / "telemetry.csv").open().readline().rstrip("\n") == TELEMETRY_HEADER
    for name, header in HEADERS.items():
        assert (run.folder / name).open().readline().rstrip("\n") == header


def test_every_field_has_the_sample_format(run: Run) -> None:
    raw = run.raw
    assert len(raw) > 1000
    for column, pattern in FIELD_PATTERNS.items():
        bad = raw[~raw[column].str.fullmatch(pattern)]
        assert bad.empty, f"{column}: {bad[column].head().tolist()}"
    fixed = raw["gps_lat"] != ""
    assert (fixed == (raw["gps_lon"] != "")).all(), "lat and lon are empty together"
    assert raw.loc[fixed, "gps_lat"].str.fullmatch(COORDINATE).all()
    assert raw.loc[fixed, "gps_lon"].str.fullmatch(COORDINATE).all()


def test_device_ids_never_read_as_numbers(run: Run) -> None:
    for device_id in run.devices["device_id"]:
        with pytest.raises(ValueError, match="could not convert"):
            float(device_id)


def test_rows_are_ordered_by_timestamp(run: Run) -> None:
    assert run.raw["timestamp"].is_monotonic_increasing


def test_samples_are_30_seconds_apart_within_a_session(run: Run) -> None:
    rows = run.rows
    rows = rows[~_in_collision(rows, run.collisions)].sort_values(["device_id", "ts"])
    step = rows.groupby("device_id")["ts"].diff().dt.total_seconds()
    seq_step = rows.groupby("device_id")["seq"].diff()
    close = step < 300
    assert close.sum() > 1000
    assert (step[close] == 30 * seq_step[close]).all(), "missing samples skip their seq"


def test_positions_and_values_stay_plausible(run: Run) -> None:
    rows = run.rows
    fixed = rows.dropna(subset=["gps_lat"])
    # Berlin area, with room for GPS jumps and far-away collision twins.
    assert fixed["gps_lat"].between(51.9, 53.1).all()
    assert fixed["gps_lon"].between(12.4, 14.3).all()
    median = rows["current_amp"].median()
    assert 2.0 < median < 8.0
    assert rows["battery_level"].between(0, 100).all()


def test_truth_values_use_the_documented_vocabulary(run: Run) -> None:
    devices = run.devices
    assert set(devices["family"]) == {run.scenario["family"]}
    assert set(devices["profile"]) <= set(PROFILES)
    assert set(devices["fault_type"]) <= {"none", "motor", "battery", "gps", "radio"}
    assert set(devices["silent_after_failure"]) <= {"true", "false"}
    for column in ("onset_ts", "failure_ts", "joined_ts", "retired_ts"):
        assert devices[column].str.fullmatch(f"|{TIMESTAMP}").all(), column
    assert set(run.rows["device_id"]) <= set(devices["device_id"])
    assert run.daily["date"].str.fullmatch(r"\d{4}-\d\d-\d\d").all()


def test_scenario_json_lists_every_drawn_parameter_with_its_range(run: Run) -> None:
    data = run.scenario
    assert data["family"] in FAMILIES
    assert data["devices"] == run.devices.shape[0]
    assert data["rows"] == len(run.raw)
    drawn = [p for p in data["params"].values() if "range" in p]
    assert len(drawn) >= 40
    for entry in drawn:
        if isinstance(entry["range"], list):
            low, high = entry["range"]
            assert low <= entry["value"] <= high


def _in_collision(rows: pd.DataFrame, collisions: pd.DataFrame) -> pd.Series:
    """Rows inside any collision episode of their device (margin of one sample)."""
    inside = pd.Series(False, index=rows.index)
    margin = pd.Timedelta(seconds=30)
    for episode in collisions.itertuples():
        inside |= (
            (rows["device_id"] == episode.device_id)
            & (rows["ts"] >= episode.start_ts - margin)
            & (rows["ts"] <= episode.end_ts + margin)
        )
    return inside
