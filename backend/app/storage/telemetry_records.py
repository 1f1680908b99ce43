"""Telemetry records from a CSV file or JSON items, as scratch files DuckDB reads.

A CSV file is read in blocks of whole lines. A *plain* block (printable ASCII, no
quote, every line exactly eight fields) is copied with each line's number put in
front: DuckDB's reader splits it exactly, as RFC 4180 does a file without quotes, and
that is the bulk of any file.
Every other block goes through Python's csv module (RFC 4180: quoted fields with
commas, quotes and line breaks), which writes one row per record to the records file:
its first line number, a problem found while reading it, its raw text and its fields.

One bad line never costs another: a line that is not UTF-8 is kept with its invalid
bytes escaped (``\\xNN``), a line over ``max_line_bytes`` keeps its first bytes, and a
quote left open for more than MAX_RECORD_LINES lines rejects only its first line; the
following lines are read again as records of their own. Blank lines are no records.
"""

from __future__ import annotations

import csv
import json
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import count
from operator import methodcaller
from pathlib import Path
from typing import IO, Any

FIELDS = (
    "timestamp",
    "device_id",
    "seq",
    "current_amp",
    "gps_lat",
    "gps_lon",
    "battery_level",
    "ble_id",
)
TEXT_FIELDS = frozenset({"timestamp", "device_id", "ble_id"})
BLOCK_BYTES = 4 * 2**20
MAX_RECORD_LINES = 8
NO_FIELDS = [""] * len(FIELDS)
# Bytes a plain block may hold besides its line breaks: printable ASCII but the quote.
PLAIN_BYTES = bytes(range(32, 127)).replace(b'"', b"") + b"\n"
COMMAS = methodcaller("count", b",")
# DuckDB's CSV reader refuses a carriage return inside a field, so the records file
# carries CR as %0D (and % as %25) in rows whose ``escaped`` column is 1.
ESCAPES = (("%", "%25"), ("\r", "%0D"))


@dataclass
class CsvRecords:
    """Where a CSV file's records went: plain blocks and the records file."""

    plain: Path
    records: Path
    plain_rows: int = 0
    record_rows: int = 0


class JsonNumber(str):
    """A JSON number kept as its literal text, so that SQL parses it like a CSV field.

    Parse request bodies with ``json.loads(body, parse_int=JsonNumber,
    parse_float=JsonNumber, parse_constant=JsonNumber)``: Python's own conversion would
    turn 1e-400 into 0.0 and 1e309 into inf before any check could see them.
    """

    def number(self) -> int | float:
        """The value as Python reads it (for re-serialising an item)."""
        digits = self.removeprefix("-")
        return int(self) if digits.isdigit() and len(digits) <= 4000 else float(self)


class _OpenQuote(Exception):
    """A quoted field is still open after MAX_RECORD_LINES lines."""


@dataclass
class _Line:
    number: int
    raw: str  # the text kept for the quarantine
    feed: str  # the text the csv reader sees
    problem: str | None


class _Lines:
    """Numbered physical lines for csv.reader, remembering which lines each record took."""

    def __init__(self, pull: Callable[[], bool]) -> None:
        self.queue: deque[_Line] = deque()
        self.pending: list[_Line] = []
        self.pull = pull  # queues the next block; False at the end of the file

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if len(self.pending) >= MAX_RECORD_LINES:
            raise _OpenQuote
        if not self.queue and not self.pull():
            raise StopIteration
        line = self.queue.popleft()
        self.pending.append(line)
        return line.feed

    def take(self) -> tuple[int, str, str | None]:
        """The finished record's first line number, raw text and first problem."""
        lines, self.pending = self.pending, []
        raw = _strip_eol("".join(line.raw for line in lines))
        problem = next((line.problem for line in lines if line.problem), None)
        return lines[0].number, raw, problem

    def reject_first(self) -> _Line:
        """Give up the open record: its first line is returned, the others read again."""
        first, *rest = self.pending
        self.pending = []
        self.queue.extendleft(reversed(rest))
        return first


