"""Ingest and quarantine SQL: stage a file, split it into telemetry and quarantine.

A file is read once by DuckDB's CSV reader, one VARCHAR per line, so the
quarantine keeps the exact raw text and line number of every rejected row. The
validated lines land in a temporary ``ingest_stage`` table; telemetry and
quarantine are filled from it in the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from app.storage.duckdb import fetch_page

COLUMNS = (
    "timestamp",
    "device_id",
    "seq",
    "current_amp",
    "gps_lat",
    "gps_lon",
    "battery_level",
    "ble_id",
)
STAGE = "ingest_stage"
# One VARCHAR per line: the quarantine keeps the exact raw text. NUL is the
# delimiter because text has none; a line holding one fails the whole file, except
# a line of NUL bytes only, which the reader returns as NULL like a blank line.
BLANK = "blank line"
CSV_FIELDS_SQL = f"""
SELECT line, text, len(p) AS n_cols, CASE WHEN text IS NULL THEN '{BLANK}' END AS line_reason,
    p[1] AS ts_s, trim(p[2]) AS device_id, p[3] AS seq_s, p[4] AS amp_s,
    p[5] AS lat_s, p[6] AS lon_s, p[7] AS bat_s, nullif(trim(rtrim(p[8], '\r')), '') AS ble_id
FROM (
    SELECT row_number() OVER () AS line, text, string_split(text, ',') AS p
    FROM read_csv($path, columns = {{'text': 'VARCHAR'}}, header = false, delim = '\x00',
        quote = '', escape = '', auto_detect = false, strict_mode = true)
)
WHERE line > 1
"""
# Split on commas instead, a NUL-only line is one non-empty field while a blank line
# stays NULL; the first field of a NUL-only line is the whole line.
NUL_LINES_SQL = f"""
UPDATE {STAGE} s SET raw = f.text,
    reason = CASE WHEN replace(rtrim(f.text, chr(13)), chr(0), '') = ''
        THEN 'not text: the line holds only NUL bytes' ELSE 'unreadable line' END
FROM (
    SELECT row_number() OVER () AS line, text
    FROM read_csv($path, columns = {{'text': 'VARCHAR'}}, header = false, delim = ',',
        quote = '', escape = '', auto_detect = false, strict_mode = false)
) f
WHERE s.reason = '{BLANK}' AND s.line = f.line AND f.text IS NOT NULL
"""
JSON_FIELDS_SQL = """
SELECT row_number() OVER () AS line, json::VARCHAR AS text, 8 AS n_cols,
    CASE WHEN json_type(json) <> 'OBJECT' THEN 'item is not a JSON object' END AS line_reason,
    json_extract_string(json, '$.timestamp') AS ts_s,
    trim(coalesce(json_extract_string(json, '$.device_id'), '')) AS device_id,
    json_extract_string(json, '$.seq') AS seq_s,
    json_extract_string(json, '$.current_amp') AS amp_s,
    json_extract_string(json, '$.gps_lat') AS lat_s,
    json_extract_string(json, '$.gps_lon') AS lon_s,
    json_extract_string(json, '$.battery_level') AS bat_s,
    nullif(trim(json_extract_string(json, '$.ble_id')), '') AS ble_id
