"""A small thread-safe LRU of loaded models, keyed by version and artifact digest."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any


class ModelCache:
    """At most ``capacity`` loaded models; the least recently used one is dropped first."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._items: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, version: str, sha256: str) -> Any | None:
        """The cached model (marked most recently used), or None."""
        with self._lock:
            key = (version, sha256)
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, version: str, sha256: str, model: Any) -> None:
        """Insert ``model``, evicting the least recently used beyond capacity."""
        with self._lock:
            self._items[(version, sha256)] = model
            self._items.move_to_end((version, sha256))
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def versions(self) -> list[str]:
        """Cached versions, least recently used first."""
        with self._lock:
            return [version for version, _ in self._items]
