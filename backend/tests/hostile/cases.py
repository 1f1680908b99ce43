"""The hostile-input corpus: what each input is and what must happen to each of its rows.

A case is a list of rows; the harness puts one ordinary good row in front of every
case, so each case also checks that its bad rows cost no good row. A row is either
``Row`` (field values; rendered as a CSV line and as a JSON item) or ``Raw`` (CSV bytes
only). Its outcome is ``A`` (accepted, values stored as sent), ``D`` (duplicate) or
``Q:<reason text>`` (quarantined, raw text kept). A case with ``refused`` set is a file
refused as a whole (4xx, bad header), never a partial ingest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

HEADER = b"timestamp,device_id,seq,current_amp,gps_lat,gps_lon,battery_level,ble_id"
FIELDS = HEADER.decode().split(",")
MB = 2**20


@dataclass(frozen=True)
class Row:
    """One sample; unset fields take the case's defaults (``None`` = empty)."""

    outcome: str = "A"
    values: dict[str, Any] = field(default_factory=dict)
    json_reason: str | None = None  # when the JSON item is quarantined for another reason


@dataclass(frozen=True)
class Raw:
    """A CSV line (or several) as bytes; ``{dev}`` and ``{ts}`` take the case's defaults."""

    data: bytes
    outcomes: tuple[str, ...]
    stored: tuple[dict[str, Any], ...] = ()  # values expected for its accepted rows


@dataclass(frozen=True)
class Case:
    """A named hostile input."""

    name: str
    rows: tuple[Row | Raw, ...]
    header: bytes = HEADER
    refused: str | None = None  # why the CSV file is refused whole
    json_refused: str | None = None  # why the JSON body is refused whole (a request limit)
    json_items: tuple[tuple[Any, str], ...] = ()  # JSON-only items and their outcomes

    @property
    def csv(self) -> bool:
        return bool(self.rows) or self.refused is not None

    @property
    def json(self) -> bool:
        return bool(self.json_items) or all(isinstance(r, Row) for r in self.rows)


def row(outcome: str = "A", json_reason: str | None = None, **values: Any) -> Row:
    """A Row with field overrides given by name (``ts`` for timestamp, ``dev``, ``amp``...)."""
    names = {"ts": "timestamp", "dev": "device_id", "amp": "current_amp", "lat": "gps_lat"}
    names |= {"lon": "gps_lon", "bat": "battery_level", "ble": "ble_id"}
    return Row(outcome, {names.get(k, k): v for k, v in values.items()}, json_reason)


