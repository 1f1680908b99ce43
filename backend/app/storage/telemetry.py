"""Ingest and quarantine SQL: validate staged records, split them into telemetry and quarantine.

The records of one source (``telemetry_records``) are validated set-based into the
temporary ``ingest_stage`` table: one row per record with its line number, its typed
values when valid, or its raw text and reason when not. Exact repeats of a stored or
earlier row are counted as duplicates; a repeat with other values (a conflict) is
quarantined. Telemetry and quarantine are filled in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb

from app.storage.duckdb import fetch_page
from app.storage.telemetry_records import FIELDS, CsvRecords
from app.storage.telemetry_rules import (
    BLE_CHECK,
    CHECKS,
    DEVICE_CHECK,
    QUICK_OK,
    QUICK_TS,
    QUICK_VALUES,
    ROW_OK,
    STRICT_VALUES,
    TRIMMED,
    TYPED,
    columns,
)

COLUMNS = FIELDS
STAGE = "ingest_stage"
OUTCOME = "ingest_outcome"
TEXT_COLUMNS = ("ts_s", "dev_s", "seq_s", "amp_s", "lat_s", "lon_s", "bat_s", "ble_s")
_TYPES = ", ".join(f"'{name}': 'VARCHAR'" for name in TEXT_COLUMNS)
# Plain lines hold no quote and exactly eight fields, after their line number: DuckDB
# splits them as they are, and such a line is its fields joined by commas.
PLAIN_SQL = f"""
SELECT line, NULL AS line_reason, NULL AS raw, {len(FIELDS)} AS n_fields, {", ".join(TEXT_COLUMNS)}
FROM read_csv($plain, header = false, delim = ',', quote = '', escape = '',
    auto_detect = false, strict_mode = true, columns = {{'line': 'BIGINT', {_TYPES}}})
"""


def _unescaped(name: str) -> str:
    return (
        f"CASE WHEN escaped = 1 THEN replace(replace({name}, '%0D', chr(13)), '%25', '%') "
        f"ELSE {name} END AS {name}"
    )


RECORDS_SQL = f"""
SELECT line, problem AS line_reason, {_unescaped("raw")}, n_fields,
    {", ".join(_unescaped(name) for name in TEXT_COLUMNS)}
FROM read_csv($records, header = false, delim = ',', quote = '"', escape = '"',
    auto_detect = false, strict_mode = true,
    columns = {{'line': 'BIGINT', 'problem': 'VARCHAR', 'raw': 'VARCHAR',
        'n_fields': 'INTEGER', 'escaped': 'INTEGER', {_TYPES}}})
"""
JOINED = " || ',' || ".join(f"coalesce({name}, '')" for name in TEXT_COLUMNS)
# Rows passing the quick test take its values; only the others are trimmed, parsed
# strictly and, if still invalid, given a reason (CASE evaluates a branch only for
# the rows that take it).
STRICT = "(NOT quick)"
VALIDATE_SQL = f"""
CREATE OR REPLACE TEMP TABLE {STAGE} AS
WITH marked AS (
    SELECT *, coalesce(line_reason IS NULL AND n_fields = {len(FIELDS)} AND {QUICK_OK}, false)
        AS quick
    FROM (SELECT *, {QUICK_TS} AS ts_q FROM ({{records}}))
),
typed AS (
    SELECT *, {columns(TYPED, "quick")} FROM (SELECT *, {columns(TRIMMED, "quick")} FROM marked)
),
checked AS (
    SELECT *, CASE WHEN quick THEN NULL
        WHEN line_reason IS NOT NULL THEN line_reason
        WHEN n_fields <> {len(FIELDS)}
            THEN 'wrong column count: expected {len(FIELDS)}, got ' || n_fields
        WHEN coalesce({ROW_OK}, false) THEN NULL
        ELSE nullif(concat_ws('; ', {CHECKS}), '') END AS reason
    FROM typed
)
SELECT line, reason, CASE WHEN reason IS NOT NULL THEN coalesce(raw, {JOINED}) END AS raw,
    {
    ", ".join(
        f"CASE WHEN quick THEN {QUICK_VALUES[n]} WHEN reason IS NULL THEN {STRICT_VALUES[n]} END"
        f" AS {n}"
        for n in QUICK_VALUES
    )
},
    false AS duplicate