def read_csv_records(
    source: IO[bytes], plain: IO[bytes], records: IO[str], max_line_bytes: int
) -> CsvRecords:
    """Split the lines after the header of ``source`` into plain blocks and records."""
    result = CsvRecords(Path(plain.name), Path(records.name))
    _Splitter(source, plain, csv.writer(records, lineterminator="\n"), max_line_bytes, result).run()
    return result


class _Splitter:
    """Plain blocks to the plain file, every other line through csv.reader to the records."""

    def __init__(
        self,
        source: IO[bytes],
        plain: IO[bytes],
        writer: Any,
        max_line_bytes: int,
        result: CsvRecords,
    ) -> None:
        self.blocks = _blocks(source, max_line_bytes)
        self.plain = plain
        self.writer = writer
        self.max_line_bytes = max_line_bytes
        self.result = result
        self.next_line = 2  # the header is line 1
        self.lines = _Lines(self._pull)
        self.reader = csv.reader(self.lines, strict=True)

    def run(self) -> None:
        for block in self.blocks:
            plain = _plain(block, self.max_line_bytes)
            if plain is None:
                self._queue(block)
                self._drain()
                continue
            numbered = map(b"%d,%s\n".__mod__, zip(count(self.next_line), plain))
            self.plain.write(b"".join(numbered))
            self.result.plain_rows += len(plain)
            self.next_line += len(plain)

    def _pull(self) -> bool:
        block = next(self.blocks, None)
        if block is None:
            return False
        self._queue(block)
        return True

    def _queue(self, block: bytes) -> None:
        parts = block.split(b"\n")
        lines = [part + b"\n" for part in parts[:-1]]
        if parts[-1]:
            lines.append(parts[-1])
        for data in lines:
            self.lines.queue.append(_decode(self.next_line, data, self.max_line_bytes))
            self.next_line += 1

    def _drain(self) -> None:
        while self.lines.queue:
            try:
                fields = next(self.reader)
            except StopIteration:
                return
            except (csv.Error, _OpenQuote) as exc:
                first = self.lines.reject_first()
                self._write(
                    first.number, first.problem or _quoting(exc), _strip_eol(first.raw), 0, []
                )
                continue
            number, raw, problem = self.lines.take()
            if fields or problem:
                self._write(number, problem, raw, len(fields), fields)

    def _write(
        self, number: int, problem: str | None, raw: str, n_fields: int, fields: list[str]
    ) -> None:
        values = fields if n_fields == len(FIELDS) and problem is None else NO_FIELDS
        self.writer.writerow(_row(number, problem, raw, n_fields, values))
        self.result.record_rows += 1


def _blocks(source: IO[bytes], max_line_bytes: int) -> Iterator[bytes]:
    """Blocks of whole lines; the rest of an over-long last line is skipped, not read."""
    while block := source.read(BLOCK_BYTES):
        if not block.endswith(b"\n"):
            tail = source.readline(max_line_bytes + 1)
            block += tail
            if len(tail) > max_line_bytes and not tail.endswith(b"\n"):
                while (rest := source.readline(BLOCK_BYTES)) and not rest.endswith(b"\n"):
                    pass
                block += b"\n"
        yield block


def _plain(block: bytes, max_line_bytes: int) -> list[bytes] | None:
    """The block's lines, if DuckDB can split them as they are."""
    if b"\r" in block:
        block = block.replace(b"\r\n", b"\n")
    if block.translate(None, PLAIN_BYTES):
        return None
    if not block.endswith(b"\n"):
        block += b"\n"
    lines = block.split(b"\n")
    lines.pop()
    if max(map(len, lines)) > max_line_bytes or set(map(COMMAS, lines)) != {len(FIELDS) - 1}:
        return None
    return lines


def _decode(number: int, data: bytes, max_line_bytes: int) -> _Line:
    if len(data.rstrip(b"\r\n")) > max_line_bytes:
        kept = data[:max_line_bytes].decode("utf-8", "backslashreplace")
        return _Line(number, kept, "\n", _too_long("line", max_line_bytes))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("utf-8", "backslashreplace").replace("\x00", "\\x00")
        return _Line(number, text, text, "not UTF-8 text (invalid bytes shown as \\xNN)")
    if "\x00" in text:
        text = text.replace("\x00", "\\x00")
        return _Line(number, text, text, "not text: NUL byte (shown as \\x00)")
    return _Line(number, text, text, None)


