"""Fast path for clean CSV files: one parallel read straight into ``telemetry``.

Most files have no bad row, so a file is first loaded by DuckDB's reader with quoting
off: a file without quotes splits exactly like RFC 4180 says, and any quote lands in a
field, where the quick test of ``telemetry_rules`` refuses it (it is stricter than the
validator's parse, never looser). Any row the validator
would quarantine, read differently or count as a conflict fails the load; the caller
then rolls the attempt back and runs the validator on that file.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from app.storage.telemetry import differences, time_params
from app.storage.telemetry_rules import ID_PATTERN, QUICK_OK, QUICK_TS, QUICK_VALUES

NOT_CLEAN = "a row needs the line-numbered validator"
# nullstr is a newline, which no field can hold: empty fields stay '' and only a
# missing field (short row) is NULL. The ninth column catches extra fields, which the
# strict reader would otherwise drop silently.
READ_SQL = """read_csv($path, header = true, delim = ',', quote = '', escape = '',
    auto_detect = false, strict_mode = true, null_padding = true, nullstr = '\n',
    max_line_size = $max_line_bytes,
    columns = {'ts_s': 'VARCHAR', 'dev_s': 'VARCHAR', 'seq_s': 'VARCHAR', 'amp_s': 'VARCHAR',
        'lat_s': 'VARCHAR', 'lon_s': 'VARCHAR', 'bat_s': 'VARCHAR', 'ble_s': 'VARCHAR',
        'extra': 'VARCHAR'})"""
INSERT_SQL = f"""
INSERT INTO telemetry
SELECT CASE WHEN extra IS NULL AND ble_s IS NOT NULL AND {QUICK_OK}
        THEN ts_q ELSE error('{NOT_CLEAN}') END,
    {", ".join(QUICK_VALUES[name] for name in QUICK_VALUES if name != "ts")}, $ingest_id
FROM (SELECT *, {QUICK_TS} AS ts_q FROM {READ_SQL})
"""
# The ids of a file are few: checked once per distinct value, after the insert.
BAD_IDS_SQL = f"""
SELECT EXISTS (SELECT 1 FROM (SELECT DISTINCT device_id AS id FROM telemetry
        WHERE ingest_id = $ingest_id
    UNION SELECT DISTINCT ble_id FROM telemetry WHERE ingest_id = $ingest_id AND ble_id IS NOT NULL)
    WHERE NOT regexp_full_match(id, '{ID_PATTERN}'))
"""
# Equal keys hash equally, so equal counts prove the file has no repeated key; a hash
# collision only sends a clean file to the validator.
REPEATS_SQL = """
SELECT count(*) <> count(DISTINCT hash(device_id, seq, ts))
FROM telemetry WHERE ingest_id = $ingest_id
"""
RANGE_SQL = "SELECT min(ts), max(ts) FROM telemetry WHERE ingest_id = $ingest_id"
OVERLAP_SQL = """
SELECT EXISTS (SELECT 1 FROM telemetry
    WHERE ts BETWEEN $lo AND $hi AND ingest_id <> $ingest_id)
"""
KNOWN = """telemetry n JOIN telemetry o ON o.device_id = n.device_id AND o.seq = n.seq
    AND o.ts = n.ts
WHERE n.ingest_id = $ingest_id AND o.ts BETWEEN $lo AND $hi AND o.ingest_id <> $ingest_id"""
CONFLICTS_SQL = f"SELECT count(*) FROM {KNOWN} AND {differences('n', 'o')} <> ''"
DELETE_KNOWN_SQL = """
DELETE FROM telemetry n WHERE n.ingest_id = $ingest_id AND EXISTS (
    SELECT 1 FROM telemetry o
    WHERE o.ts BETWEEN $lo AND $hi AND o.ingest_id <> $ingest_id
        AND o.device_id = n.device_id AND o.seq = n.seq AND o.ts = n.ts)
"""


class NotClean(Exception):
    """The file needs the line-numbered validator."""


def insert_clean_csv(
    conn: duckdb.DuckDBPyConnection,
    path: Path,
    ingest_id: int,
    *,
    earliest: datetime,
    latest: datetime,
    max_line_bytes: int,
) -> int:
    """Insert every row of a clean CSV under ``ingest_id``; returns the row count.

    Raises ``NotClean`` (or a ``duckdb.Error``) when any row is not clean or the file
    repeats a (device_id, seq, timestamp); the caller's transaction must then roll back.
    """
    times = time_params(earliest, latest)
    params = {
        "path": str(path),
        "ingest_id": ingest_id,
        "earliest_utc": times["earliest_utc"],
        "latest_utc": times["latest_utc"],
        "max_line_bytes": max_line_bytes,
    }
    row = conn.execute(INSERT_SQL, params).fetchone()
    inserted = int(row[0]) if row else 0
    if inserted == 0:
        raise NotClean("no data rows")
    bad_ids = conn.execute(BAD_IDS_SQL, {"ingest_id": ingest_id}).fetchone()
    if bad_ids is None or bad_ids[0]:
        raise NotClean("a device_id or ble_id outside the id alphabet")
    repeated = conn.execute(REPEATS_SQL, {"ingest_id": ingest_id}).fetchone()
    if repeated is None or repeated[0]:
        raise NotClean("repeated rows inside the file")
    return inserted


def delete_known(conn: duckdb.DuckDBPyConnection, ingest_id: int) -> int:
    """Remove rows of ``ingest_id`` stored before by other ingests; returns how many.

    Raises ``NotClean`` when a stored row has the same key but other values (a conflict).
    """
    lo, hi = conn.execute(RANGE_SQL, {"ingest_id": ingest_id}).fetchone() or (None, None)
    params = {"ingest_id": ingest_id, "lo": lo, "hi": hi}
    overlap = conn.execute(OVERLAP_SQL, params).fetchone()
    if lo is None or not (overlap and overlap[0]):
        return 0
    conflicts = conn.execute(CONFLICTS_SQL, params).fetchone()
    if conflicts and conflicts[0]:
        raise NotClean("rows conflicting with stored rows")
    row = conn.execute(DELETE_KNOWN_SQL, params).fetchone()
    return int(row[0]) if row else 0
