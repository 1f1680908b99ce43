"""Settings: invalid values stop start-up with one clear line; paths, .env and directories."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.config import BACKEND_DIR, REPO_DIR, ConfigError, Settings, load_settings
from app.storage.duckdb import TelemetryStore

GUIDE = REPO_DIR.parent / "shared" / "seed" / "ML_OPERATIONS_GUIDE.md"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No DrillWatch variable from the caller's shell leaks into these tests."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def config_error(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    """The start-up message for these environment variables (fails if they are accepted)."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None)
    return str(caught.value)


@pytest.mark.parametrize(
    ("variable", "value", "accepted"),
    [
        ("ML_FEATURE_CACHE_TTL", "an hour", "valid integer"),
        ("ML_BATCH_SIZE", "1.5", "valid integer"),
        ("ML_ALERT_THRESHOLD", "high", "valid number"),
        ("ML_FEATURE_CACHE_TTL", "-5", "greater than or equal to 0"),
        ("ALERT_COOLDOWN_HOURS", "-1", "greater than or equal to 0"),
        ("ML_MODEL_CACHE_SIZE", "-1", "greater than or equal to 1"),
        ("ML_FEATURE_CACHE_SIZE", "0", "greater than or equal to 1"),
        ("ML_MAX_PROCESSING_TIME", "-3", "greater than 0"),
        ("SESSION_MAX_GAP_SECONDS", "0", "greater than or equal to 1"),
        ("ML_CONFIDENCE_THRESHOLD", "1.5", "less than or equal to 1"),
        ("ML_CONFIDENCE_THRESHOLD", "-0.1", "greater than or equal to 0"),
        ("ML_ALERT_THRESHOLD", "101", "less than or equal to 100"),
        ("PORT", "70000", "less than or equal to 65535"),
        ("PORT", "0", "greater than or equal to 1"),
        ("PORT", "http", "valid integer"),
        ("ML_ENABLED", "maybe", "true/false"),
        ("FEATURE_AGGREGATION_PERIOD", "month", "'hour', 'day' or 'week'"),
        ("ML_LOG_LEVEL", "LOUD", "'DEBUG', 'INFO', 'WARNING' or 'ERROR'"),
        ("DUCKDB_MEMORY_LIMIT", "lots", "512MB"),
        ("DUCKDB_MEMORY_LIMIT", "0MB", "above 0"),
        ("DATABASE_URL", "mysql://db/x", "sqlite:/// or postgresql://"),
        ("PASSWORD_HASH_ROUNDS", "3", "greater than or equal to 4"),
        ("PASSWORD_HASH_ROUNDS", "32", "less than or equal to 31"),
        ("SQLITE_BUSY_TIMEOUT", "0", "greater than 0"),
    ],
)
def test_invalid_value_gives_one_line_naming_variable_value_and_accepted(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, accepted: str
) -> None:
    message = config_error(monkeypatch, **{variable: value})
    assert "\n" not in message
    assert message.startswith(f"Invalid {variable}={value!r}")
    assert accepted in message


def test_weights_not_summing_to_one_name_each_weight_and_the_sum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = config_error(monkeypatch, CURRENT_STABILITY_WEIGHT="0.5")
    assert "\n" not in message
    for part in (
        "CURRENT_STABILITY_WEIGHT=0.5",
        "BATTERY_PERFORMANCE_WEIGHT=0.4",
        "GPS_RELIABILITY_WEIGHT=0.2",
        "= 1.1",
        "sum to 1",
    ):
        assert part in message


def test_weights_that_sum_to_one_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {
        "CURRENT_STABILITY_WEIGHT": "0.5",
        "BATTERY_PERFORMANCE_WEIGHT": "0.3",
        "GPS_RELIABILITY_WEIGHT": "0.2",
    }.items():
        monkeypatch.setenv(key, value)
    assert load_settings(_env_file=None).current_stability_weight == 0.5


@pytest.mark.parametrize(
    ("critical", "high", "medium"), [("60", "50", "70"), ("30", "70", "50"), ("50", "50", "70")]
)
def test_thresholds_out_of_order_are_rejected(
    monkeypatch: pytest.MonkeyPatch, critical: str, high: str, medium: str
) -> None:
    message = config_error(
        monkeypatch,
        CRITICAL_HEALTH_THRESHOLD=critical,
        HIGH_ALERT_THRESHOLD=high,
        MEDIUM_ALERT_THRESHOLD=medium,
    )
    assert "\n" not in message
    assert f"CRITICAL_HEALTH_THRESHOLD={critical}" in message
    assert f"HIGH_ALERT_THRESHOLD={high}" in message
    assert f"MEDIUM_ALERT_THRESHOLD={medium}" in message
    assert "CRITICAL < HIGH < MEDIUM" in message


