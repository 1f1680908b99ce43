"""One typed settings object, read from the environment and ``backend/.env``.

Relative paths resolve against ``backend/``. Invalid values stop start-up with one
line per problem naming the variable, the value and what is accepted.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

BACKEND_DIR = Path(__file__).resolve().parents[2]
REPO_DIR = BACKEND_DIR.parent

# Keeps the server and the benchmarks under 512 MB RSS (see README, Benchmarks).
DUCKDB_MEMORY_LIMIT = "192MB"

NonNegInt = Annotated[int, Field(ge=0)]
PosInt = Annotated[int, Field(ge=1)]
PosFloat = Annotated[float, Field(gt=0)]
NonNegFloat = Annotated[float, Field(ge=0)]
Percent = Annotated[float, Field(ge=0, le=100)]
Unit = Annotated[float, Field(ge=0, le=1)]
# The units DuckDB's memory_limit takes: 1000^i (KB...) or 1024^i (KiB...), any case.
MEMORY_SIZE = re.compile(r"(\d+(?:\.\d*)?|\.\d+) ?([KMGT]I?B|B)", re.IGNORECASE)


class AggregationPeriod(StrEnum):
    """Bucket size for per-device feature aggregation."""

    hour = "hour"
    day = "day"
    week = "week"


class LogLevel(StrEnum):
    """Python logging levels accepted in settings."""

    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


class Severity(StrEnum):
    """Alert severities in increasing order."""

    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


class ConfigError(SystemExit):
    """Raised at start-up when a setting is invalid; the message is printed as is."""


class Settings(BaseSettings):
    """Every DrillWatch setting; see ``backend/.env.example`` for meanings."""

    model_config = SettingsConfigDict(
        env_file=BACKEND_DIR / ".env",
        env_file_encoding="utf-8",
        case_sensitive=False,
        env_ignore_empty=True,
        extra="ignore",
    )

    # Server
    host: str = "0.0.0.0"
    port: Annotated[int, Field(ge=1, le=65535)] = 8000
    log_level: LogLevel = LogLevel.INFO
    log_path: Path = Path("logs")
    log_retention_days: PosInt = 30
    cors_origins: str = ""
    # Admission (see README, Serving under load): requests running at once, queued, seconds queued
    server_max_concurrency: PosInt = 16
    server_max_queue: NonNegInt = 256
    server_queue_timeout: PosFloat = 5.0
    # Bytes of computed JSON answers kept in memory until the data changes (0: none)
    read_cache_max_bytes: NonNegInt = 32 * 1024 * 1024

    # Stores
    telemetry_dir: Path = REPO_DIR / "public" / "data"
    database_url: str = "sqlite:///data/drillwatch.db"
    # Seconds a SQLite write waits for another writer's lock before it answers 503
    sqlite_busy_timeout: PosFloat = 30.0
    duckdb_path: Path = Path("data/telemetry.duckdb")
    # DuckDB's limit is per database instance, shared by every query of the process; 192MB
    # keeps a server process scoring 1,000 devices under 512 MB (bench/bench_ml.py).
    duckdb_memory_limit: str = DUCKDB_MEMORY_LIMIT
    store_lock_timeout: PosFloat = 60.0
    # seconds a process keeps the DuckDB file open after its last unit of work (0: close at once)
    store_keep_open: NonNegFloat = 1.0
    session_max_gap_seconds: PosInt = 120

    # Ingestion: what a plausible row is, and how long a line may be
    ingest_max_future_seconds: NonNegInt = 86400
    ingest_earliest_timestamp: datetime = datetime(2000, 1, 1, tzinfo=UTC)
    ingest_max_line_bytes: Annotated[int, Field(ge=256, le=131072)] = 4096
    # `drillwatch archive` without --before moves rows older than this many days
    archive_after_days: PosInt = 365

    # Auth
    admin_password: SecretStr | None = None
    secret_key: SecretStr | None = None
    access_token_expire_minutes: PosInt = 30
    # bcrypt cost of password hashes: 2^N rounds
    password_hash_rounds: Annotated[int, Field(ge=4, le=31)] = 12
    login_max_failures: PosInt = 10
    login_max_failures_per_source: PosInt = 50
    login_window_seconds: PosInt = 300
    # seconds a checked token or API key is trusted without a lookup (see app.api.principal_cache)
    auth_cache_seconds: NonNegFloat = 5.0

    # Request hardening (see README, Security)
    trusted_proxies: str = ""
    max_body_bytes: PosInt = 1024 * 1024
    telemetry_max_body_bytes: PosInt = 64 * 1024 * 1024
    json_max_depth: PosInt = 32
    json_max_string_length: PosInt = 64 * 1024
    rate_limit_per_minute: NonNegInt = 600
    ml_rate_limit_per_minute: NonNegInt = 300
    docs_enabled: bool = True

    # ML (names and defaults from the operations guide)
    ml_enabled: bool = True
    ml_feature_cache_ttl: NonNegInt = 3600
    ml_feature_cache_size: PosInt = 1000
    ml_cache_compression: bool = True
    ml_model_cache_size: PosInt = 100
    ml_alert_threshold: Percent = 70.0
    ml_confidence_threshold: Unit = 0.6
    ml_max_processing_time: PosFloat = 30.0
    ml_batch_size: PosInt = 100
    ml_parallel_processing: bool = True
    ml_max_workers: PosInt = 2
    ml_garbage_collect: bool = False
    ml_numpy_threads: PosInt = 2
    ml_sklearn_jobs: PosInt = 2
    ml_debug: bool = False
    ml_log_level: LogLevel = LogLevel.INFO
    ml_data_path: Path = Path("data/ml")
    ml_model_path: Path = Path("data/ml/models")
    ml_cache_path: Path = Path("data/ml/cache")
    ml_log_path: Path = Path("logs/ml")

    # Feature engineering
    feature_window_size: PosInt = 30
    feature_aggregation_period: AggregationPeriod = AggregationPeriod.hour
    current_stability_weight: Unit = 0.4
    battery_performance_weight: Unit = 0.4
    gps_reliability_weight: Unit = 0.2

    # Alerts
    alert_cooldown_hours: NonNegInt = 24
    alert_max_per_device: PosInt = 5
    critical_health_threshold: Percent = 30.0
    high_alert_threshold: Percent = 50.0
    medium_alert_threshold: Percent = 70.0

    # Notifications (see README, Notifications)
    notify_enabled: bool = True
    notify_poll_seconds: PosFloat = 5.0
    notify_group_wait_seconds: NonNegInt = 60
    notify_max_attempts: PosInt = 8
    notify_retry_base_seconds: PosFloat = 30.0
    notify_retry_max_seconds: PosFloat = 3600.0
    notify_lease_seconds: PosInt = 120
    notify_timeout_seconds: PosFloat = 10.0
    notify_escalation_minutes: PosInt = 30
    notify_escalation_severity: Severity = Severity.CRITICAL
    notify_reminder_minutes: NonNegInt = 60
    notify_inhibit_battery_severity: Severity = Severity.HIGH
    notify_dashboard_url: str = ""
    notify_retention_days: NonNegInt = 90

    @field_validator(
        "log_path",
        "telemetry_dir",
        "duckdb_path",
        "ml_data_path",
        "ml_model_path",
        "ml_cache_path",
        "ml_log_path",
    )
    @classmethod
    def _resolve_path(cls, value: Path) -> Path:
        return value if value.is_absolute() else (BACKEND_DIR / value).resolve()

    @field_validator("ingest_earliest_timestamp")
    @classmethod
    def _utc_moment(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # a naive moment is UTC, like telemetry
        return value.astimezone(UTC)

    @field_validator(
        "log_level",
        "ml_log_level",
        "notify_escalation_severity",
        "notify_inhibit_battery_severity",
        mode="before",
    )
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _resolve_sqlite(cls, value: str) -> str:
        prefix = "sqlite:///"
        if value.startswith(prefix) and not value.startswith(prefix + "/"):
            path = value.removeprefix(prefix)
            if path and path != ":memory:":
                return prefix + str((BACKEND_DIR / path).resolve())
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("expected a sqlite:/// or postgresql:// URL")
        return value

    @field_validator("duckdb_memory_limit")
    @classmethod
    def _memory_limit(cls, value: str) -> str:
        match = MEMORY_SIZE.fullmatch(value.strip())
        if match is None or float(match.group(1)) <= 0:
            raise ValueError(
                "expected a size above 0 such as 512MB, 2GB or 512MiB "
                "(units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)"
            )
        return value.strip()

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: str) -> str:
        for entry in (e.strip() for e in value.split(",")):
            try:
                if entry:
                    ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"{entry!r} is not an IP address or network; expected a comma-separated "
                    "list such as 10.0.0.5,192.168.1.0/24 (empty: trust no proxy)"
                ) from None
        return ",".join(e.strip() for e in value.split(",") if e.strip())

    @property
    def trusted_proxy_list(self) -> list[str]:
        """TRUSTED_PROXIES as a list of addresses and networks."""
        return [e for e in self.trusted_proxies.split(",") if e]

    @field_validator("notify_dashboard_url")
    @classmethod
    def _dashboard_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
            raise ValueError(
                "expected an http:// or https:// URL such as https://drillwatch.example"
            )
        return value

    @model_validator(mode="after")
    def _retry_bounds(self) -> Self:
        if self.notify_retry_max_seconds < self.notify_retry_base_seconds:
            raise ValueError(
                f"NOTIFY_RETRY_MAX_SECONDS={self.notify_retry_max_seconds:g} is below "
                f"NOTIFY_RETRY_BASE_SECONDS={self.notify_retry_base_seconds:g}; "
                "expected max >= base"
            )
        if self.notify_lease_seconds <= self.notify_timeout_seconds:
            raise ValueError(
                f"NOTIFY_LEASE_SECONDS={self.notify_lease_seconds} must exceed "
                f"NOTIFY_TIMEOUT_SECONDS={self.notify_timeout_seconds:g}, so a slow delivery "
                "is not sent twice at once"
            )
        return self

    @field_validator("secret_key")
    @classmethod
    def _secret_length(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("expected at least 32 characters")
        return value

    @model_validator(mode="after")
    def _check_relations(self) -> Self:
        weights = (
            self.current_stability_weight,
            self.battery_performance_weight,
            self.gps_reliability_weight,
        )
        if abs(sum(weights) - 1.0) > 1e-6:
            raise ValueError(
                "CURRENT_STABILITY_WEIGHT={:g} + BATTERY_PERFORMANCE_WEIGHT={:g} + "
                "GPS_RELIABILITY_WEIGHT={:g} = {:g}; expected the weights to sum to 1".format(
                    *weights, sum(weights)
                )
            )
        order = (
            self.critical_health_threshold,
            self.high_alert_threshold,
            self.medium_alert_threshold,
        )
        if not order[0] < order[1] < order[2]:
            raise ValueError(
                "CRITICAL_HEALTH_THRESHOLD={:g}, HIGH_ALERT_THRESHOLD={:g}, "
                "MEDIUM_ALERT_THRESHOLD={:g}; expected CRITICAL < HIGH < MEDIUM".format(*order)
            )
        return self

    @property
    def sqlite_path(self) -> Path | None:
        """Path of the SQLite file when DATABASE_URL names one."""
        prefix = "sqlite:///"
        rest = self.database_url.removeprefix(prefix)
        if self.database_url.startswith(prefix) and rest and rest != ":memory:":
            return Path(rest)
        return None

    def ensure_directories(self) -> None:
        """Create the guide's data and log directories if they are missing."""
        for sub in ("features", "models", "cache"):
            (self.ml_data_path / sub).mkdir(parents=True, exist_ok=True)
        for path in (self.ml_model_path, self.ml_cache_path, self.ml_log_path, self.log_path):
            path.mkdir(parents=True, exist_ok=True)
        self.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
        self.telemetry_dir.mkdir(parents=True, exist_ok=True)
        if self.sqlite_path is not None:
            self.sqlite_path.parent.mkdir(parents=True, exist_ok=True)


SECRET_FIELDS = {"admin_password", "secret_key"}
HINTS = {"bool_parsing": " (accepted: true/false, 1/0, yes/no, on/off)"}


def describe_error(error: dict[str, Any]) -> str:
    """One line naming the variable, the rejected value and what is accepted."""
    loc = error.get("loc") or ()
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    message += HINTS.get(str(error.get("type")), "")
    if not loc:
        return f"Invalid configuration: {message}"
    value = error.get("input")
    if str(loc[0]) in SECRET_FIELDS:
        value = "***"  # never echo a secret to the console
    elif isinstance(value, str):
        value = re.sub(r"(://[^:/@]+:)[^@]+@", r"\1***@", value)
    return f"Invalid {str(loc[0]).upper()}={value!r}: {message}"


def load_settings(**overrides: Any) -> Settings:
    """Build settings, turning validation errors into a one-line-per-problem exit."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = [describe_error(dict(e)) for e in exc.errors()]
        raise ConfigError("\n".join(lines)) from None


@lru_cache
def get_settings() -> Settings:
    """Process-wide settings (tests clear the cache or override the dependency)."""
    return load_settings()