def _too_long(what: str, limit: int) -> str:
    return f"{what} longer than {limit} bytes (INGEST_MAX_LINE_BYTES); first {limit} kept"


def _strip_eol(text: str) -> str:
    if text.endswith("\n"):
        text = text[:-1]
    return text[:-1] if text.endswith("\r") else text


def _quoting(exc: Exception) -> str:
    if isinstance(exc, _OpenQuote) or "unexpected end of data" in str(exc):
        return f"quoted field not closed within {MAX_RECORD_LINES} lines or by the end of data"
    return f"malformed CSV quoting: {exc}"


def _row(
    number: int, problem: str | None, raw: str, n_fields: int, fields: Sequence[str]
) -> list[Any]:
    texts = [raw, *fields]
    escaped = any("\r" in text for text in texts)
    if escaped:
        texts = [_escape(text) for text in texts]
    return [number, problem, texts[0], n_fields, int(escaped), *texts[1:]]


def _escape(text: str) -> str:
    for plain, code in ESCAPES:
        text = text.replace(plain, code)
    return text


def write_json_records(items: Sequence[Any], records: IO[str], max_line_bytes: int) -> int:
    """Write one row per JSON item (its position from 1 as the line); returns the count."""
    writer = csv.writer(records, lineterminator="\n")
    writer.writerows(_json_record(n, item, max_line_bytes) for n, item in enumerate(items, 1))
    return len(items)


def _json_record(number: int, item: Any, max_line_bytes: int) -> list[Any]:
    try:  # ASCII: safe to keep whatever the item holds
        raw = json.dumps(_as_json(item), separators=(",", ":"))
    except RecursionError:
        return _row(number, "item nested too deeply", "(not kept)", 0, NO_FIELDS)
    if len(raw) > max_line_bytes:
        return _row(number, _too_long("item", max_line_bytes), raw[:max_line_bytes], 0, NO_FIELDS)
    if not isinstance(item, dict):
        return _row(number, "item is not a JSON object", raw, 0, NO_FIELDS)
    problems = [_unknown_keys(item)] if item.keys() - set(FIELDS) else []
    texts: list[str] = []
    for name in FIELDS:
        text, problem = _json_field(name, item.get(name))
        texts.append(text)
        if problem:
            problems.append(problem)
    if problems:
        return _row(number, "; ".join(problems), raw, len(FIELDS), NO_FIELDS)
    return _row(number, None, raw, len(FIELDS), texts)


def _as_json(value: Any) -> Any:
    """The item with its JSON numbers as Python numbers again."""
    if isinstance(value, JsonNumber):
        return value.number()
    if isinstance(value, dict):
        return {key: _as_json(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_as_json(inner) for inner in value]
    return value


def _json_field(name: str, value: Any) -> tuple[str, str | None]:
    if value is None:
        return "", None
    if isinstance(value, JsonNumber):
        if name in TEXT_FIELDS:
            return "", f"{name} must be a JSON string, not a number"
        return str(value), None
    if name in TEXT_FIELDS:
        if not isinstance(value, str):
            return "", f"{name} must be a JSON string, not {_kind(value)}"
        if not value.isascii() and not _encodable(value):
            return "", f"{name} is not valid Unicode"
        return value, None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "", f"{name} must be a JSON number, not {_kind(value)}"
    return (repr(value) if isinstance(value, float) else str(value)), None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate such as "\ud800"
        return False
    return True


def _kind(value: Any) -> str:
    kinds = {bool: "a boolean", str: "a string", list: "an array", dict: "an object"}
    return kinds.get(type(value), "a number")


def _unknown_keys(item: dict[str, Any]) -> str:
    names = sorted(item.keys() - set(FIELDS))
    shown = ", ".join(json.dumps(name)[:42] for name in names[:5])
    return f"unknown field(s): {shown}" + (" ..." if len(names) > 5 else "")
