"""Computed JSON answers kept in memory, least recently used first out, bounded in bytes."""

from __future__ import annotations

import gzip
import hashlib
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

# As the app's GZipMiddleware: bodies from 1000 bytes on, level 6.
GZIP_MINIMUM_SIZE = 1000
GZIP_LEVEL = 6


@dataclass(frozen=True)
class CachedResponse:
    """A 200 JSON answer: its headers (no length), body, gzip-compressed body and entity tag."""

    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    etag: str
    gzipped: bytes | None = None

    @classmethod
    def of(cls, headers: tuple[tuple[bytes, bytes], ...], body: bytes) -> CachedResponse:
        """The entry for ``body``, compressed once here instead of on every hit."""
        gzipped = None
        if len(body) >= GZIP_MINIMUM_SIZE:
            gzipped = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
        return cls(headers, body, entity_tag(body), gzipped)

    @property
    def size(self) -> int:
        """Bytes the entry holds (the bodies dominate)."""
        headers = sum(len(k) + len(v) for k, v in self.headers)
        return len(self.body) + len(self.gzipped or b"") + headers


def entity_tag(body: bytes) -> str:
    """A weak entity tag of the body (weak: the gzip layer may re-encode it)."""
    return f'W/"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


def matches(if_none_match: str, etag: str) -> bool:
    """True when an If-None-Match header names ``etag`` (weak comparison) or is ``*``."""
    wanted = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in wanted or etag.removeprefix("W/") in wanted


class ReadCache:
    """LRU map from request key to ``CachedResponse``, at most ``max_bytes`` in all."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.used = 0
        self._entries: OrderedDict[Hashable, CachedResponse] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> CachedResponse | None:
        """The entry for ``key`` (now the most recently used), if kept."""
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: Hashable, entry: CachedResponse) -> None:
        """Keep ``entry`` unless it alone exceeds the budget; evict the oldest to fit."""
        if entry.size > self.max_bytes:
            return
        self._discard(key)
        self._entries[key] = entry
        self.used += entry.size
        while self.used > self.max_bytes:
            _, oldest = self._entries.popitem(last=False)
            self.used -= oldest.size

    def _discard(self, key: Hashable) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self.used -= old.size
