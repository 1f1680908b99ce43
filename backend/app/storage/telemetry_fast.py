"""Fast path for clean CSV files: one typed, parallel read straight into ``telemetry``.

The line-numbered validator in ``telemetry`` is exact but single-threaded. Most files
have no bad row, so a file is first loaded by DuckDB's typed reader under checks that
fail on any row the validator would quarantine or could read differently; the
caller then rolls the attempt back and runs the validator on that file.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from app.storage.telemetry import TS_RANGE

NOT_CLEAN = "a row needs the line-numbered validator"
# Numbers are typed in the reader (a field it cannot convert fails the read); GPS
# stays text because empty GPS is valid. nullstr is a newline, which no field can
# hold: empty fields stay '' and only a missing field (short row) is NULL. The ninth
# column catches trailing empty fields, which the strict reader would drop silently.
# CLEAN must keep using lat_s/lon_s as text: otherwise DuckDB pushes the TRY_CASTs
# into the reader as strict casts, and every file with empty GPS would fall back.
READ_SQL = """read_csv($path, header = true, delim = ',', quote = '', escape = '',
    auto_detect = false, strict_mode = true, null_padding = true, nullstr = '\n',
    columns = {'ts': 'TIMESTAMPTZ', 'device_id': 'VARCHAR', 'seq': 'DOUBLE',
        'current_amp': 'DOUBLE', 'lat_s': 'VARCHAR', 'lon_s': 'VARCHAR',
        'battery_level': 'DOUBLE', 'ble_s': 'VARCHAR', 'extra': 'VARCHAR'})"""
# The validator's acceptance test (telemetry.ROW_OK) on the typed fields, plus the
# reader's own blind spots: a missing or extra field and NUL bytes in text.
CLEAN = f"""extra IS NULL AND ble_s IS NOT NULL
    AND trim(device_id) <> '' AND NOT contains(device_id, chr(0)) AND NOT contains(ble_s, chr(0))
    AND ts BETWEEN {TS_RANGE} AND seq = trunc(seq) AND abs(seq) < 9.2e18
    AND current_amp BETWEEN 0 AND 100
    AND battery_level BETWEEN 0 AND 100 AND battery_level = trunc(battery_level)
    AND ((gps_lat BETWEEN -90 AND 90 AND gps_lon BETWEEN -180 AND 180)
        OR (trim(lat_s) = '' AND trim(lon_s) = ''))"""
INSERT_SQL = f"""
INSERT INTO telemetry
SELECT CASE WHEN {CLEAN} THEN make_timestamp(epoch_us(ts)) ELSE error('{NOT_CLEAN}') END,
    trim(device_id), CAST(seq AS BIGINT), current_amp, gps_lat, gps_lon,
    CAST(battery_level AS SMALLINT),
    CASE WHEN ble_s <> '' THEN nullif(trim(rtrim(ble_s, '\r')), '') END, $ingest_id
FROM (
    SELECT *, TRY_CAST(lat_s AS DOUBLE) AS gps_lat, TRY_CAST(lon_s AS DOUBLE) AS gps_lon
    FROM {READ_SQL}
)
"""
# Equal keys hash equally, so equal counts prove the file has no duplicate; a hash
# collision only sends a clean file to the validator.
DUPLICATES_SQL = """
SELECT count(*) <> count(DISTINCT hash(device_id, seq, ts))
FROM telemetry WHERE ingest_id = $ingest_id
"""
RANGE_SQL = "SELECT min(ts), max(ts) FROM telemetry WHERE ingest_id = $ingest_id"
OVERLAP_SQL = """
SELECT EXISTS (SELECT 1 FROM telemetry
    WHERE ts BETWEEN $lo AND $hi AND ingest_id <> $ingest_id)
"""
DELETE_KNOWN_SQL = """
DELETE FROM telemetry n WHERE n.ingest_id = $ingest_id AND EXISTS (
    SELECT 1 FROM telemetry o
    WHERE o.ts BETWEEN $lo AND $hi AND o.ingest_id <> $ingest_id
        AND o.device_id = n.device_id AND o.seq = n.seq AND o.ts = n.ts)
"""


class NotClean(Exception):
    """The file needs the line-numbered validator."""


def insert_clean_csv(conn: duckdb.DuckDBPyConnection, path: Path, ingest_id: int) -> int:
    """Insert every row of a clean CSV under ``ingest_id``; returns the row count.

    Raises ``NotClean`` (or a ``duckdb.Error``) when any row is not clean or the file
    repeats a (device_id, seq, timestamp); the caller's transaction must then roll back.
    """
    row = conn.execute(INSERT_SQL, {"path": str(path), "ingest_id": ingest_id}).fetchone()
    inserted = int(row[0]) if row else 0
    if inserted == 0:
        raise NotClean("no data rows")
    duplicated = conn.execute(DUPLICATES_SQL, {"ingest_id": ingest_id}).fetchone()
    if duplicated is None or duplicated[0]:
        raise NotClean("duplicate rows inside the file")
    return inserted


def delete_known(conn: duckdb.DuckDBPyConnection, ingest_id: int) -> int:
    """Remove rows of ``ingest_id`` stored before by other ingests; returns how many."""
    lo, hi = conn.execute(RANGE_SQL, {"ingest_id": ingest_id}).fetchone() or (None, None)
    params = {"ingest_id": ingest_id, "lo": lo, "hi": hi}
    overlap = conn.execute(OVERLAP_SQL, params).fetchone()
    if lo is None or not (overlap and overlap[0]):
        return 0
    row = conn.execute(DELETE_KNOWN_SQL, params).fetchone()
    return int(row[0]) if row else 0