FROM read_json_objects($path, format = 'array')
"""


def _empty(text: str) -> str:
    return f"trim(coalesce({text}, '')) = ''"


def _number_check(name: str, text: str, lo: float, hi: float, *, integer: bool = False) -> str:
    """A CASE naming the first problem of one numeric field, NULL when it is fine."""
    value = f"{name}_d"
    bad_integer = (
        f"WHEN {value} <> trunc({value}) THEN '{name} is not an integer: ' || trim({text})"
        if integer
        else ""
    )
    return f"""CASE WHEN {value} IS NULL OR NOT isfinite({value}) THEN
            CASE WHEN {_empty(text)} THEN '{name} is empty'
            ELSE '{name} is not a number: ' || trim({text}) END
        WHEN {value} < {lo} OR {value} > {hi}
            THEN '{name} out of range {lo:g}..{hi:g}: ' || trim({text})
        {bad_integer} END"""


TS_RANGE = "TIMESTAMPTZ '1970-01-01 00:00:00+00' AND TIMESTAMPTZ '9999-12-31 00:00:00+00'"
TS_CHECK = f"""CASE WHEN {_empty("ts_s")} THEN 'timestamp is empty'
    WHEN ts_tz IS NULL THEN 'timestamp unparseable: ' || trim(ts_s)
    WHEN NOT ts_tz BETWEEN {TS_RANGE}
        THEN 'timestamp out of range 1970..9999: ' || trim(ts_s) END"""
SEQ_CHECK = f"""CASE WHEN {_empty("seq_s")} THEN 'seq is empty'
    WHEN seq_d IS NULL OR NOT isfinite(seq_d) OR seq_d <> trunc(seq_d)
        OR abs(seq_d) >= 9.2e18 THEN 'seq is not an integer: ' || trim(seq_s) END"""
GPS_EMPTY = f"({_empty('lat_s')} AND {_empty('lon_s')})"
CHECKS = ",\n".join(
    [
        TS_CHECK,
        "CASE WHEN device_id = '' THEN 'device_id is empty' END",
        SEQ_CHECK,
        _number_check("current_amp", "amp_s", 0, 100),
        f"CASE WHEN NOT {GPS_EMPTY} THEN {_number_check('gps_lat', 'lat_s', -90, 90)} END",
        f"CASE WHEN NOT {GPS_EMPTY} THEN {_number_check('gps_lon', 'lon_s', -180, 180)} END",
        _number_check("battery_level", "bat_s", 0, 100, integer=True),
    ]
)
# Cheap numeric test passed by almost every row; only the others build a reason.
# NaN sorts above every number in DuckDB, so BETWEEN rejects it like infinity.
ROW_OK = f"""line_reason IS NULL AND n_cols = {len(COLUMNS)} AND device_id <> ''
    AND ts_tz BETWEEN {TS_RANGE} AND seq_d = trunc(seq_d) AND abs(seq_d) < 9.2e18
    AND current_amp_d BETWEEN 0 AND 100
    AND battery_level_d BETWEEN 0 AND 100 AND battery_level_d = trunc(battery_level_d)
    AND ((gps_lat_d BETWEEN -90 AND 90 AND gps_lon_d BETWEEN -180 AND 180) OR {GPS_EMPTY})"""
VALIDATE_SQL = f"""
CREATE OR REPLACE TEMP TABLE {STAGE} AS
WITH fields AS ({{fields}}),
typed AS (
    SELECT *, TRY_CAST(ts_s AS TIMESTAMPTZ) AS ts_tz, TRY_CAST(seq_s AS DOUBLE) AS seq_d,
        TRY_CAST(amp_s AS DOUBLE) AS current_amp_d, TRY_CAST(lat_s AS DOUBLE) AS gps_lat_d,
        TRY_CAST(lon_s AS DOUBLE) AS gps_lon_d, TRY_CAST(bat_s AS DOUBLE) AS battery_level_d
    FROM fields
),
checked AS (
    SELECT *, CASE WHEN coalesce({ROW_OK}, false) THEN NULL
        WHEN line_reason IS NOT NULL THEN line_reason
        WHEN n_cols <> {len(COLUMNS)}
            THEN 'wrong column count: expected {len(COLUMNS)}, got ' || n_cols
        ELSE nullif(concat_ws('; ', {CHECKS}), '') END AS reason
    FROM typed
)
SELECT line, reason,
    CASE WHEN reason IS NOT NULL THEN text END AS raw,
    CASE WHEN reason IS NULL THEN timezone('UTC', ts_tz) END AS ts, device_id,
    CASE WHEN reason IS NULL THEN CAST(seq_d AS BIGINT) END AS seq,
    current_amp_d AS current_amp,
    CASE WHEN reason IS NULL THEN gps_lat_d END AS gps_lat,
    CASE WHEN reason IS NULL THEN gps_lon_d END AS gps_lon,
    CASE WHEN reason IS NULL THEN CAST(battery_level_d AS SMALLINT) END AS battery_level,
    ble_id
