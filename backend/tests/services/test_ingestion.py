"""Ingestion of files and API bodies into the DuckDB store: counts, quarantine, duplicates."""

from __future__ import annotations

import logging
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from app.core.config import Settings
from app.core.errors import BadInput
from app.services.ingestion import ingest_directory, ingest_file, ingest_rows
from app.storage.duckdb import TelemetryStore
from tests.pods import with_sessions

HEADER = "timestamp,device_id,seq,current_amp,gps_lat,gps_lon,battery_level,ble_id"
GOOD = "2025-07-01T09:20:15Z,dev-a,410,7.3,52.393297,13.265675,67,F4:12:FA:6C:9D:21"


@pytest.fixture
def store(settings: Settings) -> TelemetryStore:
    """An initialised store at the test's DUCKDB_PATH."""
    created = TelemetryStore(settings.duckdb_path, memory_limit=settings.duckdb_memory_limit)
    created.initialise()
    return created


def write_csv(folder: Path, name: str, *rows: str, header: str = HEADER) -> Path:
    """A CSV file with ``header`` and ``rows``, one per line."""
    path = folder / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def query(store: TelemetryStore, sql: str) -> list[tuple[Any, ...]]:
    """All rows of one query against the store."""
    with store.connect() as conn:
        return conn.execute(sql).fetchall()


def count(store: TelemetryStore, table: str) -> int:
    """Row count of ``table``."""
    return int(query(store, f"SELECT count(*) FROM {table}")[0][0])


def test_field_sample_ingests_every_row(
    store: TelemetryStore, settings: Settings, sample_csv: Path
) -> None:
    frame = pd.read_csv(sample_csv)
    report = ingest_file(store, sample_csv, settings)
    assert (report.accepted, report.duplicates, report.quarantined) == (len(frame), 0, 0)
    assert report.accepted == 3900
    assert report.devices == sorted(frame["device_id"].unique())
    assert len(report.devices) == 3
    assert count(store, "telemetry") == len(frame)
    assert query(store, "SELECT count(*) FROM telemetry WHERE ble_id IS NULL")[0][0] == int(
        frame["ble_id"].isna().sum()
    )


def test_ingest_refreshes_sessions_of_the_touched_devices(
    store: TelemetryStore, settings: Settings, sample_csv: Path
) -> None:
    frame = pd.read_csv(sample_csv, parse_dates=["timestamp"])
    runs = with_sessions(frame, settings.session_max_gap_seconds)
    expected = runs.groupby("device_id")["run"].nunique()
    ingest_file(store, sample_csv, settings)
    stored = dict(query(store, "SELECT device_id, count(*) FROM sessions GROUP BY 1"))
    assert stored == expected.to_dict()


def test_session_gap_setting_shapes_the_refreshed_sessions(
    store: TelemetryStore, settings: Settings, tmp_path: Path
) -> None:
    rows = [f"2025-07-01T09:{m:02d}:00Z,dev-a,{m},7,,,50," for m in (0, 1, 3, 4)]
    path = write_csv(tmp_path, "gaps.csv", *rows)  # steps 60 s, 120 s, 60 s
    ingest_file(store, path, settings.model_copy(update={"session_max_gap_seconds": 90}))
    assert count(store, "sessions") == 2
    ingest_file(store, path, settings.model_copy(update={"session_max_gap_seconds": 150}))
    assert count(store, "sessions") == 2, "a duplicate-only ingest touches no device"
    more = write_csv(tmp_path, "more.csv", "2025-07-01T09:05:00Z,dev-a,5,7,,,50,")
    ingest_file(store, more, settings.model_copy(update={"session_max_gap_seconds": 150}))
    assert count(store, "sessions") == 1