def future(hours: float) -> str:
    """A timestamp ``hours`` from now."""
    return (datetime.now(UTC) + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


FUTURE = "too far in the future"
BEFORE = "timestamp before 2000-01-01T00:00:00Z"
NOT_TS = "timestamp is not an ISO 8601 date and time"
ID_ALPHABET = "must start with a letter or digit and hold only"
NUMBER = "must be a JSON number"

TIMESTAMPS = [
    Case("ts 9999-12-30", (row("Q:" + FUTURE, ts="9999-12-30T00:00:00Z"),)),
    Case("ts 2999-01-01", (row("Q:" + FUTURE, ts="2999-01-01T00:00:00Z"),)),
    Case("ts two days ahead", (row("Q:" + FUTURE, ts=future(48)),)),
    Case("ts one hour ahead", (row(ts=future(1)),)),
    Case("ts 1970 epoch", (row("Q:" + BEFORE, ts="1970-01-01T00:00:00Z"),)),
    Case("ts 1999-12-31", (row("Q:" + BEFORE, ts="1999-12-31T23:59:59Z"),)),
    Case("ts earliest accepted", (row(ts="2000-01-01T00:00:00Z"),)),
    Case("ts word epoch", (row("Q:" + NOT_TS, ts="epoch"),)),
    Case("ts date only", (row("Q:" + NOT_TS, ts="2025-07-01"),)),
    Case("ts hour 24", (row("Q:" + NOT_TS, ts="2025-07-01T24:00:00Z"),)),
    Case("ts second 60", (row("Q:" + NOT_TS, ts="2025-07-01T23:59:60Z"),)),
    Case("ts 29 February 2025", (row("Q:" + NOT_TS, ts="2025-02-29T00:00:00Z"),)),
    Case("ts 7 decimals", (row("Q:" + NOT_TS, ts="2025-07-01T09:20:15.1234567Z"),)),
    Case("ts offset +14:00", (row(ts="2025-07-01T09:20:15+14:00"),)),
    Case("ts offset -00:30", (row(ts="2025-07-01T09:20:15-00:30"),)),
    Case("ts without zone is UTC", (row(ts="2025-07-01T09:20:15"),)),
    Case("ts space separator", (row(ts="2025-07-01 09:20:15Z"),)),
    Case("ts microseconds", (row(ts="2025-07-01T09:20:15.123456Z"),)),
    Case("ts infinity", (row("Q:" + NOT_TS, ts="infinity"),)),
    Case("ts empty", (row("Q:timestamp is empty", ts=None),)),
    Case(
        "ts unix seconds", (row("Q:" + NOT_TS, json_reason="must be a JSON string", ts=1751361615),)
    ),
    Case("ts lower-case z", (row("Q:" + NOT_TS, ts="2025-07-01T09:20:15z"),)),
    Case("ts plus-signed year", (row("Q:" + NOT_TS, ts="+2025-07-01T09:20:15Z"),)),
    Case("ts offset +25:00", (row("Q:" + NOT_TS, ts="2025-07-01T09:20:15+25:00"),)),
]
SEQ = [
    Case("seq -1", (row("Q:seq out of range 0..4294967295", seq=-1),)),
    Case("seq 2^32", (row("Q:seq out of range", seq=4294967296),)),
    Case("seq 2^32-1", (row(seq=4294967295),)),
    Case("seq 0", (row(seq=0),)),
    Case("seq int64 max", (row("Q:seq out of range", seq=9223372036854775807),)),
    Case("seq int64 max + 1", (row("Q:seq out of range", seq=9223372036854775808),)),
    Case("seq 100 digits", (row("Q:seq", seq=10**99),)),
    Case("seq exponent", (row("Q:seq is not an integer", seq="1e3", json_reason="seq"),)),
    Case("seq underscore", (row("Q:seq is not an integer: 1_0", json_reason=NUMBER, seq="1_0"),)),
    Case("seq hex", (row("Q:seq is not an integer: 0x10", json_reason=NUMBER, seq="0x10"),)),
    Case("seq fraction", (row("Q:seq is not an integer: 4.5", seq=4.5),)),
    Case("seq 7.0 is 7", (row(seq="7.0"),)),
    Case("seq empty", (row("Q:seq is empty", seq=None),)),
    Case(
        "seq jump 0 to 2^32-1 in one session",
        (row(seq=0, ts="2025-07-01T10:00:00Z"), row(seq=4294967295, ts="2025-07-01T10:00:30Z")),
    ),
]
CURRENT = [
    Case("amp NaN", (row("Q:current_amp is not a number", amp="NaN"),)),
    Case("amp nan", (row("Q:current_amp is not a number", json_reason=NUMBER, amp="nan"),)),
    Case("amp inf", (row("Q:current_amp is not a number", json_reason=NUMBER, amp="inf"),)),
    Case("amp -Infinity", (row("Q:current_amp is not a number", amp="-Infinity"),)),
    Case("amp 1e309", (row("Q:current_amp is not a number", amp="1e309"),)),
    Case(
        "amp 1e-400",
        (row("Q:current_amp is not a number", json_reason="current_amp", amp="1e-400"),),
    ),
    Case("amp -0.5", (row("Q:current_amp out of range 0..100", amp=-0.5),)),
    Case("amp 100.0001", (row("Q:current_amp out of range 0..100", amp=100.0001),)),
    Case("amp 100", (row(amp=100),)),
    Case("amp 0", (row(amp=0),)),
    Case(
        "amp underscore",
        (row("Q:current_amp is not a number: 1_0", json_reason=NUMBER, amp="1_0"),),
    ),
    Case("amp decimal comma", (row("Q:wrong column count", json_reason=NUMBER, amp="5,5"),)),
    Case("amp spaces around", (row(json_reason=NUMBER, outcome="A", amp=" 5.5 "),)),
    Case(
        "amp arabic digit",
        (row("Q:current_amp is not a number", json_reason=NUMBER, amp="\u0663"),),
    ),
    Case(
        "amp full-width digit",
        (row("Q:current_amp is not a number", json_reason=NUMBER, amp="\uff15"),),
    ),
    Case("amp plus sign", (row(amp="+5", json_reason=NUMBER),)),
    Case("amp leading dot", (row(amp=".5", json_reason=NUMBER),)),
    Case("amp exponent", (row(amp="1e1"),)),
    Case("amp hex", (row("Q:current_amp is not a number", json_reason=NUMBER, amp="0x5"),)),
]
GPS = [
    Case("lat 90.0001", (row("Q:gps_lat out of range -90..90", lat=90.0001),)),
    Case("lat -91", (row("Q:gps_lat out of range", lat=-91),)),
    Case("lon 180.5", (row("Q:gps_lon out of range -180..180", lon=180.5),)),
    Case("lon -181", (row("Q:gps_lon out of range", lon=-181),)),
    Case("lat without lon", (row("Q:gps_lon is empty", lon=None),)),
    Case("lon without lat", (row("Q:gps_lat is empty", lat=None),)),
    Case("no gps fix", (row(lat=None, lon=None),)),
    Case("lat NaN", (row("Q:gps_lat is not a number", lat="NaN"),)),
    Case("lat 90 lon -180", (row(lat=90, lon=-180),)),
    Case("lat with a letter", (row("Q:gps_lat is not a number", json_reason=NUMBER, lat="N52"),)),
]
BATTERY = [
    Case("battery 101", (row("Q:battery_level out of range 0..100", bat=101),)),
    Case("battery -1", (row("Q:battery_level out of range 0..100", bat=-1),)),
    Case("battery 1.5", (row("Q:battery_level is not an integer: 1.5", bat=1.5),)),
    Case("battery 100", (row(bat=100),)),
    Case("battery 50.0 is 50", (row(bat="50.0"),)),
    Case("battery empty", (row("Q:battery_level is empty", bat=None),)),
    Case("battery word", (row("Q:battery_level is not a number", json_reason=NUMBER, bat="full"),)),
]
LONG = "x" * MB
IDS = [
    Case(
        "JSON string of 3 MB",
        (),
        json_items=(({"ble_id": "B" * (3 * MB)}, "Q:item longer than 4096 bytes"),),
        json_refused="JSON_MAX_STRING_LENGTH",
    ),
    Case(
        "id of 1 MB",
        (row("Q:longer than 4096 bytes", dev="d" + LONG),),
        json_refused="JSON_MAX_STRING_LENGTH",  # the request guard parses no such JSON
    ),
    Case("id of 65 characters", (row("Q:device_id longer than 64 characters (65)", dev="d" * 65),)),
    Case("id of 64 characters", (row(dev="D" * 64),)),
    Case("id zero-width space", (row("Q:invisible or bidirectional", dev="dev\u200b1"),)),
    Case("id bidi override", (row("Q:invisible or bidirectional", dev="\u202edev1"),)),
    Case("id BOM inside", (row("Q:invisible or bidirectional", dev="dev\ufeff1"),)),
    Case("id bell character", (row("Q:device_id holds a control character", dev="dev\x071"),)),
    Case("id tab", (row("Q:device_id holds a control character", dev="dev\t1"),)),
    Case("id slash", (row("Q:device_id holds a slash: a/b", dev="a/b"),)),
    Case("id dot dot", (row("Q:" + ID_ALPHABET, dev=".."),)),
    Case("id leading dot", (row("Q:" + ID_ALPHABET, dev=".hidden"),)),
    Case("id a..b is fine", (row(dev="a..b"),)),
    Case("id with . _ : -", (row(dev="dev:01.a-b_c"),)),
    Case("id cyrillic look-alike", (row("Q:" + ID_ALPHABET, dev="d\u0435v"),)),
    Case("id empty", (row("Q:device_id is empty", dev=None),)),
    Case("id spaces only", (row("Q:device_id is empty", dev="   "),)),
    Case("id inner space", (row("Q:" + ID_ALPHABET, dev="dev 1"),)),
    Case("id percent-encoded slash", (row("Q:" + ID_ALPHABET, dev="a%2Fb"),)),
    Case("id emoji", (row("Q:" + ID_ALPHABET, dev="dev\U0001f6e0"),)),
    Case("id padded with spaces", (row(dev="  padded  "),)),
    Case("ble zero-width", (row("Q:ble_id holds an invisible", ble="AA\u200bBB"),)),
    Case("ble 65 characters", (row("Q:ble_id longer than 64 characters", ble="b" * 65),)),
    Case("ble MAC address", (row(ble="F4:12:FA:6C:9D:21"),)),
    Case("ble empty is none", (row(ble=None),)),
]
GOOD_LINE = b"{ts},{dev},1,5.5,52.1,13.2,50,AA:BB"
LATER = b"2025-07-01T23:00:00Z,{dev},2,5.5,52.1,13.2,50,AA:BB"
STRUCTURE = [
    Case(
        "every field quoted",
        (Raw(b'"{ts}","{dev}","1","5.5","52.1","13.2","50","AA:BB"', ("A",)),),
    ),
    Case(
        "quoted ble with a comma",
        (Raw(b'{ts},{dev},1,5.5,,,50,"AA,BB"', ("Q:ble_id " + ID_ALPHABET,)),),
    ),
    Case(
        "quoted ble with a line break",
        (Raw(b'{ts},{dev},1,5.5,,,50,"AA\nBB"', ("Q:ble_id holds a control",)), Raw(LATER, ("A",))),
    ),
    Case(
        "quoted device id",
        (Raw(b'{ts},"h063",1,5.5,,,50,', ("A",), ({"device_id": "h063"},)),),
    ),
    Case("doubled quote in id", (Raw(b'{ts},"de""v",1,5.5,,,50,', ("Q:" + ID_ALPHABET,)),)),
    Case(
        "unterminated quote",
        (Raw(b'{ts},{dev},1,5.5,,,50,"AA', ("Q:quoted field not closed",)), Raw(LATER, ("A",))),
    ),
    Case(
        "unterminated quote followed by many lines",
        (
            Raw(b'{ts},{dev},1,5.5,,,50,"AA', ("Q:quoted field not closed",)),
            *(
                Raw(b"2025-07-01T23:%02d:00Z,{dev},%d,5.5,,,50," % (m, 10 + m), ("A",))
                for m in range(12)
            ),
        ),
    ),
    Case(
        "text after a closing quote",
        (Raw(b'{ts},"dev"x,1,5.5,,,50,', ("Q:malformed CSV quoting",)),),
    ),
    Case("quote inside a field", (Raw(b'{ts},de"v,1,5.5,,,50,', ("Q:" + ID_ALPHABET,)),)),
    Case("CRLF line ends", (Raw(GOOD_LINE + b"\r\n" + LATER, ("A", "A")),)),
    Case(
        "lone CR inside a line", (Raw(b"{ts},{dev},1,5.5\r,,,50,", ("Q:malformed CSV quoting",)),)
    ),
    Case("NUL-only line", (Raw(b"\x00\x00\x00", ("Q:not text: NUL byte",)),)),
    Case("NUL inside a field", (Raw(b"{ts},d\x00v,1,5.5,,,50,", ("Q:not text: NUL byte",)),)),
    Case("invalid UTF-8", (Raw(b"{ts},d\xe9v,1,5.5,,,50,", ("Q:not UTF-8 text",)),)),
    Case(
        "truncated UTF-8 sequence", (Raw(b"{ts},dev\xe2\x82,1,5.5,,,50,", ("Q:not UTF-8 text",)),)
    ),
    Case(
        "3 MB field", (Raw(b"{ts},{dev},1,5.5,,,50," + b"B" * (3 * MB), ("Q:longer than 4096",)),)
    ),
    Case("blank lines are no records", (Raw(b"\n\n" + GOOD_LINE + b"\n\n", ("A",)),)),
    Case("spaces-only line", (Raw(b"     ", ("Q:wrong column count: expected 8, got 1",)),)),
    Case(
        "seven columns",
        (Raw(b"{ts},{dev},1,5.5,,,50", ("Q:wrong column count: expected 8, got 7",)),),
    ),
    Case(
        "nine columns",
        (Raw(b"{ts},{dev},1,5.5,,,50,AA,x", ("Q:wrong column count: expected 8, got 9",)),),
    ),
    Case(
        "trailing comma",
        (Raw(b"{ts},{dev},1,5.5,,,50,,", ("Q:wrong column count: expected 8, got 9",)),),
    ),
    Case("1000 columns", (Raw(b"{ts},{dev}" + b",1" * 998, ("Q:wrong column count",)),)),
    Case("tab separated", (Raw(b"{ts}\t{dev}\t1\t5.5\t\t\t50\t", ("Q:wrong column count",)),)),
    Case("semicolon separated", (Raw(b"{ts};{dev};1;5.5;;;50;", ("Q:wrong column count",)),)),
    Case("no final line break", (Raw(GOOD_LINE, ("A",)),)),
    Case("upper-case header", (Raw(GOOD_LINE, ("A",)),), header=HEADER.upper()),
    Case(
        "quoted header names",
        (Raw(GOOD_LINE, ("A",)),),
        header=b",".join(b'"%s"' % n.encode() for n in FIELDS),
    ),
    Case(
        "header with BOM and spaces",
        (Raw(GOOD_LINE, ("A",)),),
        header=b"\xef\xbb\xbf " + HEADER.replace(b",", b" , "),
    ),
    Case(
        "header in another order",
        (),
        header=b"device_id,timestamp" + HEADER[19:],
        refused="wrong header",
    ),
    Case(
        "no header",
        (),
        header=GOOD_LINE.replace(b"{ts}", b"2025-07-01T09:00:00Z"),
        refused="wrong header",
    ),
    Case("header only", (), refused="has no data rows"),
    Case("empty file", (), header=b"", refused="is empty"),
    Case("header not UTF-8", (), header=b"\xfftimestamp", refused="not UTF-8 text"),
]
DUPLICATES = [
    Case("exact duplicate", (row(), row("D"))),
    Case("same value written otherwise", (row(amp=5.5), row("D", amp="5.50", json_reason=None))),
    Case("conflicting duplicate", (row(), row("Q:conflicts with line", amp=6.5))),
    Case("duplicate and conflict", (row(), row("D"), row("Q:conflicts with line", bat=49))),
    Case("conflict in the ble_id only", (row(), row("Q:ble_id", ble="CC:DD"))),
]
JSON_ONLY = [
    Case(
        "JSON type confusion",
        (),
        json_items=(
            ({"seq": "5"}, "Q:seq must be a JSON number, not a string"),
            ({"device_id": ["a"]}, "Q:device_id must be a JSON string, not an array"),
            ({"current_amp": {"v": 5}}, "Q:current_amp must be a JSON number, not an object"),
            ({"current_amp": None}, "Q:current_amp is empty"),
            ({"battery_level": True}, "Q:battery_level must be a JSON number, not a boolean"),
            ({"extra": 1}, 'Q:unknown field(s): "extra"'),
            ({"device_id": 123}, "Q:device_id must be a JSON string, not a number"),
            ({"device_id": "\ud800"}, "Q:device_id is not valid Unicode"),
            ({"ble_id": "B" * (60 * 1024)}, "Q:item longer than 4096 bytes"),
            ({"seq": 1e300}, "Q:seq is not an integer"),
            ({"seq": 10**30}, "Q:seq out of range"),
            ({"seq": 7.0}, "A"),
        ),
    ),
    Case(
        "JSON items that are no objects",
        (),
        json_items=(
            ([1, 2], "Q:item is not a JSON object"),
            (None, "Q:item is not a JSON object"),
            (42, "Q:item is not a JSON object"),
            ("row", "Q:item is not a JSON object"),
            ({}, "Q:timestamp is empty"),
        ),
    ),
]
CASES = TIMESTAMPS + SEQ + CURRENT + GPS + BATTERY + IDS + STRUCTURE + DUPLICATES + JSON_ONLY
