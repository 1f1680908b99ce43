"""What a valid telemetry row is, as SQL over its fields as text.

Both ingest paths read every field as text and parse it here, strictly: DuckDB's own
casts are lenient (``1_0`` is 10, ``0x10`` is 16, ``.5`` as BIGINT is 1, ``epoch`` is
1970-01-01, a date alone is midnight, hour 24 rolls over), so a field must first match
its documented format (README, "Telemetry format"). The expressions read the columns
``ts_s, dev_s, seq_s, amp_s, lat_s, lon_s, bat_s, ble_s`` and the parameters
``$earliest`` and ``$latest`` (TIMESTAMPTZ, the plausible time range).
"""

from __future__ import annotations

SEQ_MAX = 2**32 - 1  # the pod's sample counter is an unsigned 32-bit integer
ID_MAX_CHARS = 64
TEXT_MAX_CHARS = 40  # longest number or timestamp text worth parsing
# Date, T or space, time to the second, up to 6 decimals (what TIMESTAMP holds), and
# Z or an offset; no offset means UTC.
TS_PATTERN = (
    r"\d{4}-\d{2}-\d{2}[T ]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?"
    r"(Z|[+-]([01]\d|2[0-3]):[0-5]\d)?"
)
# Plain decimals with an optional exponent of at most two digits: with TEXT_MAX_CHARS
# no accepted text can overflow or underflow a DOUBLE.
DECIMAL_PATTERN = r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,2})?"
# Whole numbers; a fraction of zeros (50.0, as many JSON writers emit) is the same number.
INTEGER_PATTERN = r"[+-]?\d+(\.0*)?"
# Ids (device_id, ble_id): ASCII letters, digits and . _ : -, starting with a letter or
# digit; so never '/', '..', a space, a control, invisible or look-alike character.
ID_PATTERN = rf"[A-Za-z0-9][A-Za-z0-9._:-]{{0,{ID_MAX_CHARS - 1}}}"
CONTROL = r"\p{Cc}"
INVISIBLE = r"[\p{Cf}\p{Zl}\p{Zp}]"  # zero-width, bidi controls, BOM, soft hyphen


def _shown(text: str) -> str:
    """A short, printable rendering of a rejected value for a reason text."""
    return f"regexp_replace(left({text}, {TEXT_MAX_CHARS}), '[^ -~]', '?', 'g')"


def _short(text: str) -> str:
    return f"length({text}) <= {TEXT_MAX_CHARS}"


def _matches(text: str, pattern: str) -> str:
    return f"({_short(text)} AND regexp_full_match({text}, '{pattern}'))"


# Fields as text: spaces around a field are not part of it; an empty ble_id is none.
TRIMMED = {
    "ts_t": "trim(coalesce(ts_s, ''))",
    "dev_t": "trim(coalesce(dev_s, ''))",
    "seq_t": "trim(coalesce(seq_s, ''))",
    "amp_t": "trim(coalesce(amp_s, ''))",
    "lat_t": "trim(coalesce(lat_s, ''))",
    "lon_t": "trim(coalesce(lon_s, ''))",
    "bat_t": "trim(coalesce(bat_s, ''))",
    "ble_t": "nullif(trim(coalesce(ble_s, '')), '')",
}
# Typed values: NULL when the text does not match its format.
TYPED = {
    "ts_tz": f"CASE WHEN {_matches('ts_t', TS_PATTERN)} THEN TRY_CAST(ts_t AS TIMESTAMPTZ) END",
    "seq_i": f"CASE WHEN {_matches('seq_t', INTEGER_PATTERN)}"
    " THEN TRY_CAST(split_part(seq_t, '.', 1) AS HUGEINT) END",
    "amp_d": f"CASE WHEN {_matches('amp_t', DECIMAL_PATTERN)} THEN CAST(amp_t AS DOUBLE) END",
    "lat_d": f"CASE WHEN {_matches('lat_t', DECIMAL_PATTERN)} THEN CAST(lat_t AS DOUBLE) END",
    "lon_d": f"CASE WHEN {_matches('lon_t', DECIMAL_PATTERN)} THEN CAST(lon_t AS DOUBLE) END",
    "bat_i": f"CASE WHEN {_matches('bat_t', INTEGER_PATTERN)}"
    " THEN TRY_CAST(split_part(bat_t, '.', 1) AS HUGEINT) END",
}