def test_second_ingest_of_a_file_adds_nothing_and_counts_duplicates(
    store: TelemetryStore, settings: Settings, sample_csv: Path
) -> None:
    ingest_file(store, sample_csv, settings)
    before = query(store, "SELECT * EXCLUDE (ingest_id) FROM telemetry ORDER BY ALL")
    again = ingest_file(store, sample_csv, settings)
    assert (again.accepted, again.duplicates, again.quarantined) == (0, 3900, 0)
    assert again.devices == []
    assert query(store, "SELECT * EXCLUDE (ingest_id) FROM telemetry ORDER BY ALL") == before
    assert count(store, "ingests") == 2


def test_repeats_inside_a_file_first_line_wins_and_conflicts_are_quarantined(
    store: TelemetryStore, settings: Settings, tmp_path: Path
) -> None:
    first = "2025-07-01T09:20:15Z,dev-a,1,5.0,,,50,"
    later = "2025-07-01T09:20:15Z,dev-a,1,9.0,,,40,"  # same key, other values
    other = "2025-07-01T09:20:45Z,dev-a,2,5.0,,,50,"
    path = write_csv(tmp_path, "dups.csv", first, other, later, first.replace("5.0", "5"))
    report = ingest_file(store, path, settings)
    assert (report.accepted, report.duplicates, report.quarantined) == (2, 1, 1)
    assert query(store, "SELECT seq, current_amp, battery_level FROM telemetry ORDER BY seq") == [
        (1, 5.0, 50),
        (2, 5.0, 50),
    ]
    assert query(store, "SELECT line, raw, reason FROM quarantine") == [
        (4, later, "conflicts with line 2: current_amp 9.0 vs 5.0, battery_level 40 vs 50")
    ]


def test_a_row_conflicting_with_a_stored_row_is_quarantined_not_dropped(
    store: TelemetryStore, settings: Settings, tmp_path: Path
) -> None:
    stored = ingest_file(store, write_csv(tmp_path, "a.csv", GOOD), settings)
    changed = GOOD.replace(",67,", ",66,")
    report = ingest_file(store, write_csv(tmp_path, "b.csv", GOOD, changed), settings)
    assert (report.accepted, report.duplicates, report.quarantined) == (0, 1, 1)
    assert query(store, "SELECT line, raw, reason FROM quarantine") == [
        (
            3,
            changed,
            f"conflicts with the row stored by ingest {stored.ingest_id}: battery_level 66 vs 67",
        )
    ]
    assert query(store, "SELECT battery_level FROM telemetry") == [(67,)]


