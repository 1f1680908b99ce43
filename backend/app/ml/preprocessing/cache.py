"""The feature cache: one JSON file per feature set under ML_CACHE_PATH.

Files are always named ``<key>.json`` so the guide's clean-up
(``find data/ml/cache/ -name "*.json" -mtime +1 -delete``) finds them. With
ML_CACHE_COMPRESSION the content of that file is gzip (it starts with the bytes
``1f 8b``) wrapping the same JSON; readers detect either form.

The payload keeps the frame column by column: numbers, booleans and times as base64 of
their little-endian bytes (exact, and read back without a Python object per value),
other columns as JSON lists. An entry records its key, creation time and a sha256 of
its payload. An entry older than ML_FEATURE_CACHE_TTL, or one that does not parse,
carries another key or fails its checksum, is deleted and reported as a miss, never
served. At most ML_FEATURE_CACHE_SIZE entries are kept; the oldest are evicted first.

A key built with a ``data_version`` reads ``<settings>-<version>-<digest>``. Every new
ingest changes the data version, so an entry of another version can never be hit
again: writing an entry deletes the entries of the same settings under any other
data version (the one just written is the latest), so the cache holds one data
version per settings rather than one per ingest.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from app.core.config import Settings

log = logging.getLogger("drillwatch.ml.processing")

FORMAT_VERSION = 2
GZIP_MAGIC = b"\x1f\x8b"
BINARY_KINDS = "biufMm"  # numpy kinds stored as raw bytes: bool, int, uint, float, times


@dataclass(frozen=True)
class CacheLookup:
    """Outcome of a cache read: the frame on a hit, else why it missed."""

    frame: pd.DataFrame | None
    reason: str

    @property
    def hit(self) -> bool:
        """True when the frame was served from the cache."""
        return self.frame is not None


# Parts that move with the data (the as-of time and the span follow the latest telemetry);
# the other parts name the settings an entry was computed with.
DATA_PARTS = ("data_version", "as_of", "days")
PREFIX_CHARS = 16


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def cache_key(**parts: Any) -> str:
    """A stable key over JSON-serialisable ``parts`` (order-independent).

    With a ``data_version`` part: ``<settings>-<version>-<digest>``, where ``settings``
    hashes the parts other than DATA_PARTS and ``version`` the data version.
    """
    digest = _digest(parts)
    if "data_version" not in parts:
        return digest
    settings = _digest({k: v for k, v in parts.items() if k not in DATA_PARTS})
    version = _digest(parts["data_version"])
    return f"{settings[:PREFIX_CHARS]}-{version[:PREFIX_CHARS]}-{digest}"


def key_scope(key: str) -> tuple[str, str] | None:
    """(settings, data version) prefixes of a ``cache_key`` with a data version, else None."""
    parts = key.split("-")
    if len(parts) != 3 or not all(len(p) == PREFIX_CHARS for p in parts[:2]):
        return None
    return parts[0], parts[1]


class FeatureCache:
    """Feature frames stored as JSON files keyed by data version and settings."""

    def __init__(
        self,
        path: Path,
        *,
        ttl_seconds: int,
        max_entries: int,
        compress: bool,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self.compress = compress
        self.clock = clock

    @classmethod
    def from_settings(cls, settings: Settings) -> FeatureCache:
        """A cache configured by the ML_FEATURE_CACHE_* and ML_CACHE_* settings."""
        return cls(
            settings.ml_cache_path,
            ttl_seconds=settings.ml_feature_cache_ttl,
            max_entries=settings.ml_feature_cache_size,
            compress=settings.ml_cache_compression,
        )

    @property
    def enabled(self) -> bool:
        """A TTL of 0 switches caching off."""
        return self.ttl_seconds > 0

    def file_for(self, key: str) -> Path:
        """The file that holds ``key``."""
        return self.path / f"{key}.json"

    def get(self, key: str) -> CacheLookup:
        """The cached frame for ``key``; stale or corrupted entries are removed."""
        file = self.file_for(key)
        if not self.enabled or not file.is_file():
            return CacheLookup(None, "absent")
        try:
            entry = json.loads(_read_bytes(file))
            frame = self._validated(entry, key)
        except FileNotFoundError:  # superseded or evicted by another process meanwhile
            return CacheLookup(None, "absent")
        except (OSError, EOFError, ValueError, KeyError, TypeError) as exc:
            log.warning("feature_cache corrupt entry %s removed: %s", file.name, exc)
            _unlink(file)
            return CacheLookup(None, "corrupt")
        if frame is None:
            _unlink(file)
            return CacheLookup(None, "stale")
        return CacheLookup(frame, "hit")

    def put(self, key: str, frame: pd.DataFrame) -> None:
        """Store ``frame`` under ``key`` atomically, drop superseded versions, evict the rest."""
        if not self.enabled:
            return
        payload = encode_frame(frame)
        entry = {
            "format": FORMAT_VERSION,
            "key": key,
            "created_at": self.clock(),
            "sha256": hashlib.sha256(payload.encode()).hexdigest(),
            "payload": payload,
        }
        data = json.dumps(entry).encode()
        if self.compress:
            data = gzip.compress(data, mtime=0)
        self.path.mkdir(parents=True, exist_ok=True)
        _atomic_write(self.file_for(key), data)
        self.supersede(key)
        self.evict()

    def entries(self) -> list[Path]:
        """Cache files, oldest first."""
        files = [p for p in self.path.glob("*.json") if p.is_file()]
        return sorted(files, key=_mtime)

    def supersede(self, key: str) -> int:
        """Remove entries with ``key``'s settings under another data version; returns how many."""
        scope = key_scope(key)
        if scope is None:
            return 0
        settings, version = scope
        stale = [
            file
            for file in self.path.glob(f"{settings}-*.json")
            if (other := key_scope(file.stem)) is not None and other[1] != version
        ]
        for file in stale:
            _unlink(file)
        if stale:
            log.info("feature_cache superseded=%d kept=%s", len(stale), self.file_for(key).name)
        return len(stale)

    def evict(self) -> int:
        """Remove the oldest entries beyond ML_FEATURE_CACHE_SIZE; returns how many."""
        files = self.entries()
        excess = files[: max(0, len(files) - self.max_entries)]
        for file in excess:
            _unlink(file)
        return len(excess)

    def clear(self) -> None:
        """Remove every entry."""
        for file in self.entries():
            _unlink(file)

    def _validated(self, entry: dict[str, Any], key: str) -> pd.DataFrame | None:
        if entry["format"] != FORMAT_VERSION or entry["key"] != key:
            raise ValueError("entry does not belong to this key or format")
        payload = entry["payload"]
        if hashlib.sha256(payload.encode()).hexdigest() != entry["sha256"]:
            raise ValueError("payload checksum mismatch")
        if self.clock() - float(entry["created_at"]) > self.ttl_seconds:
            return None
        return decode_frame(payload)