def columns(exprs: dict[str, str], unless: str | None = None) -> str:
    """``expr AS name`` for each column; NULL where ``unless`` holds (never computed there)."""
    if unless is None:
        return ", ".join(f"{expr} AS {name}" for name, expr in exprs.items())
    return ", ".join(
        f"CASE WHEN NOT {unless} THEN {expr} END AS {name}" for name, expr in exprs.items()
    )


GPS_EMPTY = "(lat_t = '' AND lon_t = '')"
IN_TIME = "ts_tz BETWEEN $earliest AND $latest"
# The strict acceptance test; only the rows failing it build a reason.
ROW_OK = f"""{IN_TIME} AND seq_i BETWEEN 0 AND {SEQ_MAX}
    AND amp_d BETWEEN 0 AND 100 AND bat_i BETWEEN 0 AND 100
    AND ((lat_d BETWEEN -90 AND 90 AND lon_d BETWEEN -180 AND 180) OR {GPS_EMPTY})
    AND regexp_full_match(dev_t, '{ID_PATTERN}')
    AND (ble_t IS NULL OR regexp_full_match(ble_t, '{ID_PATTERN}'))"""

# The quick test, much cheaper than the strict one and never looser: the one timestamp
# shape pods send, whole numbers of digits, decimals without exponent (for these
# DuckDB's casts read exactly what the strict parse reads). Almost every row passes
# it; both ingest paths use it, the validator falls back to the strict parse for the
# rest. It reads the raw text columns and ``ts_q`` (QUICK_TS), with the naive UTC
# parameters ``$earliest_utc`` and ``$latest_utc``. Ids are few: both paths check them
# once per distinct value, after the rows are in.
QUICK_TS = "try_strptime(ts_s, '%Y-%m-%dT%H:%M:%SZ')"
_NUMBERS = ("seq_s", "amp_s", "lat_s", "lon_s", "bat_s")
QUICK_OK = f"""ts_s LIKE '____-__-__T__:__:__Z' AND ts_q BETWEEN $earliest_utc AND $latest_utc
    AND NOT regexp_matches(seq_s || bat_s, '[^0-9 +-]')
    AND NOT regexp_matches(amp_s || coalesce(lat_s, '') || coalesce(lon_s, ''), '[^0-9. +-]')
    AND {" AND ".join(f"length(coalesce({n}, '')) <= {TEXT_MAX_CHARS}" for n in _NUMBERS)}
    AND TRY_CAST(seq_s AS BIGINT) BETWEEN 0 AND {SEQ_MAX}
    AND TRY_CAST(bat_s AS SMALLINT) BETWEEN 0 AND 100
    AND TRY_CAST(amp_s AS DOUBLE) BETWEEN 0 AND 100
    AND ((TRY_CAST(lat_s AS DOUBLE) BETWEEN -90 AND 90
            AND TRY_CAST(lon_s AS DOUBLE) BETWEEN -180 AND 180)
        OR (trim(coalesce(lat_s, '')) = '' AND trim(coalesce(lon_s, '')) = ''))"""
QUICK_VALUES = {
    "ts": "ts_q",
    "device_id": "trim(coalesce(dev_s, ''))",
    "seq": "CAST(seq_s AS BIGINT)",
    "current_amp": "CAST(amp_s AS DOUBLE)",
    "gps_lat": "TRY_CAST(lat_s AS DOUBLE)",
    "gps_lon": "TRY_CAST(lon_s AS DOUBLE)",
    "battery_level": "CAST(bat_s AS SMALLINT)",
    "ble_id": "nullif(trim(ble_s), '')",
}
STRICT_VALUES = {
    "ts": "timezone('UTC', ts_tz)",
    "device_id": "dev_t",
    "seq": "CAST(seq_i AS BIGINT)",
    "current_amp": "amp_d",
    "gps_lat": "lat_d",
    "gps_lon": "lon_d",
    "battery_level": "CAST(bat_i AS SMALLINT)",
    "ble_id": "ble_t",
}