def test_duplicates_across_files_are_counted_not_stored(
    store: TelemetryStore, settings: Settings, tmp_path: Path
) -> None:
    rows = [f"2025-07-01T09:{m:02d}:00Z,dev-a,{m},5,,,50," for m in range(10)]
    ingest_file(store, write_csv(tmp_path, "a.csv", *rows[:6]), settings)
    report = ingest_file(store, write_csv(tmp_path, "b.csv", *rows[4:]), settings)
    assert (report.accepted, report.duplicates) == (4, 2)
    assert count(store, "telemetry") == 10


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("not-a-time,dev-a,1,5,,,50,", "timestamp is not an ISO 8601 date and time: not-a-time"),
        (
            "2025-02-30T09:00:00Z,dev-a,1,5,,,50,",
            "timestamp is not an ISO 8601 date and time: 2025-02-30T09:00:00Z",
        ),
        (",dev-a,1,5,,,50,", "timestamp is empty"),
        ("2025-07-01T09:20:15Z,,1,5,,,50,", "device_id is empty"),
        ("2025-07-01T09:20:15Z,  ,1,5,,,50,", "device_id is empty"),
        ("2025-07-01T09:20:15Z,dev-a,1,5,,,50", "wrong column count: expected 8, got 7"),
        ("2025-07-01T09:20:15Z,dev-a,1,5,,,50,,x", "wrong column count: expected 8, got 9"),
        ("garbage", "wrong column count: expected 8, got 1"),
        ("2025-07-01T09:20:15Z,dev-a,1,abc,,,50,", "current_amp is not a number: abc"),
        ("2025-07-01T09:20:15Z,dev-a,1,nan,,,50,", "current_amp is not a number: nan"),
        ("2025-07-01T09:20:15Z,dev-a,1,150,,,50,", "current_amp out of range 0..100: 150"),
        ("2025-07-01T09:20:15Z,dev-a,1,-0.5,,,50,", "current_amp out of range 0..100: -0.5"),
        ("2025-07-01T09:20:15Z,dev-a,1,,,,50,", "current_amp is empty"),
        ("2025-07-01T09:20:15Z,dev-a,1,5,90.5,13,50,", "gps_lat out of range -90..90: 90.5"),
        ("2025-07-01T09:20:15Z,dev-a,1,5,-91,13,50,", "gps_lat out of range -90..90: -91"),
        ("2025-07-01T09:20:15Z,dev-a,1,5,52,181,50,", "gps_lon out of range -180..180: 181"),
        ("2025-07-01T09:20:15Z,dev-a,1,5,52,north,50,", "gps_lon is not a number: north"),
        ("2025-07-01T09:20:15Z,dev-a,1,5,,13,50,", "gps_lat is empty"),
        ("2025-07-01T09:20:15Z,dev-a,1,5,,,101,", "battery_level out of range 0..100: 101"),
        ("2025-07-01T09:20:15Z,dev-a,1,5,,,-1,", "battery_level out of range 0..100: -1"),
        ("2025-07-01T09:20:15Z,dev-a,1,5,,,67.5,", "battery_level is not an integer: 67.5"),
        ("2025-07-01T09:20:15Z,dev-a,1,5,,,full,", "battery_level is not a number: full"),
        ("2025-07-01T09:20:15Z,dev-a,4.5,5,,,50,", "seq is not an integer: 4.5"),
        ("2025-07-01T09:20:15Z,dev-a,x1,5,,,50,", "seq is not an integer: x1"),
        ("2025-07-01T09:20:15Z,dev-a,,5,,,50,", "seq is empty"),
        (
            "2025-07-01T09:20:15Z,dev-a,1,150,95,13,50,",
            "current_amp out of range 0..100: 150; gps_lat out of range -90..90: 95",
        ),
    ],
)
def test_invalid_row_is_quarantined_with_line_raw_text_and_reason(
    store: TelemetryStore, settings: Settings, tmp_path: Path, row: str, reason: str
) -> None:
    path = write_csv(tmp_path, "bad.csv", GOOD, row)
    report = ingest_file(store, path, settings)
    assert (report.accepted, report.quarantined) == (1, 1)
    rows = query(store, "SELECT ingest_id, source, line, raw, reason FROM quarantine")
    assert rows == [(report.ingest_id, str(path.resolve()), 3, row, reason)]


def test_line_numbers_count_blank_lines_and_the_header(
    store: TelemetryStore, settings: Settings, tmp_path: Path
) -> None:
    bad = "2025-07-01T09:20:15Z,dev-a,2,500,,,50,"
    path = write_csv(tmp_path, "blank.csv", GOOD, "", "", bad)
    report = ingest_file(store, path, settings)
    assert (report.accepted, report.quarantined) == (1, 1)
    assert query(store, "SELECT line, raw FROM quarantine") == [(5, bad)]


def test_line_of_nul_bytes_only_is_quarantined_not_dropped(
    store: TelemetryStore, settings: Settings, tmp_path: Path
) -> None:
    later = GOOD.replace("T09:20:15Z", "T09:20:45Z").replace(",410,", ",411,")
    path = write_csv(tmp_path, "nul.csv", GOOD, "", "\x00\x00", later)
    report = ingest_file(store, path, settings)
    assert (report.accepted, report.quarantined) == (2, 1)
    assert query(store, "SELECT line, raw, reason FROM quarantine") == [
        (4, "\\x00\\x00", "not text: NUL byte (shown as \\x00)")
    ]