FROM checked
"""
KEY = ("ts", "device_id", "seq")
VALUES = ("current_amp", "gps_lat", "gps_lon", "battery_level", "ble_id")


def _on(a: str, b: str) -> str:
    return " AND ".join(f"{a}.{k} = {b}.{k}" for k in KEY)


def differences(a: str, b: str) -> str:
    """SQL text listing the values in which rows ``a`` and ``b`` differ ('' when none)."""
    parts = [
        f"CASE WHEN {a}.{v} IS DISTINCT FROM {b}.{v} THEN '{v} ' || coalesce(CAST({a}.{v} AS "
        f"VARCHAR), 'empty') || ' vs ' || coalesce(CAST({b}.{v} AS VARCHAR), 'empty') END"
        for v in VALUES
    ]
    return f"concat_ws(', ', {', '.join(parts)})"


# The reference of a repeated key is the stored row if there is one, else the key's
# first line in the source; every other row with that key is compared with it.
OUTCOME_SQL = f"""
CREATE OR REPLACE TEMP TABLE {OUTCOME} AS
WITH valid AS (SELECT * FROM {STAGE} WHERE reason IS NULL),
firsts AS (
    SELECT ts, device_id, seq, min(line) AS first_line FROM valid
    GROUP BY ALL HAVING count(*) > 1
),
stored AS (SELECT * FROM telemetry WHERE ts BETWEEN $lo AND $hi)
SELECT v.line,
    CASE WHEN s.device_id IS NOT NULL THEN {differences("v", "s")}
        ELSE {differences("v", "r")} END AS differs,
    CASE WHEN s.device_id IS NOT NULL THEN 'the row stored by ingest ' || s.ingest_id
        ELSE 'line ' || f.first_line END AS other
FROM valid v
LEFT JOIN stored s ON {_on("s", "v")}
LEFT JOIN firsts f ON {_on("f", "v")}
LEFT JOIN valid r ON r.line = f.first_line
WHERE s.device_id IS NOT NULL OR v.line <> f.first_line
"""
APPLY_OUTCOME_SQL = f"""
UPDATE {STAGE} s SET duplicate = o.differs = '',
    reason = CASE WHEN o.differs <> '' THEN 'conflicts with ' || o.other || ': ' || o.differs END
FROM {OUTCOME} o WHERE s.line = o.line
"""
REJECT_RAW_SQL = f"""
UPDATE {STAGE} s SET raw = coalesce(r.raw, r.joined)
FROM (SELECT line, raw, {JOINED} AS joined FROM ({{records}})) r
WHERE s.line = r.line AND s.raw IS NULL AND s.reason IS NOT NULL
"""
# Rows that passed the quick test have unchecked ids: each distinct pair is checked once.
BAD_IDS_SQL = f"""
UPDATE {STAGE} s SET reason = b.reason FROM (
    SELECT device_id, ble_id, nullif(concat_ws('; ', {DEVICE_CHECK}, {BLE_CHECK}), '') AS reason
    FROM (SELECT DISTINCT device_id, ble_id, device_id AS dev_t, ble_id AS ble_t
        FROM {STAGE} WHERE reason IS NULL)
) b
WHERE s.reason IS NULL AND b.reason IS NOT NULL AND s.device_id IS NOT DISTINCT FROM b.device_id
    AND s.ble_id IS NOT DISTINCT FROM b.ble_id
"""
RAW_MISSING_SQL = f"SELECT count(*) FROM {STAGE} WHERE reason IS NOT NULL AND raw IS NULL"
# Equal keys hash equally; a hash collision only costs the comparison query.
HAS_REPEATS_SQL = f"""SELECT count(*) <> count(DISTINCT hash(ts, device_id, seq))
FROM {STAGE} WHERE reason IS NULL"""
RANGE_SQL = f"SELECT min(ts), max(ts) FROM {STAGE} WHERE reason IS NULL"
OVERLAP_SQL = "SELECT EXISTS (SELECT 1 FROM telemetry WHERE ts BETWEEN $lo AND $hi)"


@dataclass(frozen=True)
class Staged:
    """The SQL and parameters that read one source's records."""

    sql: str
    params: dict[str, Any]


def csv_source(records: CsvRecords) -> Staged:
    """The plain blocks and the records file of a CSV file."""
    parts: list[str] = []
    params: dict[str, Any] = {}
    if records.plain_rows:
        parts.append(PLAIN_SQL)
        params["plain"] = str(records.plain)
    if records.record_rows:
        parts.append(RECORDS_SQL)
        params["records"] = str(records.records)
    return Staged(" UNION ALL ".join(parts), params)


def records_source(path: str) -> Staged:
    """A records file alone (the JSON items of a request)."""
    return Staged(RECORDS_SQL, {"records": path})


def time_params(earliest: datetime, latest: datetime) -> dict[str, datetime]:
    """The plausible time range as the rules read it: aware, and naive UTC."""
    return {
        "earliest": earliest,
        "latest": latest,
        "earliest_utc": earliest.astimezone(UTC).replace(tzinfo=None),
        "latest_utc": latest.astimezone(UTC).replace(tzinfo=None),
    }


def stage(
    conn: duckdb.DuckDBPyConnection, source: Staged, earliest: datetime, latest: datetime
) -> None:
    """Validate the source's records into the stage table."""
    params = {**source.params, **time_params(earliest, latest)}
    conn.execute(VALIDATE_SQL.replace("{records}", source.sql), params)