def encode_frame(frame: pd.DataFrame) -> str:
    """``frame`` as JSON, column by column (index dropped)."""
    columns: list[dict[str, Any]] = []
    for name in frame.columns:
        series = frame[name]
        if isinstance(series.dtype, np.dtype) and series.dtype.kind in BINARY_KINDS:
            data = np.ascontiguousarray(series.to_numpy(), dtype=series.dtype.newbyteorder("<"))
            raw = base64.b64encode(data.tobytes()).decode("ascii")
            columns.append({"name": name, "dtype": data.dtype.str, "data": raw})
        else:
            values = series.astype(object).where(series.notna(), None).tolist()
            columns.append({"name": name, "dtype": str(series.dtype), "values": values})
    return json.dumps({"rows": len(frame), "columns": columns}, separators=(",", ":"))


def decode_frame(payload: str) -> pd.DataFrame:
    """The frame ``encode_frame`` wrote; ValueError when the payload is not one."""
    content = json.loads(payload)
    rows = int(content["rows"])
    columns: dict[str, Any] = {}
    for column in content["columns"]:
        if "data" in column:
            dtype = np.dtype(column["dtype"])
            if dtype.kind not in BINARY_KINDS:
                raise ValueError(f"column {column['name']!r} has an unexpected dtype {dtype}")
            values = np.frombuffer(base64.b64decode(column["data"], validate=True), dtype=dtype)
            columns[column["name"]] = values.astype(dtype.newbyteorder("="))
        else:
            columns[column["name"]] = pd.Series(column["values"], dtype=column["dtype"])
        if len(columns[column["name"]]) != rows:
            raise ValueError(f"column {column['name']!r} does not hold {rows} rows")
    return pd.DataFrame(columns, index=pd.RangeIndex(rows))


def _read_bytes(file: Path) -> bytes:
    data = file.read_bytes()
    return gzip.decompress(data) if data.startswith(GZIP_MAGIC) else data


def _atomic_write(target: Path, data: bytes) -> None:
    # a temp name not ending in .json, so a half-written file is never read as an entry
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except BaseException:
        _unlink(Path(tmp))
        raise


def _mtime(file: Path) -> float:
    try:
        return file.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def _unlink(file: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        file.unlink()