def test_every_invalid_variable_gets_its_own_line(monkeypatch: pytest.MonkeyPatch) -> None:
    message = config_error(monkeypatch, PORT="x", ML_BATCH_SIZE="-2")
    lines = message.splitlines()
    assert len(lines) == 2
    assert {line.split("=")[0] for line in lines} == {"Invalid PORT", "Invalid ML_BATCH_SIZE"}


def test_secrets_are_not_echoed_in_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    message = config_error(monkeypatch, SECRET_KEY="tooshort-s3cr3t")
    assert "tooshort-s3cr3t" not in message
    assert message.startswith("Invalid SECRET_KEY='***'")
    assert "at least 32 characters" in message
    url_message = config_error(monkeypatch, SECRET_KEY="k" * 32, DATABASE_URL="mysql://u:pw9@h/db")
    assert "pw9" not in url_message


def test_log_levels_accept_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("ML_LOG_LEVEL", "Warning")
    current = load_settings(_env_file=None)
    assert (current.log_level, current.ml_log_level) == ("DEBUG", "WARNING")


def test_relative_paths_resolve_against_backend_not_cwd(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOG_PATH", "var/logs")
    monkeypatch.setenv("ML_MODEL_PATH", "../models")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///db/app.db")
    current = load_settings(_env_file=None)
    assert current.log_path == BACKEND_DIR / "var" / "logs"
    assert current.ml_model_path == BACKEND_DIR.parent / "models"
    assert current.database_url == f"sqlite:///{BACKEND_DIR / 'db' / 'app.db'}"
    assert current.duckdb_path == BACKEND_DIR / "data" / "telemetry.duckdb"
    assert current.ml_log_path == BACKEND_DIR / "logs" / "ml"
    assert current.telemetry_dir == BACKEND_DIR.parent / "public" / "data"


def test_absolute_paths_are_kept(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ML_CACHE_PATH", str(tmp_path / "cache"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    current = load_settings(_env_file=None)
    assert current.ml_cache_path == tmp_path / "cache"
    assert current.sqlite_path == tmp_path / "x.db"


def test_postgres_url_has_no_sqlite_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://dw:pw@localhost/dw")
    assert load_settings(_env_file=None).sqlite_path is None


def test_env_file_in_backend_is_the_default_source() -> None:
    backend = Path(__file__).resolve().parents[2]  # tests/core/ -> backend/
    assert Settings.model_config.get("env_file") == backend / ".env"


def test_env_file_is_read_and_environment_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "PORT=9123\nML_DEBUG=true\nFEATURE_AGGREGATION_PERIOD=day\nHOST=127.0.0.1\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HOST", "127.0.0.2")
    current = Settings(_env_file=env_file)
    assert (current.port, current.ml_debug, current.feature_aggregation_period) == (
        9123,
        True,
        "day",
    )
    assert current.host == "127.0.0.2"


def test_invalid_value_in_env_file_is_reported(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("ML_BATCH_SIZE=-4\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^Invalid ML_BATCH_SIZE='-4': .*greater than"):
        load_settings(_env_file=env_file)


def test_empty_value_means_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_PASSWORD", "")
    monkeypatch.setenv("PORT", "")
    current = load_settings(_env_file=None)
    assert current.admin_password is None
    assert current.port == 8000


def test_ensure_directories_creates_the_guide_layout(env: Path) -> None:
    current = load_settings(_env_file=None)
    current.ensure_directories()
    for sub in ("ml/features", "ml/models", "ml/cache", "logs/ml", "logs", "drop"):
        assert (env / sub).is_dir(), sub
    current.ensure_directories()  # a second start finds them and carries on


def test_every_variable_of_the_guide_is_a_setting() -> None:
    if not GUIDE.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"operations guide missing at {GUIDE}")
        pytest.skip(f"operations guide not found at {GUIDE}")
    names = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", GUIDE.read_text(), flags=re.M))
    assert len(names) > 25
    assert names <= {name.upper() for name in Settings.model_fields}


def test_guide_defaults_are_the_defaults() -> None:
    current = Settings(_env_file=None)
    assert current.ml_feature_cache_ttl == 3600
    assert current.ml_model_cache_size == 100
    assert current.ml_alert_threshold == 70.0
    assert current.ml_confidence_threshold == 0.6
    assert current.ml_batch_size == 100
    assert (current.critical_health_threshold, current.high_alert_threshold) == (30, 50)
    assert current.medium_alert_threshold == 70
    assert current.session_max_gap_seconds == 120
    assert current.ml_data_path == BACKEND_DIR / "data" / "ml"


def test_duckdb_memory_limit_defaults_to_192mb_and_reaches_duckdb(tmp_path: Path) -> None:
    current = Settings(_env_file=None)
    assert current.duckdb_memory_limit == "192MB"
    store = TelemetryStore(tmp_path / "t.duckdb", memory_limit=current.duckdb_memory_limit)
    with store.connect() as conn:
        limit = conn.execute("SELECT current_setting('memory_limit')").fetchone()
    assert limit == (f"{192e6 / 2**20:.1f} MiB",)  # DuckDB reads MB as 10^6 bytes


def test_main_py_exits_with_the_one_line_and_no_traceback() -> None:
    env = {**os.environ, "PORT": "eighty", "CI": "true"}
    result = subprocess.run(
        [sys.executable, "main.py"],
        cwd=BACKEND_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Invalid PORT='eighty': Input should be a valid integer, "
        "unable to parse string as an integer"
    )
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "value", ["0MB", "0.0GB", "0 KiB", "512", "-1GB", "512XB", "MB", "1.2.3MB"]
)
def test_duckdb_memory_limit_rejects_zero_and_unknown_sizes(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    message = config_error(monkeypatch, DUCKDB_MEMORY_LIMIT=value)
    assert message.startswith(f"Invalid DUCKDB_MEMORY_LIMIT={value!r}")
    assert "KiB, MiB, GiB" in message


# DuckDB reports the limit in binary units with one decimal, truncated (488.28 -> 488.2).
@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("512MiB", "512.0 MiB"),
        ("512 MB", "488.2 MiB"),  # 512e6 / 2**20 = 488.28
        ("512 mib", "512.0 MiB"),
        ("1.5gb", "1.3 GiB"),  # 1.5e9 / 2**30 = 1.397
        ("2GiB", "2.0 GiB"),
        ("200000000B", "190.7 MiB"),  # 2e8 / 2**20 = 190.73
        ("262144 KiB", "256.0 MiB"),
    ],
)
def test_duckdb_memory_limit_accepts_what_duckdb_accepts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str, shown: str
) -> None:
    monkeypatch.setenv("DUCKDB_MEMORY_LIMIT", value)
    current = load_settings(_env_file=None)
    store = TelemetryStore(tmp_path / "t.duckdb", memory_limit=current.duckdb_memory_limit)
    with store.connect() as conn:
        limit = conn.execute("SELECT current_setting('memory_limit')").fetchone()
        assert conn.execute("SELECT count(*) FROM range(1000)").fetchone() == (1000,)
    assert limit == (shown,)