def finish_checks(conn: duckdb.DuckDBPyConnection, source: Staged) -> None:
    """Check the quick rows' ids, resolve repeats, and fetch the raw text of new rejects."""
    conn.execute(BAD_IDS_SQL)
    resolve_repeats(conn)
    missing = conn.execute(RAW_MISSING_SQL).fetchone()
    if missing and missing[0]:
        conn.execute(REJECT_RAW_SQL.replace("{records}", source.sql), source.params)


def resolve_repeats(conn: duckdb.DuckDBPyConnection) -> None:
    """Mark exact repeats of stored or earlier rows as duplicates; quarantine conflicts."""
    lo, hi = conn.execute(RANGE_SQL).fetchone() or (None, None)
    if lo is None:
        return
    repeats = conn.execute(HAS_REPEATS_SQL).fetchone()
    overlap = conn.execute(OVERLAP_SQL, {"lo": lo, "hi": hi}).fetchone()
    if not (repeats and repeats[0]) and not (overlap and overlap[0]):
        return
    conn.execute(OUTCOME_SQL, {"lo": lo, "hi": hi})
    conn.execute(APPLY_OUTCOME_SQL)
    conn.execute(f"DROP TABLE {OUTCOME}")


def staged_counts(conn: duckdb.DuckDBPyConnection) -> tuple[int, int, int]:
    """New, duplicate and quarantined row counts of the stage."""
    row = conn.execute(
        f"SELECT count(*) FILTER (WHERE reason IS NULL AND NOT duplicate), "
        f"count(*) FILTER (WHERE duplicate), count(*) FILTER (WHERE reason IS NOT NULL) "
        f"FROM {STAGE}"
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def quarantine_staged(
    conn: duckdb.DuckDBPyConnection, ingest_id: int, source: str, at: datetime
) -> None:
    """Copy the stage's rejected rows into ``quarantine``."""
    conn.execute(
        f"INSERT INTO quarantine SELECT $id, $source, line, raw, reason, $at FROM {STAGE} "
        "WHERE reason IS NOT NULL",
        {"id": ingest_id, "source": source, "at": at},
    )


def insert_staged(conn: duckdb.DuckDBPyConnection, ingest_id: int) -> int:
    """Insert the stage's new rows; returns the count."""
    row = conn.execute(
        f"INSERT INTO telemetry SELECT ts, device_id, seq, current_amp, gps_lat, gps_lon, "
        f"battery_level, ble_id, $ingest_id FROM {STAGE} WHERE reason IS NULL AND NOT duplicate",
        {"ingest_id": ingest_id},
    ).fetchone()
    return int(row[0]) if row else 0


def drop_stage(conn: duckdb.DuckDBPyConnection) -> None:
    """Free the stage table."""
    conn.execute(f"DROP TABLE IF EXISTS {STAGE}")


def devices_of_ingest(conn: duckdb.DuckDBPyConnection, ingest_id: int) -> list[str]:
    """Devices that received rows in ``ingest_id``, sorted."""
    rows = conn.execute(
        "SELECT DISTINCT device_id FROM telemetry WHERE ingest_id = ? ORDER BY 1", [ingest_id]
    ).fetchall()
    return [str(r[0]) for r in rows]


def next_ingest_id(conn: duckdb.DuckDBPyConnection) -> int:
    """A fresh ingest id."""
    row = conn.execute("SELECT nextval('ingest_id_seq')").fetchone()
    assert row is not None
    return int(row[0])


def record_ingest(conn: duckdb.DuckDBPyConnection, values: dict[str, Any]) -> None:
    """Insert one ``ingests`` row from a dict of its columns."""
    names = ", ".join(values)
    marks = ", ".join(f"${n}" for n in values)
    conn.execute(f"INSERT INTO ingests ({names}) VALUES ({marks})", values)


def sha_ingested(conn: duckdb.DuckDBPyConnection, sha256: str) -> bool:
    """True when a file with this digest was ingested (its ingest committed)."""
    row = conn.execute("SELECT count(*) FROM ingests WHERE sha256 = ?", [sha256]).fetchone()
    return bool(row and row[0])


def list_quarantine(
    conn: duckdb.DuckDBPyConnection,
    *,
    source: str | None,
    ingest_id: int | None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """One page of quarantined rows, newest ingest first, and the total matching."""
    params: dict[str, Any] = {"source": source, "ingest_id": ingest_id}
    where = (
        "WHERE ($source IS NULL OR source = $source) "
        "AND ($ingest_id IS NULL OR ingest_id = $ingest_id)"
    )
    order = "ingest_id DESC, line NULLS LAST, quarantined_at"
    return fetch_page(conn, f"quarantine {where}", order, params, limit=limit, offset=offset)


def list_ingests(
    conn: duckdb.DuckDBPyConnection, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of the ingest history, newest first, and its total."""
    return fetch_page(conn, "ingests", "ingest_id DESC", {}, limit=limit, offset=offset)