def _number(name: str, text: str, value: str, lo: float, hi: float, *, integer: bool) -> str:
    """A CASE naming the first problem of one numeric field, NULL when it is fine."""
    shown = _shown(text)
    fraction = (
        f"WHEN {_matches(text, DECIMAL_PATTERN)} AND NOT {_matches(text, INTEGER_PATTERN)}"
        f" THEN '{name} is not an integer: ' || {shown}"
        if integer
        else ""
    )
    pattern = INTEGER_PATTERN if integer else DECIMAL_PATTERN
    return f"""CASE WHEN {text} = '' THEN '{name} is empty' {fraction}
        WHEN NOT {_matches(text, pattern)} THEN '{name} is not a number: ' || {shown}
        WHEN {value} IS NULL OR NOT {value} BETWEEN {lo} AND {hi}
            THEN '{name} out of range {lo:g}..{hi:g}: ' || {shown} END"""


def _id(name: str, text: str) -> str:
    return f"""CASE WHEN length({text}) > {ID_MAX_CHARS}
            THEN '{name} longer than {ID_MAX_CHARS} characters (' || length({text}) || ')'
        WHEN regexp_matches({text}, '{CONTROL}') THEN '{name} holds a control character'
        WHEN regexp_matches({text}, '{INVISIBLE}')
            THEN '{name} holds an invisible or bidirectional character'
        WHEN contains({text}, '/') THEN '{name} holds a slash: ' || {_shown(text)}
        WHEN NOT regexp_full_match({text}, '{ID_PATTERN}')
            THEN '{name} must start with a letter or digit and hold only A-Z a-z 0-9 . _ : -: '
                || {_shown(text)} END"""


TS_CHECK = f"""CASE WHEN ts_t = '' THEN 'timestamp is empty'
    WHEN ts_tz IS NULL THEN 'timestamp is not an ISO 8601 date and time: ' || {_shown("ts_t")}
    WHEN ts_tz < $earliest THEN 'timestamp before ' || strftime($earliest, '%Y-%m-%dT%H:%M:%SZ')
        || ' (INGEST_EARLIEST_TIMESTAMP): ' || {_shown("ts_t")}
    WHEN ts_tz > $latest THEN 'timestamp too far in the future (after '
        || strftime($latest, '%Y-%m-%dT%H:%M:%SZ') || '): ' || {_shown("ts_t")} END"""
SEQ_CHECK = f"""CASE WHEN seq_t = '' THEN 'seq is empty'
    WHEN NOT {_matches("seq_t", INTEGER_PATTERN)}
        THEN 'seq is not an integer: ' || {_shown("seq_t")}
    WHEN seq_i IS NULL OR NOT seq_i BETWEEN 0 AND {SEQ_MAX}
        THEN 'seq out of range 0..{SEQ_MAX}: ' || {_shown("seq_t")} END"""
LAT_CHECK = _number("gps_lat", "lat_t", "lat_d", -90, 90, integer=False)
LON_CHECK = _number("gps_lon", "lon_t", "lon_d", -180, 180, integer=False)
DEVICE_CHECK = (
    f"CASE WHEN dev_t = '' THEN 'device_id is empty' ELSE {_id('device_id', 'dev_t')} END"
)
BLE_CHECK = f"CASE WHEN ble_t IS NOT NULL THEN {_id('ble_id', 'ble_t')} END"
CHECKS = ",\n".join(
    [
        TS_CHECK,
        DEVICE_CHECK,
        SEQ_CHECK,
        _number("current_amp", "amp_t", "amp_d", 0, 100, integer=False),
        f"CASE WHEN NOT {GPS_EMPTY} THEN {LAT_CHECK} END",
        f"CASE WHEN NOT {GPS_EMPTY} THEN {LON_CHECK} END",
        _number("battery_level", "bat_t", "bat_i", 0, 100, integer=True),
        BLE_CHECK,
    ]
)
