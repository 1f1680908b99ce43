"""The feature cache: hits, misses, TTL, size limit, compression, corruption, logging."""

from __future__ import annotations

import base64
import gzip
import json
import logging
import os
import subprocess
import time
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.core.config import Settings, get_settings
from app.ml.preprocessing.cache import FeatureCache, cache_key
from app.ml.preprocessing.feature_engineering import MLFeatureService
from tests.ml.feature_helpers import insert_rows, load_csv, new_store


class Clock:
    """A settable clock for TTL tests."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def frame() -> pd.DataFrame:
    """A small frame with the dtypes feature frames use."""
    return pd.DataFrame(
        {
            "device_id": pd.Series(["a", "b"], dtype="str"),
            "day": pd.to_datetime(["2025-07-01", "2025-07-02"]).astype("datetime64[ns]"),
            "active": [True, False],
            "amp_mean": [6.25, float("nan")],
        }
    )


def cache(tmp_path: Path, **overrides: object) -> FeatureCache:
    """A cache under ``tmp_path`` with a settable clock."""
    values: dict[str, object] = {
        "ttl_seconds": 60,
        "max_entries": 10,
        "compress": False,
        "clock": Clock(),
    }
    return FeatureCache(tmp_path, **(values | overrides))  # type: ignore[arg-type]


def test_a_stored_frame_is_served_back_unchanged(tmp_path: Path) -> None:
    store = cache(tmp_path)
    assert store.get("k").reason == "absent"
    store.put("k", frame())
    lookup = store.get("k")
    assert lookup.hit
    assert lookup.frame is not None
    pd.testing.assert_frame_equal(lookup.frame, frame())


def test_an_entry_older_than_the_ttl_is_recomputed_not_served(tmp_path: Path) -> None:
    clock = Clock()
    store = cache(tmp_path, clock=clock)
    store.put("k", frame())
    clock.now += 61
    assert store.get("k").reason == "stale"
    assert not store.file_for("k").exists()


def test_ttl_zero_switches_the_cache_off(tmp_path: Path) -> None:
    store = cache(tmp_path, ttl_seconds=0)
    store.put("k", frame())
    assert list(tmp_path.iterdir()) == []


def test_the_oldest_entries_are_evicted_beyond_the_size_limit(tmp_path: Path) -> None:
    store = cache(tmp_path, max_entries=3)
    for i in range(5):
        store.put(f"k{i}", frame())
        os.utime(store.file_for(f"k{i}"), (1_000 + i, 1_000 + i))
        store.evict()
    assert sorted(p.name for p in tmp_path.glob("*.json")) == ["k2.json", "k3.json", "k4.json"]


def test_compressed_entries_are_gzip_under_a_json_name(tmp_path: Path) -> None:
    packed, plain = cache(tmp_path / "gz", compress=True), cache(tmp_path / "plain")
    big = pd.concat([frame()] * 200, ignore_index=True)
    packed.put("k", big)
    plain.put("k", big)
    raw = packed.file_for("k").read_bytes()
    assert packed.file_for("k").name == "k.json"
    assert raw[:2] == b"\x1f\x8b"
    assert json.loads(gzip.decompress(raw))["key"] == "k"
    assert json.loads(plain.file_for("k").read_bytes())["key"] == "k"
    assert len(raw) < plain.file_for("k").stat().st_size / 5
    lookup = packed.get("k")
    assert lookup.frame is not None
    pd.testing.assert_frame_equal(lookup.frame, big)


@pytest.mark.parametrize("compress", [False, True])
def test_a_corrupted_entry_is_removed_and_missed(tmp_path: Path, compress: bool) -> None:
    store = cache(tmp_path, compress=compress)
    store.put("k", frame())
    store.file_for("k").write_bytes(store.file_for("k").read_bytes()[:-20])
    assert store.get("k").reason == "corrupt"
    assert not store.file_for("k").exists()


def test_a_tampered_payload_fails_its_checksum(tmp_path: Path) -> None:
    store = cache(tmp_path)
    store.put("k", frame())
    entry = json.loads(store.file_for("k").read_text())
    content = json.loads(entry["payload"])
    amps = next(c for c in content["columns"] if c["name"] == "amp_mean")
    values = np.frombuffer(base64.b64decode(amps["data"]), dtype=amps["dtype"]).copy()
    assert values[0] == 6.25
    values[0] = 9.75
    amps["data"] = base64.b64encode(values.tobytes()).decode("ascii")
    entry["payload"] = json.dumps(content, separators=(",", ":"))
    store.file_for("k").write_text(json.dumps(entry))
    assert store.get("k").reason == "corrupt"


def test_every_value_comes_back_bit_for_bit(tmp_path: Path) -> None:
    store = cache(tmp_path)
    exact = frame().assign(
        amp_mean=[0.1 + 0.2, 1 / 3],
        count=np.array([-(2**62), 7], dtype="int64"),
        day=pd.to_datetime(["2025-07-01 00:00:00.000001", None]).astype("datetime64[ns]"),
        note=pd.Series(["x", None], dtype="object"),
    )
    store.put("k", exact)
    lookup = store.get("k")
    assert lookup.frame is not None
    pd.testing.assert_frame_equal(lookup.frame, exact, check_exact=True)
    assert lookup.frame["amp_mean"].tolist() == [0.1 + 0.2, 1 / 3]


def test_an_entry_copied_under_another_key_is_not_served(tmp_path: Path) -> None:
    store = cache(tmp_path)
    store.put("k", frame())
    store.file_for("k").rename(store.file_for("other"))
    assert store.get("other").reason == "corrupt"


def test_keys_depend_on_every_part() -> None:
    assert cache_key(a=1, b=[1, 2]) == cache_key(b=[1, 2], a=1)
    assert cache_key(a=1, b=[1, 2]) != cache_key(a=1, b=[2, 1])


def entry_names(folder: Path) -> set[str]:
    """Names of the cache files in ``folder``."""
    return {p.name for p in folder.glob("*.json")}


def test_a_new_data_version_replaces_the_entries_of_the_same_settings(tmp_path: Path) -> None:
    store = cache(tmp_path)
    parts = {"as_of": "2025-07-01T10:00:00", "days": 30, "window": 30}
    old = cache_key(data_version="1:1:100:0", **parts)
    old_span = cache_key(data_version="1:1:100:0", **(parts | {"days": 45}))
    other_settings = cache_key(data_version="1:1:100:0", **(parts | {"window": 7}))
    unversioned = cache_key(a=1)
    for key in (old, old_span, other_settings, unversioned):
        store.put(key, frame())
    assert len(entry_names(tmp_path)) == 4  # one data version so far: all kept
    new = cache_key(data_version="2:2:150:0", **(parts | {"as_of": "2025-07-02T09:00:00"}))
    store.put(new, frame())
    kept = (new, other_settings, unversioned)
    assert entry_names(tmp_path) == {store.file_for(k).name for k in kept}
    assert all(store.get(k).hit for k in kept)


def test_the_service_keeps_only_the_latest_data_versions_entries(
    service: MLFeatureService, caplog: pytest.LogCaptureFixture
) -> None:
    folder = service.settings.ml_cache_path
    service.extract()
    service.extract(as_of=date(2025, 7, 20))
    assert len(entry_names(folder)) == 2
    assert service.store is not None
    insert_rows(service.store, [(datetime(2025, 7, 31, 12), "b4e1d9c2", 1, 6.0, 52.5, 13.4, 80)])
    caplog.set_level(logging.INFO, logger="drillwatch.ml.processing")
    assert not service.extract().cache_hit
    assert len(entry_names(folder)) == 1
    assert any("feature_cache superseded=2" in r.getMessage() for r in caplog.records)
    assert service.extract().cache_hit


def test_the_guides_find_command_clears_old_entries(tmp_path: Path) -> None:
    store = cache(tmp_path, compress=True)
    store.put("old", frame())
    store.put("new", frame())
    two_days_ago = time.time() - 2 * 86_400
    os.utime(store.file_for("old"), (two_days_ago, two_days_ago))
    subprocess.run(
        ["find", str(tmp_path), "-name", "*.json", "-mtime", "+1", "-delete"], check=True
    )
    assert [p.name for p in tmp_path.iterdir()] == ["new.json"]


@pytest.fixture
def service(settings: Settings, sample_csv: Path) -> MLFeatureService:
    """A feature service over the field sample using the configured cache."""
    store = new_store(settings.duckdb_path)
    load_csv(store, sample_csv)
    return MLFeatureService(store, settings)


def test_the_service_serves_a_repeat_request_from_the_cache(
    service: MLFeatureService, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="drillwatch.ml.processing")
    first = service.extract()
    second = service.extract()
    assert (first.cache_hit, second.cache_hit) == (False, True)
    pd.testing.assert_frame_equal(first.frame, second.frame)
    lines = [r.getMessage() for r in caplog.records]
    assert "cache_miss" in lines[0]
    assert "cache_hit" in lines[1]
    for line in lines:
        assert line.startswith("feature_engineering")
        assert "processing_time=" in line
        assert "feature_quality=" in line


def test_new_telemetry_or_other_settings_miss_the_cache(
    service: MLFeatureService, monkeypatch: pytest.MonkeyPatch
) -> None:
    service.extract()
    assert service.store is not None
    insert_rows(service.store, [(datetime(2025, 7, 31, 12), "b4e1d9c2", 1, 6.0, 52.5, 13.4, 80)])
    assert not service.extract().cache_hit
    assert service.extract().cache_hit
    monkeypatch.setenv("FEATURE_AGGREGATION_PERIOD", "day")
    get_settings.cache_clear()
    assert not MLFeatureService(service.store, get_settings()).extract().cache_hit


def test_the_service_writes_no_more_entries_than_the_size_limit(
    service: MLFeatureService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ML_FEATURE_CACHE_SIZE", "2")
    get_settings.cache_clear()
    limited = MLFeatureService(service.store, get_settings())
    for day in (20, 25, 30):
        limited.extract(as_of=date(2025, 7, day))
    assert len(list(limited.settings.ml_cache_path.glob("*.json"))) == 2


def test_compression_setting_reaches_the_service_cache(
    service: MLFeatureService, monkeypatch: pytest.MonkeyPatch
) -> None:
    for flag, magic in (("false", b"{"), ("true", b"\x1f\x8b")):
        monkeypatch.setenv("ML_CACHE_COMPRESSION", flag)
        get_settings.cache_clear()
        settings = get_settings()
        MLFeatureService(service.store, settings).cache.clear()
        MLFeatureService(service.store, settings).extract()
        (entry,) = settings.ml_cache_path.glob("*.json")
        assert entry.read_bytes()[:1] == magic[:1]


def test_ttl_setting_reaches_the_service_cache(
    service: MLFeatureService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ML_FEATURE_CACHE_TTL", "0")
    get_settings.cache_clear()
    uncached = MLFeatureService(service.store, get_settings())
    uncached.extract()
    assert not uncached.extract().cache_hit
