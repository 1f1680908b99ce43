"""The fast path for clean CSV files must store exactly what the line-numbered validator stores.

A file goes through the validator when it holds any row the fast path declines; a
garbage last line forces that, so each case ingests the same rows both ways and
compares the stores.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from app.core.config import Settings
from app.services.ingestion import IngestReport, ingest_file
from app.storage.duckdb import TelemetryStore
from tests.support import run_python

HEADER = "timestamp,device_id,seq,current_amp,gps_lat,gps_lon,battery_level,ble_id"
GOOD = "2025-07-01T09:20:15Z,dev-a,410,7.3,52.393297,13.265675,67,F4:12:FA:6C:9D:21"
FALLBACK = "goes through the line-numbered validator"
STORED = "SELECT * EXCLUDE (ingest_id) FROM telemetry ORDER BY ALL"


def make_store(folder: Path) -> TelemetryStore:
    """An initialised store in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    store = TelemetryStore(folder / "telemetry.duckdb")
    store.initialise()
    return store


def ingest_lines(
    folder: Path, settings: Settings, lines: list[str], caplog: pytest.LogCaptureFixture
) -> tuple[IngestReport, list[tuple[Any, ...]], bool]:
    """Ingest ``lines`` into a fresh store: report, stored rows, whether it fell back."""
    store = make_store(folder)
    path = folder / "data.csv"
    path.write_bytes(("\n".join([HEADER, *lines]) + "\n").encode())
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="drillwatch.ingest"):
        report = ingest_file(store, path, settings)
    fell_back = any(FALLBACK in r.getMessage() for r in caplog.records)
    with store.connect() as conn:
        return report, conn.execute(STORED).fetchall(), fell_back