def test_a_nul_byte_or_invalid_utf8_costs_only_its_own_line(
    store: TelemetryStore, settings: Settings, tmp_path: Path
) -> None:
    rows = [f"2025-07-01T09:2{m}:00Z,dev-a,{m},5,,,50,".encode() for m in range(4)]
    body = b"\n".join(
        [
            HEADER.encode(),
            rows[0],
            b"2025-07-01T09:30:00Z,d\x00v,9,5,,,50,",
            rows[1],
            b"2025-07-01T09:31:00Z,d\xe9v,9,5,,,50,",
            rows[2],
            rows[3],
        ]
    )
    path = tmp_path / "mixed.csv"
    path.write_bytes(body + b"\n")
    report = ingest_file(store, path, settings)
    assert (report.accepted, report.duplicates, report.quarantined) == (4, 0, 2)
    assert query(store, "SELECT line, raw, reason FROM quarantine ORDER BY line") == [
        (3, "2025-07-01T09:30:00Z,d\\x00v,9,5,,,50,", "not text: NUL byte (shown as \\x00)"),
        (
            5,
            "2025-07-01T09:31:00Z,d\\xe9v,9,5,,,50,",
            "not UTF-8 text (invalid bytes shown as \\xNN)",
        ),
    ]


def test_empty_gps_and_ble_id_are_valid_and_stored_as_null(
    store: TelemetryStore, settings: Settings, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, "nulls.csv", "2025-07-01T09:20:15Z,dev-a,1,0,,,0,")
    report = ingest_file(store, path, settings)
    assert (report.accepted, report.quarantined) == (1, 0)
    assert query(store, "SELECT gps_lat, gps_lon, ble_id, current_amp FROM telemetry") == [
        (None, None, None, 0.0)
    ]