def test_env_file_written_like_the_guide_with_inline_comments_is_read(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# Cache settings for optimal performance\n"
        "ML_FEATURE_CACHE_TTL=3600       # 1 hour cache\n"
        "ML_FEATURE_CACHE_SIZE=1000      # Max cached feature sets\n"
        "ML_CACHE_COMPRESSION=true       # Compress cached data\n"
        "# Optimize memory usage\n"
        "ML_BATCH_SIZE=50                # Smaller batches\n"
        "ML_MAX_WORKERS=3               # Limit parallel workers\n"
        "ML_GARBAGE_COLLECT=true        # Enable aggressive GC\n"
        "ML_PARALLEL_PROCESSING=false    # Enable multiprocessing\n"
        "ML_NUMPY_THREADS=4            # Limit numpy threads\n"
        "ML_SKLEARN_JOBS=1             # Limit sklearn parallel jobs\n",
        encoding="utf-8",
    )
    current = Settings(_env_file=env_file)
    assert (current.ml_feature_cache_ttl, current.ml_feature_cache_size) == (3600, 1000)
    assert (current.ml_batch_size, current.ml_max_workers) == (50, 3)
    assert (current.ml_numpy_threads, current.ml_sklearn_jobs) == (4, 1)
    assert current.ml_cache_compression is True
    assert current.ml_garbage_collect is True
    assert current.ml_parallel_processing is False