FROM checked
"""
# Only stored rows inside the new rows' time range can be duplicates of them.
NEW_ROWS = """ANTI JOIN (SELECT device_id, seq, ts FROM telemetry WHERE ts BETWEEN $lo AND $hi) t
    ON t.device_id = s.device_id AND t.seq = s.seq AND t.ts = s.ts"""
INSERT_SQL = f"""
INSERT INTO telemetry
SELECT s.ts, s.device_id, s.seq, s.current_amp, s.gps_lat, s.gps_lon, s.battery_level,
    s.ble_id, $ingest_id
FROM {{rows}} s {NEW_ROWS}
"""
VALID_ROWS = f"(SELECT * FROM {STAGE} WHERE reason IS NULL)"
# Within a file the first line of a duplicated (device_id, seq, ts) wins.
FIRST_OF_DUPLICATES = f"""(
    SELECT ts, device_id, seq, arg_min(current_amp, line) AS current_amp,
        arg_min(gps_lat, line) AS gps_lat, arg_min(gps_lon, line) AS gps_lon,
        arg_min(battery_level, line) AS battery_level, arg_min(ble_id, line) AS ble_id
    FROM {STAGE} WHERE reason IS NULL GROUP BY ts, device_id, seq
)"""
# Equal keys hash equally; a hash collision only costs the deduplicating insert.
HAS_DUPLICATES_SQL = f"""SELECT count(*) <> count(DISTINCT hash(ts, device_id, seq))
FROM {STAGE} WHERE reason IS NULL"""


def stage_csv(conn: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Read a CSV file (header on line 1) into the validated stage table."""
    conn.execute(VALIDATE_SQL.format(fields=CSV_FIELDS_SQL), {"path": str(path)})
    blank = conn.execute(f"SELECT count(*) FROM {STAGE} WHERE reason = $b", {"b": BLANK})
    if (blank.fetchone() or (0,))[0]:
        conn.execute(NUL_LINES_SQL, {"path": str(path)})
        conn.execute(f"DELETE FROM {STAGE} WHERE reason = $b", {"b": BLANK})


def stage_json(conn: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Read a JSON array of objects into the validated stage table."""
    conn.execute(VALIDATE_SQL.format(fields=JSON_FIELDS_SQL), {"path": str(path)})


def staged_counts(conn: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """Valid and quarantined row counts of the stage."""
    row = conn.execute(
        f"SELECT count(*) FILTER (WHERE reason IS NULL), count(*) FILTER (WHERE reason IS NOT NULL)"
        f" FROM {STAGE}"
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


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
    """Insert the stage's valid rows not yet stored (first line wins); returns the count."""
    # Deduplicating costs an aggregate over every row, so it runs only when needed.
    lo, hi = conn.execute(
        f"SELECT min(ts), max(ts) FROM {STAGE} WHERE reason IS NULL"
    ).fetchone() or (None, None)
    if lo is None:
        return 0
    duplicated = conn.execute(HAS_DUPLICATES_SQL).fetchone()
    rows = FIRST_OF_DUPLICATES if duplicated and duplicated[0] else VALID_ROWS
    params = {"ingest_id": ingest_id, "lo": lo, "hi": hi}
    row = conn.execute(INSERT_SQL.format(rows=rows), params).fetchone()
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
    order = "ingest_id DESC, line"
    return fetch_page(conn, f"quarantine {where}", order, params, limit=limit, offset=offset)


def list_ingests(
    conn: duckdb.DuckDBPyConnection, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of the ingest history, newest first, and its total."""
    return fetch_page(conn, "ingests", "ingest_id DESC", {}, limit=limit, offset=offset)
