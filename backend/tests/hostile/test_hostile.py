"""Every hostile input of the corpus through CSV POST, JSON POST and ``drillwatch ingest``.

For each: no 5xx, no crash; accepted + duplicates + quarantined = records; accepted
rows are stored with the values sent (computed here independently); quarantined rows
keep their raw text and name their reason; the leading good row is always stored.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient

from app.core.config import BACKEND_DIR
from tests.hostile.cases import CASES, FIELDS, Case, Raw, Row
from tests.support import process_env

MAX_LINE = 4096
JSON_OFFSET = 500  # JSON cases use other devices and times than the CSV ones
DEFAULTS = {"seq": 1, "current_amp": 5.5, "gps_lat": 52.1, "gps_lon": 13.2}
DEFAULTS |= {"battery_level": 50, "ble_id": "AA:BB"}
JSON_NUMBER = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|NaN|-?Infinity")
NUMERIC = {"seq", "current_amp", "gps_lat", "gps_lon", "battery_level"}


@dataclass
class Built:
    """One case rendered for a channel: the body, the outcome and source of every record."""

    body: bytes
    outcomes: list[str]
    sent: list[Any]  # per record: the Row values (dict), the JSON item, or None (raw CSV)
    raws: list[str | None]  # per record: the raw text expected in the quarantine
    json: bool = False  # raw texts are JSON, compared as values


def defaults(index: int) -> dict[str, Any]:
    """The case's own device and time, so that cases never collide."""
    ts = datetime(2025, 7, 1, tzinfo=UTC) + timedelta(hours=index)
    return {"timestamp": ts.strftime("%Y-%m-%dT%H:%M:%SZ"), "device_id": f"h{index:03d}"}


def values_of(index: int, row: Row) -> dict[str, Any]:
    return {**DEFAULTS, **defaults(index), **row.values}


def lead_row(index: int) -> Row:
    ts = datetime(2025, 7, 1, 0, 30, tzinfo=UTC) + timedelta(hours=index)
    return Row("A", {"timestamp": ts.strftime("%Y-%m-%dT%H:%M:%SZ"), "seq": 2})


def csv_text(value: Any) -> str:
    return "" if value is None else str(value)


def build_csv(index: int, case: Case) -> Built:
    lines, outcomes, sent, raws = [], [], [], []
    for item in () if case.refused else (lead_row(index), *case.rows):
        if isinstance(item, Raw):
            own = defaults(index)
            data = item.data.replace(b"{ts}", own["timestamp"].encode())
            data = data.replace(b"{dev}", own["device_id"].encode())
            lines.append(data)
            outcomes += item.outcomes
            sent += [None] * len(item.outcomes)
            raws += [None] * len(item.outcomes)
            continue
        values = values_of(index, item)
        line = ",".join(csv_text(values[name]) for name in FIELDS)
        lines.append(line.encode())
        outcomes.append(item.outcome)
        sent.append(values)
        raws.append(line if len(line.encode()) <= MAX_LINE else None)
    body = b"\n".join([case.header, *lines]) + (
        b"\n" if case.name != "no final line break" else b""
    )
    if case.header == b"":
        body = b""
    return Built(body, outcomes, sent, raws)


def json_value(name: str, value: Any) -> str:
    if name in NUMERIC and isinstance(value, str) and JSON_NUMBER.fullmatch(value):
        return value  # a number literal, exactly as written
    return json.dumps(value)


def build_json(index: int, case: Case) -> Built:
    items, outcomes, sent = [], [], []
    for item in (lead_row(index), *case.rows):
        assert isinstance(item, Row)
        values = values_of(index, item)
        text = "{" + ",".join(f'"{n}":{json_value(n, values[n])}' for n in FIELDS) + "}"
        items.append(text)
        outcome = item.outcome if item.json_reason is None else f"Q:{item.json_reason}"
        outcomes.append(outcome)
        sent.append(values)
    for obj, outcome in case.json_items:
        filled = {**DEFAULTS, **defaults(index), **obj} if isinstance(obj, dict) and obj else obj
        items.append(json.dumps(filled))
        outcomes.append(outcome)
        sent.append(filled if isinstance(obj, dict) else None)
    body = ("[" + ",".join(items) + "]").encode()
    raws = [t if len(t) <= MAX_LINE and "NaN" not in t else None for t in items]
    return Built(body, outcomes, sent, raws, json=True)


def expected_row(values: dict[str, Any]) -> tuple[Any, ...]:
    """What must be stored for an accepted row, computed without DrillWatch's code."""
    moment = datetime.fromisoformat(str(values["timestamp"]).strip())
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)

    def number(name: str) -> float | None:
        text = csv_text(values[name]).strip()
        return float(text) if text else None

    ble = csv_text(values["ble_id"]).strip() or None
    return (
        moment,
        str(values["device_id"]).strip(" "),
        int(Decimal(csv_text(values["seq"]).strip())),
        number("current_amp"),
        number("gps_lat"),
        number("gps_lon"),
        int(Decimal(csv_text(values["battery_level"]).strip())),
        ble,
    )


