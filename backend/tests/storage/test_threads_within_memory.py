"""Window-heavy queries run on no more DuckDB threads than the memory limit can feed."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from app.core.config import Settings
from app.ml.preprocessing.feature_engineering import MLFeatureService
from app.services.ingestion import ingest_file
from app.storage.duckdb import TelemetryStore, memory_bytes, threads_within_memory


def threads(conn: duckdb.DuckDBPyConnection) -> int:
    row = conn.execute("SELECT current_setting('threads')").fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize(
    ("limit", "size"),
    [("192MB", 192e6), ("2GiB", 2 * 1024**3), ("512 kb", 512e3), ("1.5GB", 1.5e9), ("64B", 64)],
)
def test_memory_sizes_read_like_duckdb(limit: str, size: float) -> None:
    assert memory_bytes(limit) == size


@pytest.mark.parametrize(
    ("limit", "inside"),
    [("192MB", 1), ("300MB", 2), ("2GB", 4), ("100MB", 1)],  # 128 MiB per thread, at least 1
)
def test_threads_are_capped_by_the_memory_limit_and_restored(limit: str, inside: int) -> None:
    conn = duckdb.connect(config={"threads": 4})
    with threads_within_memory(conn, limit):
        assert threads(conn) == inside
    assert threads(conn) == 4


def test_restored_after_a_failing_query() -> None:
    conn = duckdb.connect(config={"threads": 3})
    with pytest.raises(duckdb.Error), threads_within_memory(conn, "192MB"):
        conn.execute("SELECT * FROM no_such_table")
    assert threads(conn) == 3


def test_evidence_is_the_same_on_one_thread(
    settings: Settings, sample_csv: Path, tmp_path: Path
) -> None:
    store = TelemetryStore(tmp_path / "t.duckdb", lock_timeout=10)
    store.initialise()
    ingest_file(store, sample_csv, settings)
    frames = []
    for limit in ("192MB", "4GB"):  # one thread, then the connection's own
        update = {"duckdb_memory_limit": limit, "ml_feature_cache_ttl": 0}  # computed each time
        tight = settings.model_copy(update=update)
        with store.connect() as conn:
            conn.execute("SET threads = 2")
            extraction = MLFeatureService(None, settings=tight).extract(conn)
            assert not extraction.cache_hit
            frames.append(extraction.frame)
            assert threads(conn) == 2
    pd.testing.assert_frame_equal(frames[0], frames[1])