def test_crlf_bom_padded_header_and_offsets_are_tolerated(
    store: TelemetryStore, settings: Settings, tmp_path: Path
) -> None:
    header = " timestamp , device_id,seq,current_amp,gps_lat,gps_lon,battery_level,ble_id "
    path = tmp_path / "windows.csv"
    body = f"{header}\r\n2025-07-01T11:20:15+02:00, dev-a ,7, 5.5 ,1,2,50, tag \r\n"
    path.write_bytes(b"\xef\xbb\xbf" + body.encode())
    report = ingest_file(store, path, settings)
    assert (report.accepted, report.quarantined) == (1, 0)
    row = query(store, "SELECT strftime(ts, '%Y-%m-%d %H:%M:%S'), device_id, ble_id FROM telemetry")
    assert row == [("2025-07-01 09:20:15", "dev-a", "tag")]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "is empty"),
        (HEADER.encode() + b"\n", "has no data rows"),
        (HEADER.encode() + b"\n\n\n", "has no data rows"),
        (b"time,device,seq\n" + GOOD.encode() + b"\n", "wrong header"),
        (HEADER.replace("ble_id", "tag").encode() + b"\n", "wrong header"),
        (b"timestamp,device_id,seq,current_amp,gps_lat,gps_lon,battery_level,ble_id,x\n", "header"),
        (b"\xfftimestamp\n", "not UTF-8 text (invalid bytes on line 1)"),
    ],
)
def test_unreadable_file_is_rejected_as_a_whole_naming_file_and_problem(
    store: TelemetryStore, settings: Settings, tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    with pytest.raises(BadInput) as caught:
        ingest_file(store, path, settings)
    assert str(path) in caught.value.message
    assert problem in caught.value.message
    assert [count(store, t) for t in ("telemetry", "quarantine", "ingests")] == [0, 0, 0]


def test_every_ingest_logs_its_counts(
    store: TelemetryStore, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_csv(tmp_path, "log.csv", GOOD, GOOD, "x")
    with caplog.at_level(logging.INFO, logger="drillwatch.ingest"):
        ingest_file(store, path, settings)
    lines = [r.getMessage() for r in caplog.records if r.name == "drillwatch.ingest"]
    assert any("1 accepted, 1 duplicates, 1 quarantined, 1 devices" in line for line in lines)


def test_directory_ingest_skips_known_files_and_survives_bad_ones(
    store: TelemetryStore,
    settings: Settings,
    sample_csv: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    drop = settings.telemetry_dir
    shutil.copy(sample_csv, drop / "a_sample.csv")
    (drop / "b_broken.csv").write_text("not,a,header\n1,2,3\n")
    (drop / "notes.txt").write_text("ignored")
    first = ingest_directory(store, settings)
    assert [(r.accepted, r.skipped, r.error is None) for r in first] == [
        (3900, False, True),
        (0, False, False),
    ]
    assert first[1].error
    assert "b_broken.csv: wrong header" in first[1].error
    assert any(
        r.levelno == logging.ERROR and "b_broken.csv" in r.getMessage() for r in caplog.records
    )
    second = ingest_directory(store, settings)
    assert [(r.accepted, r.duplicates, r.skipped) for r in second] == [(0, 0, True), (0, 0, False)]
    assert count(store, "telemetry") == 3900
    assert count(store, "ingests") == 1


def test_directory_ingest_of_a_missing_folder_does_nothing(
    store: TelemetryStore, settings: Settings, tmp_path: Path
) -> None:
    missing = settings.model_copy(update={"telemetry_dir": tmp_path / "nowhere"})
    assert ingest_directory(store, missing) == []


def test_api_csv_text_is_ingested_like_a_file(store: TelemetryStore, settings: Settings) -> None:
    text = "\n".join([HEADER, GOOD, "2025-07-01T09:20:45Z,dev-a,411,101,,,50,"]) + "\n"
    report = ingest_rows(store, text, settings, source="api:pod-1")
    assert (report.source, report.accepted, report.quarantined) == ("api:pod-1", 1, 1)
    assert query(store, "SELECT source, line FROM quarantine") == [("api:pod-1", 3)]


def test_api_records_are_validated_like_csv_rows(store: TelemetryStore, settings: Settings) -> None:
    records: list[Any] = [
        {
            "timestamp": "2025-07-01T09:20:15Z",
            "device_id": "dev-j",
            "seq": 1,
            "current_amp": 5.5,
            "battery_level": 80,
        },
        {
            "timestamp": "2025-07-01T09:20:45Z",
            "device_id": "dev-j",
            "seq": 2,
            "current_amp": 5.5,
            "gps_lat": 52.1,
            "gps_lon": 13.2,
            "battery_level": 80.0,
            "ble_id": "tag-1",
        },
        {
            "timestamp": "2025-07-01T09:21:15Z",
            "device_id": "dev-j",
            "seq": 3,
            "current_amp": 120,
            "battery_level": 80,
        },
        {"device_id": "dev-j", "seq": 4, "current_amp": 1, "battery_level": 80},
        "not an object",
    ]
    report = ingest_rows(store, records, settings, source="api:pod-2")
    assert (report.accepted, report.duplicates, report.quarantined) == (2, 0, 3)
    assert query(store, "SELECT line, reason FROM quarantine ORDER BY line") == [
        (3, "current_amp out of range 0..100: 120"),
        (4, "timestamp is empty"),
        (5, "item is not a JSON object"),
    ]
    assert query(store, "SELECT seq, gps_lat, ble_id FROM telemetry ORDER BY seq") == [
        (1, None, None),
        (2, 52.1, "tag-1"),
    ]


def test_api_empty_record_list_is_rejected(store: TelemetryStore, settings: Settings) -> None:
    with pytest.raises(BadInput, match="request body has no data rows"):
        ingest_rows(store, [], settings, source="api:pod")


def test_concurrent_ingests_in_one_process_all_land(
    store: TelemetryStore, settings: Settings, tmp_path: Path
) -> None:
    paths = [
        write_csv(
            tmp_path,
            f"part{n}.csv",
            *[f"2025-07-01T09:{m:02d}:00Z,dev-{n % 2},{n * 100 + m},5,,,50," for m in range(50)],
        )
        for n in range(6)
    ]
    with ThreadPoolExecutor(max_workers=6) as pool:
        reports = list(pool.map(lambda p: ingest_file(store, p, settings), paths))
    assert [r.accepted for r in reports] == [50] * 6
    assert count(store, "telemetry") == 300
    assert count(store, "ingests") == 6
