"""The record splitter: plain blocks and csv-module records agree with one csv.reader pass."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pytest

from app.storage import telemetry_records
from app.storage.telemetry_records import read_csv_records

HEADER = "timestamp,device_id,seq,current_amp,gps_lat,gps_lon,battery_level,ble_id"
PLAIN = "2025-07-01T09:00:{s:02d}Z,d{n},{n},5.5,52.1,13.2,50,AA"
ODD = [
    '2025-07-01T09:00:00Z,"quoted",1,5.5,,,50,"a,b"',
    '2025-07-01T09:00:00Z,d,1,5.5,,,50,"first\nsecond\nthird"',
    "2025-07-01T09:00:00Z,d,1,5.5,,,50",
    "",
    "   ",
    "2025-07-01T09:00:00Z,d\u00e9,1,5.5,,,50,",
    '2025-07-01T09:00:00Z,"a ""quote""",1,5.5,,,50,x',
]


def reference(text: str) -> list[tuple[int, list[str]]]:
    """(first line, fields) of every non-blank record, by one csv.reader over the text."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    next(reader)
    found, line = [], reader.line_num + 1
    for fields in reader:
        if fields:
            found.append((line, fields))
        line = reader.line_num + 1
    return found


def split(tmp_path: Path, text: str) -> list[tuple[int, list[str]]]:
    """(line, fields) of every record the splitter wrote, plain and csv-module alike."""
    source = tmp_path / "in.csv"
    with source.open("w", newline="") as handle:
        handle.write(text)
    plain, records = tmp_path / "plain.csv", tmp_path / "records.csv"
    with source.open("rb") as src, plain.open("wb") as out, records.open("w", newline="") as rec:
        src.readline()
        read_csv_records(src, out, rec, 4096)
    found = [(int(r[0]), r[1:]) for r in csv.reader(plain.read_text().splitlines())]
    with records.open(newline="") as handle:
        for row in csv.reader(handle):
            whole = row[1] == "" and row[3] == "8"
            found.append((int(row[0]), row[5:] if whole else ["<problem>"]))
    return sorted(found)


@pytest.mark.parametrize("block_bytes", [64, 150, 4096])
def test_records_and_line_numbers_match_one_csv_pass(
    tmp_path: Path, block_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(telemetry_records, "BLOCK_BYTES", block_bytes)
    rng = random.Random(block_bytes)
    lines = [PLAIN.format(s=n % 60, n=n) for n in range(200)]
    for odd in ODD * 3:
        lines.insert(rng.randrange(len(lines)), odd)
    text = "\n".join([HEADER, *lines]) + "\n"
    expected = [(n, f if len(f) == 8 else ["<problem>"]) for n, f in reference(text)]
    assert split(tmp_path, text) == sorted(expected)