@pytest.mark.parametrize(
    ("row", "stays_fast"),
    [
        ("2025-07-01T11:20:15+02:00,dev-b,7,5.5,,,50,", False),
        ("2025-07-01 09:20:15,dev-b,7,5.5,-90,180,0,", False),
        ("2025-07-01T09:20:15.123456Z,dev-b,7,100,90,-180,100,tag", False),
        ("2025-07-01T09:20:15Z, dev-b ,7, 5.5 , 52.1 , 13.2 ,50, tag ", True),
        ("2025-07-01T09:20:15Z,dev-b,7.0,1e1,5.2e1,+13,50.0,AA:BB", False),
        ("2025-07-01T09:20:15Z,dev-b,4294967295,0.1,.5,5.,80,x", True),
        ("2025-07-01T09:20:15Z,dev-b,0,0,0,0,1,A", True),
        ("2025-07-01T09:20:15Z,a.b_c:d-e,+7,-0,0,0,007,a.b_c:d-e", True),
        ("2025-07-01T09:20:15Z,dev-b,7,5.5, ,,50,", True),
    ],
)
def test_clean_rows_are_stored_as_the_validator_stores_them(
    tmp_path: Path, settings: Settings, row: str, stays_fast: bool, caplog: pytest.LogCaptureFixture
) -> None:
    fast, fast_rows, fast_fell_back = ingest_lines(tmp_path / "fast", settings, [GOOD, row], caplog)
    exact, exact_rows, exact_fell_back = ingest_lines(
        tmp_path / "exact", settings, [GOOD, row, "garbage"], caplog
    )
    assert fast_fell_back is not stays_fast
    assert exact_fell_back
    assert (fast.accepted, fast.duplicates, fast.quarantined) == (2, 0, 0)
    assert (exact.accepted, exact.duplicates, exact.quarantined) == (2, 0, 1)
    assert fast_rows == exact_rows


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("2025-07-01T09:20:15Z,dev-a,1,5,,,50,,", "wrong column count: expected 8, got 9"),
        ("2025-07-01T09:20:15Z,dev-a,1,5,,,50,tag,,", "wrong column count: expected 8, got 10"),
        ("2025-07-01T09:20:15Z,dev-a,1,inf,,,50,", "current_amp is not a number: inf"),
        ("infinity,dev-a,1,5,,,50,", "timestamp is not an ISO 8601 date and time: infinity"),
        ("1999-12-31T23:59:59Z,dev-a,1,5,,,50,", "timestamp before 2000-01-01T00:00:00Z"),
        ('2025-07-01T09:20:15Z,"dev-a",1,5,,,50,"x,y"', "ble_id must start with a letter"),
        ("2025-07-01T09:20:15Z,dev-a,1_0,5,,,50,", "seq is not an integer: 1_0"),
        ("2025-07-01T09:20:15Z,dev-a,1,1_0,,,50,", "current_amp is not a number: 1_0"),
        ("2025-07-01T09:20:15Z,dev-a,0x10,5,,,50,", "seq is not an integer: 0x10"),
        ("2025-07-01T09:20:15Z,dev-a,1,5,,,.5,", "battery_level is not an integer: .5"),
        ("2025-07-01,dev-a,1,5,,,50,", "timestamp is not an ISO 8601 date and time: 2025-07-01"),
        ("epoch,dev-a,1,5,,,50,", "timestamp is not an ISO 8601 date and time: epoch"),
        ("2025-07-01T24:00:00Z,dev-a,1,5,,,50,", "timestamp is not an ISO 8601 date and time"),
    ],
)
def test_rows_the_reader_would_bend_go_to_the_validator(
    tmp_path: Path, settings: Settings, row: str, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    report, _, fell_back = ingest_lines(tmp_path, settings, [GOOD, row], caplog)
    assert fell_back
    assert (report.accepted, report.quarantined) == (1, 1)
    store = TelemetryStore(tmp_path / "telemetry.duckdb")
    with store.connect() as conn:
        stored = conn.execute("SELECT line, raw, reason FROM quarantine").fetchall()
    assert len(stored) == 1
    assert stored[0][:2] == (3, row)
    assert stored[0][2].startswith(reason)


def test_nul_byte_in_a_tag_costs_only_its_line(tmp_path: Path, settings: Settings) -> None:
    store = make_store(tmp_path)
    path = tmp_path / "nul.csv"
    path.write_bytes(f"{HEADER}\n{GOOD}\n".encode() + b"2025-07-01T09:20:45Z,d,2,5,,,50,t\x00g\n")
    report = ingest_file(store, path, settings)
    assert (report.accepted, report.quarantined) == (1, 1)
    with store.connect() as conn:
        assert conn.execute("SELECT line, reason FROM quarantine").fetchall() == [
            (3, "not text: NUL byte (shown as \\x00)")
        ]


def test_line_of_nul_bytes_only_goes_to_the_validator_and_is_quarantined(
    tmp_path: Path, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    later = GOOD.replace("T09:20:15Z", "T09:20:45Z")
    report, rows, fell_back = ingest_lines(tmp_path, settings, [GOOD, "\x00\x00", later], caplog)
    assert fell_back
    assert (report.accepted, report.quarantined) == (2, 1)
    assert len(rows) == 2
    store = TelemetryStore(tmp_path / "telemetry.duckdb")
    with store.connect() as conn:
        assert conn.execute("SELECT line, raw FROM quarantine").fetchall() == [(3, "\\x00\\x00")]


def test_duplicates_inside_a_clean_file_keep_the_first_line(
    tmp_path: Path, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    later = GOOD.replace(",7.3,", ",9.9,")
    report, rows, fell_back = ingest_lines(tmp_path, settings, [GOOD, later], caplog)
    assert fell_back
    assert (report.accepted, report.duplicates, report.quarantined) == (1, 0, 1)
    assert [r[3] for r in rows] == [7.3]


def test_overlap_with_stored_rows_counts_duplicates_on_both_paths(
    tmp_path: Path, settings: Settings
) -> None:
    rows = [f"2025-07-01T09:{m:02d}:00Z,dev-a,{m},5,,,50," for m in range(10)]
    store = make_store(tmp_path)
    first = tmp_path / "first.csv"
    first.write_text("\n".join([HEADER, *rows[:6]]) + "\n")
    clean = tmp_path / "clean.csv"
    clean.write_text("\n".join([HEADER, *rows[3:8]]) + "\n")
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("\n".join([HEADER, *rows[5:], "garbage"]) + "\n")
    counts = [
        (r.accepted, r.duplicates, r.quarantined)
        for r in (ingest_file(store, p, settings) for p in (first, clean, mixed))
    ]
    assert counts == [(6, 0, 0), (2, 3, 0), (2, 3, 1)]
    with store.connect() as conn:
        assert conn.execute("SELECT list(seq ORDER BY seq) FROM telemetry").fetchone() == (
            list(range(10)),
        )


def test_the_ingest_path_does_not_import_pandas() -> None:
    code = "import sys, app.commands.ingest, app.services.analytics; print('pandas' in sys.modules)"
    assert run_python(code).strip() == "False"