def check_outcome(
    conn: duckdb.DuckDBPyConnection, ingest_id: int, built: Built, label: str
) -> None:
    """Stored rows, quarantine rows and their reasons match the case's outcomes."""
    stored = conn.execute(
        "SELECT ts, device_id, seq, current_amp, gps_lat, gps_lon, battery_level, ble_id "
        "FROM telemetry WHERE ingest_id = ?",
        [ingest_id],
    ).fetchall()
    accepted = [s for s, o in zip(built.sent, built.outcomes, strict=True) if o == "A"]
    expected = [expected_row(v) for v in accepted if isinstance(v, dict) and "timestamp" in v]
    for row in expected:
        assert row in stored, (label, row, stored)
    quarantine = conn.execute(
        "SELECT raw, reason FROM quarantine WHERE ingest_id = ? ORDER BY line", [ingest_id]
    ).fetchall()
    wanted = [
        (raw, o[2:]) for raw, o in zip(built.raws, built.outcomes, strict=True) if o.startswith("Q")
    ]
    assert len(quarantine) == len(wanted), (label, quarantine, wanted)
    for (raw, reason), (want_raw, want_reason) in zip(quarantine, wanted, strict=True):
        assert want_reason in reason, (label, reason, want_reason)
        assert raw, (label, reason)
        if want_raw is not None and built.json:
            assert json.loads(raw) == json.loads(want_raw), (label, raw, want_raw)
        elif want_raw is not None:
            assert raw == want_raw, (label, raw, want_raw)


def counts(outcomes: list[str]) -> tuple[int, int, int]:
    return (
        sum(o == "A" for o in outcomes),
        sum(o == "D" for o in outcomes),
        sum(o.startswith("Q") for o in outcomes),
    )


@pytest.fixture
def api(client: TestClient, admin_headers: dict[str, str]) -> TestClient:
    client.app.state.startup_ingest.join(timeout=30)  # type: ignore[attr-defined]
    client.headers.update(admin_headers)
    return client


def test_corpus_has_over_a_hundred_inputs() -> None:
    rows = sum(max(len(c.rows), 1) + len(c.json_items) for c in CASES)
    assert len(CASES) >= 100
    assert rows >= 125


def test_every_hostile_input_through_the_api(api: TestClient) -> None:
    store = api.app.state.store  # type: ignore[attr-defined]
    for index, case in enumerate(CASES):
        channels = [("text/csv", build_csv)] if case.csv else []
        channels += [("application/json", build_json)] if case.json else []
        for media, build in channels:
            built = build(index + JSON_OFFSET * (media != "text/csv"), case)
            label = f"{case.name} ({media})"
            response = api.post(
                "/api/v1/telemetry", content=built.body, headers={"Content-Type": media}
            )
            assert response.status_code < 500, (label, response.text)
            refused = case.refused if media == "text/csv" else case.json_refused
            if refused:
                assert response.status_code == 422, (label, response.text)
                assert refused in response.json()["detail"], label
                continue
            assert response.status_code == 200, (label, response.text)
            report = response.json()
            got = (report["accepted"], report["duplicates"], report["quarantined"])
            assert got == counts(built.outcomes), (label, got, built.outcomes)
            with store.connect() as conn:
                check_outcome(conn, report["ingest_id"], built, label)


def test_every_hostile_csv_through_the_cli(tmp_path: Path) -> None:
    env = process_env(tmp_path / "cli", lock_timeout=30)
    folder = tmp_path / "inputs"
    folder.mkdir()
    files: list[tuple[Path, Case, Built]] = []
    for index, case in enumerate(CASES):
        if not case.csv:
            continue
        path = folder / f"case{index:03d}.csv"
        built = build_csv(index, case)
        path.write_bytes(built.body)
        files.append((path, case, built))
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "ingest", *(str(p) for p, _, _ in files)],
        cwd=BACKEND_DIR,
        env={**env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    refused = [(p, c) for p, c, _ in files if c.refused]
    assert result.returncode == (1 if refused else 0), result.stderr[-3000:]
    with duckdb.connect(env["DUCKDB_PATH"]) as conn:
        for path, case, built in files:
            row = conn.execute(
                "SELECT ingest_id, accepted, duplicates, quarantined FROM ingests WHERE source = ?",
                [str(path.resolve())],
            ).fetchone()
            if case.refused:
                assert row is None, case.name
                assert str(path) in result.stderr, case.name
                assert case.refused in result.stderr, case.name
                continue
            assert row is not None, (case.name, result.stderr[-2000:])
            assert tuple(row[1:]) == counts(built.outcomes), (case.name, row, built.outcomes)
            check_outcome(conn, row[0], built, case.name)
