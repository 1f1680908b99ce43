"""The embedded DuckDB telemetry store: schema and connections per unit of work.

DuckDB lets one process hold a database file at a time. A process therefore opens the
file for its units of work and lets it go when it has been idle for STORE_KEEP_OPEN
seconds (opening costs some 20 ms of CPU, so a busy server keeps it); a process that
finds the file held by another waits (up to STORE_LOCK_TIMEOUT) and then fails with a
clear ``Unavailable``. Within a process, concurrent units share one open instance.
"""

from __future__ import annotations

import atexit
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import duckdb

from app.core.config import DUCKDB_MEMORY_LIMIT, MEMORY_SIZE
from app.core.errors import Unavailable
from app.storage.compaction import reclaim_space

if TYPE_CHECKING:
    from app.core.config import Settings

SCHEMA = """
CREATE SEQUENCE IF NOT EXISTS ingest_id_seq START 1;
CREATE TABLE IF NOT EXISTS telemetry (
    ts           TIMESTAMP NOT NULL,   -- UTC
    device_id    VARCHAR   NOT NULL,
    seq          BIGINT    NOT NULL,
    current_amp  DOUBLE    NOT NULL,
    gps_lat      DOUBLE,
    gps_lon      DOUBLE,
    battery_level SMALLINT NOT NULL,
    ble_id       VARCHAR,              -- NULL when no smart tag was seen
    ingest_id    BIGINT    NOT NULL
);
CREATE TABLE IF NOT EXISTS ingests (
    ingest_id    BIGINT PRIMARY KEY,
    source       VARCHAR NOT NULL,
    sha256       VARCHAR,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    accepted     BIGINT NOT NULL DEFAULT 0,
    duplicates   BIGINT NOT NULL DEFAULT 0,
    quarantined  BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS quarantine (
    ingest_id    BIGINT  NOT NULL,
    source       VARCHAR NOT NULL,
    line         BIGINT,
    raw          VARCHAR,
    reason       VARCHAR NOT NULL,
    quarantined_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS store_meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);
-- One row per `drillwatch archive`: telemetry moved out of the store into a Parquet file.
CREATE TABLE IF NOT EXISTS archives (
    archive_id   BIGINT PRIMARY KEY,
    before_ts    TIMESTAMP NOT NULL,   -- rows with ts < before_ts went
    path         VARCHAR   NOT NULL,
    rows         BIGINT    NOT NULL,
    devices      BIGINT    NOT NULL,
    first_ts     TIMESTAMP,
    last_ts      TIMESTAMP,
    sha256       VARCHAR   NOT NULL,
    archived_by  VARCHAR   NOT NULL,
    archived_at  TIMESTAMP NOT NULL,
    restored_at  TIMESTAMP             -- last `drillwatch unarchive` of it
);
-- Derived from telemetry by app.storage.sessions, in the same transaction as each ingest.
CREATE TABLE IF NOT EXISTS sessions (
    device_id        VARCHAR   NOT NULL,
    session_id       VARCHAR   NOT NULL,
    start_ts         TIMESTAMP NOT NULL,
    end_ts           TIMESTAMP NOT NULL,
    duration_s       DOUBLE    NOT NULL,
    samples          BIGINT    NOT NULL,
    expected_samples BIGINT    NOT NULL,
    lost_samples     BIGINT    NOT NULL,
    off_samples      BIGINT    NOT NULL,
    standby_samples  BIGINT    NOT NULL,
    spin_samples     BIGINT    NOT NULL,
    drill_samples    BIGINT    NOT NULL,
    drilling_s       BIGINT    NOT NULL,
    tagged           BOOLEAN   NOT NULL,
    ble_ids          VARCHAR[] NOT NULL,
    centroid_lat     DOUBLE,
    centroid_lon     DOUBLE,
    last_lat         DOUBLE,
    last_lon         DOUBLE,
    missing_gps      BIGINT    NOT NULL,
    battery_start    SMALLINT  NOT NULL,
    battery_end      SMALLINT  NOT NULL,
    battery_min      SMALLINT  NOT NULL,
    low_battery_samples BIGINT NOT NULL,
    low_battery      BOOLEAN   NOT NULL,
    avg_current      DOUBLE    NOT NULL,
    max_current      DOUBLE    NOT NULL,
    std_current      DOUBLE
);
"""


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run the block in one transaction: commit at its end, roll back on any error."""
    conn.execute("BEGIN TRANSACTION")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        with suppress(duckdb.Error):  # keep the original error if rollback fails too
            conn.execute("ROLLBACK")
        raise


# DuckDB's documented minimum working memory per thread; below it window queries run out.
MIN_THREAD_BYTES = 128 * 2**20
UNIT_BYTES: dict[str, int] = {"B": 1} | {
    prefix + suffix: base**power
    for power, prefix in enumerate("KMGT", start=1)
    for suffix, base in (("B", 1000), ("IB", 1024))
}


def memory_bytes(limit: str) -> float:
    """Bytes in a DuckDB memory_limit such as ``192MB`` or ``2GiB`` (validated by Settings)."""
    match = MEMORY_SIZE.fullmatch(limit.strip())
    if match is None:
        raise ValueError(f"not a memory size: {limit!r}")
    return float(match.group(1)) * UNIT_BYTES[match.group(2).upper()]


@contextmanager
def threads_within_memory(conn: duckdb.DuckDBPyConnection, memory_limit: str) -> Iterator[None]:
    """Run the block on at most one DuckDB thread per ``MIN_THREAD_BYTES`` of the limit.

    Window-heavy queries (the ML evidence) need that much per thread; with fewer bytes
    per thread they fail with "Out of Memory" instead of running a little longer.
    """
    row = conn.execute("SELECT current_setting('threads')").fetchone()
    current = int(row[0]) if row else 1
    wanted = max(1, min(current, int(memory_bytes(memory_limit) // MIN_THREAD_BYTES)))
    if wanted == current:
        yield
        return
    conn.execute(f"SET threads = {wanted}")
    try:
        yield
    finally:
        conn.execute(f"SET threads = {current}")


def fetch_dicts(
    conn: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Run a query and return its rows as dicts keyed by column name."""
    cursor = conn.execute(sql, params or {})
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def fetch_page(
    conn: duckdb.DuckDBPyConnection,
    source: str,
    order: str,
    params: dict[str, Any],
    *,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """One page of ``SELECT * FROM source ORDER BY order`` and the total row count."""
    total = conn.execute(f"SELECT count(*) FROM {source}", params).fetchone()
    rows = fetch_dicts(
        conn,
        f"SELECT * FROM {source} ORDER BY {order} LIMIT $limit OFFSET $offset",
        {**params, "limit": limit, "offset": offset},
    )
    return rows, int(total[0]) if total else 0


LOCK_MARKERS = ("Could not set lock", "Conflicting lock", "lock on file")


class TelemetryStore:
    """Opens connections to the DuckDB file, creating the schema on first use."""

    def __init__(
        self,
        path: Path,
        *,
        memory_limit: str = DUCKDB_MEMORY_LIMIT,
        lock_timeout: float = 60.0,
        keep_open: float = 0.0,
    ):
        self.path = path
        self.memory_limit = memory_limit
        self.lock_timeout = lock_timeout
        self.keep_open = keep_open

    @classmethod
    def from_settings(cls, settings: Settings) -> TelemetryStore:
        """The store at DUCKDB_PATH with DUCKDB_MEMORY_LIMIT, STORE_LOCK_TIMEOUT and
        STORE_KEEP_OPEN."""
        return cls(
            settings.duckdb_path,
            memory_limit=settings.duckdb_memory_limit,
            lock_timeout=settings.store_lock_timeout,
            keep_open=settings.store_keep_open,
        )

    def without_waiting(self) -> TelemetryStore:
        """The same store, failing at once (``Unavailable``) while another process holds it."""
        return TelemetryStore(
            self.path, memory_limit=self.memory_limit, lock_timeout=0, keep_open=self.keep_open
        )

    def initialise(self) -> None:
        """Create the file and schema if missing."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as conn:
            conn.execute(SCHEMA)

    def reclaim_space(self, *, always: bool = False) -> bool:
        """Compact the file if an aborted ingest left much unused space in it (``always``:
        if any block is unused); checkpoints it in any case.

        Call it only while this process has no other connection to the store (start-up).
        """
        self.release()  # the compacted file replaces the one the instance holds
        with self._unit(keep_open=0) as conn:
            if always:
                return reclaim_space(conn, self.path, min_bytes=1, ratio=0.0)
            return reclaim_space(conn, self.path)

    def connect(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """A connection for one unit of work; waits while another process holds the file."""
        return self._unit(keep_open=self.keep_open)

    @contextmanager
    def _unit(self, *, keep_open: float) -> Iterator[duckdb.DuckDBPyConnection]:
        instance = SharedInstance.of(self.path)
        conn = self._open_with_retry(instance)
        try:
            yield conn
        finally:
            instance.give_back(conn, keep_open=keep_open)

    def release(self) -> None:
        """Close this process's instance of the file now (no unit of work may be running)."""
        SharedInstance.of(self.path).close()

    def _open_with_retry(self, instance: SharedInstance) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.05
        while True:
            try:
                return instance.lease(self.memory_limit)
            except duckdb.IOException as exc:
                if not any(marker in str(exc) for marker in LOCK_MARKERS):
                    raise
                if time.monotonic() >= deadline:
                    raise Unavailable(
                        f"telemetry store {self.path.name} is held by another process "
                        f"(an ingest?) for more than {self.lock_timeout:g} s; retry later"
                    ) from exc
                time.sleep(delay)
                delay = min(delay * 2, 0.5)


class SharedInstance:
    """This process's open DuckDB database for one file, shared by its units of work.

    Each unit gets its own connection (a cursor of the instance). When the last unit
    ends, the instance stays open for ``keep_open`` seconds, so that a busy process does
    not pay the opening again and again, and is then closed: the file is free for other
    processes, and DuckDB checkpoints its write-ahead log into it.
    """

    _all: ClassVar[dict[Path, SharedInstance]] = {}
    _all_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._database: duckdb.DuckDBPyConnection | None = None
        self._units = 0
        self._timer: threading.Timer | None = None

    @classmethod
    def of(cls, path: Path) -> SharedInstance:
        """The instance of ``path`` in this process (not yet open, perhaps)."""
        key = path.absolute()
        with cls._all_lock:
            return cls._all.setdefault(key, cls(key))

    @classmethod
    def open_paths(cls) -> list[Path]:
        """The files this process holds open right now."""
        with cls._all_lock:
            instances = list(cls._all.values())
        return [instance.path for instance in instances if instance._database is not None]

    @classmethod
    def close_all(cls) -> None:
        """Close every instance of this process (at exit)."""
        with cls._all_lock:
            instances = list(cls._all.values())
        for instance in instances:
            instance.close()

    def lease(self, memory_limit: str) -> duckdb.DuckDBPyConnection:
        """A connection for one unit of work, opening the file if needed (one attempt:
        ``duckdb.IOException`` while another process holds it)."""
        with self._lock:
            self._cancel_timer()
            if self._database is None:
                self._database = duckdb.connect(
                    str(self.path), config={"memory_limit": memory_limit}
                )
            conn = self._database.cursor()
            self._units += 1
            return conn

    def give_back(self, conn: duckdb.DuckDBPyConnection, *, keep_open: float) -> None:
        """End a unit of work; the last one closes the file now or after ``keep_open`` s."""
        conn.close()
        with self._lock:
            self._units -= 1
            if self._units > 0:
                return
            if keep_open <= 0:
                self._close_locked()
                return
            self._timer = threading.Timer(keep_open, self.close)
            self._timer.daemon = True
            self._timer.start()

    def close(self) -> None:
        """Close the file now unless a unit of work is running."""
        with self._lock:
            if self._units == 0:
                self._close_locked()

    def _close_locked(self) -> None:
        self._cancel_timer()
        if self._database is not None:
            database, self._database = self._database, None
            database.close()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


atexit.register(SharedInstance.close_all)
