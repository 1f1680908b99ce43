"""Log files, levels, rotation, secret masking and the per-request access line."""

from __future__ import annotations

import io
import logging
import re
import sys
from collections.abc import Callable, Iterator
from logging.handlers import TimedRotatingFileHandler
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from app.core.config import Settings, get_settings
from app.core.logging import AccessLogMiddleware, configure_logging
from app.core.roles import Principal, Role

ML_FILES = ("processing", "models", "alerts")
Configure = Callable[..., Settings]


@pytest.fixture
def configure(env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Configure]:
    """Configure logging from env vars given as keyword arguments; root restored after."""
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))

    def run(**variables: str) -> Settings:
        for key, value in variables.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        current = get_settings()
        configure_logging(current)
        return current

    yield run
    for logger in [root] + [logging.getLogger(f"drillwatch.ml.{n}") for n in ML_FILES]:
        for handler in list(logger.handlers):
            if handler not in saved[1]:
                logger.removeHandler(handler)
                handler.close()
    root.setLevel(saved[0])


def read(path: Path) -> str:
    """Flush every handler, then the file's text."""
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8") if path.exists() else ""


def our_file_handlers(logger: logging.Logger) -> list[TimedRotatingFileHandler]:
    """The rotating file handlers on ``logger``."""
    return [h for h in logger.handlers if isinstance(h, TimedRotatingFileHandler)]


def test_guide_log_files_exist_with_their_rotation(configure: Configure, env: Path) -> None:
    configure()
    assert (env / "logs" / "app.log").is_file()
    (app_handler,) = our_file_handlers(logging.getLogger())
    assert (app_handler.when, app_handler.interval) == ("MIDNIGHT", 86400)
    rotation = {}
    for name in ML_FILES:
        assert (env / "logs" / "ml" / f"{name}.log").is_file()
        (handler,) = our_file_handlers(logging.getLogger(f"drillwatch.ml.{name}"))
        rotation[name] = (handler.when, handler.interval)
    assert rotation == {
        "processing": ("MIDNIGHT", 86400),
        "models": ("W0", 7 * 86400),
        "alerts": ("MIDNIGHT", 86400),
    }


def test_ml_messages_go_to_their_file_and_to_app_log(configure: Configure, env: Path) -> None:
    configure()
    logging.getLogger("drillwatch.ml.alerts").warning("alert raised for pod-7")
    assert "alert raised for pod-7" in read(env / "logs" / "ml" / "alerts.log")
    assert "alert raised for pod-7" in read(env / "logs" / "app.log")
    assert "pod-7" not in read(env / "logs" / "ml" / "processing.log")


def test_log_level_sets_the_application_level(configure: Configure, env: Path) -> None:
    configure(LOG_LEVEL="WARNING")
    log = logging.getLogger("drillwatch.test")
    log.info("quiet-info-line")
    log.warning("loud-warning-line")
    text = read(env / "logs" / "app.log")
    assert "loud-warning-line" in text
    assert "quiet-info-line" not in text


def test_ml_log_level_sets_the_ml_loggers_level(configure: Configure, env: Path) -> None:
    configure(LOG_LEVEL="INFO", ML_LOG_LEVEL="WARNING")
    log = logging.getLogger("drillwatch.ml.processing")
    log.info("processing_time=1.2 hidden")
    log.warning("processing_time=9.9 shown")
    logging.getLogger("drillwatch.other").info("app-info-still-shown")
    text = read(env / "logs" / "ml" / "processing.log")
    assert "shown" in text
    assert "hidden" not in text
    assert "app-info-still-shown" in read(env / "logs" / "app.log")


def test_ml_log_level_debug_writes_debug_lines(configure: Configure, env: Path) -> None:
    configure(ML_LOG_LEVEL="DEBUG")
    logging.getLogger("drillwatch.ml.models").debug("model_performance debug-detail")
    assert "debug-detail" in read(env / "logs" / "ml" / "models.log")


def test_ml_debug_forces_debug_whatever_ml_log_level_says(configure: Configure, env: Path) -> None:
    configure(ML_LOG_LEVEL="ERROR", ML_DEBUG="true")
    logging.getLogger("drillwatch.ml.processing").debug("cache_hit debug-forced")
    assert "debug-forced" in read(env / "logs" / "ml" / "processing.log")


def test_configuring_again_replaces_handlers_and_moves_files(
    configure: Configure, env: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    configure()
    counts = (
        len(logging.getLogger().handlers),
        len(logging.getLogger("drillwatch.ml.alerts").handlers),
    )
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    configure(LOG_PATH=str(elsewhere), ML_LOG_PATH=str(elsewhere / "ml"))
    assert len(logging.getLogger().handlers) == counts[0]
    assert len(logging.getLogger("drillwatch.ml.alerts").handlers) == counts[1]
    logging.getLogger("drillwatch.test").warning("after-reconfigure")
    logging.getLogger("drillwatch.ml.alerts").warning("ml-after-reconfigure")
    assert read(elsewhere / "app.log").count("after-reconfigure") == 2
    assert "ml-after-reconfigure" in read(elsewhere / "ml" / "alerts.log")
    assert "after-reconfigure" not in read(env / "logs" / "app.log")


@pytest.mark.parametrize(
    ("message", "secret"),
    [
        ("login failed username=admin password=hunter2x", "hunter2x"),
        ("headers: Authorization: Bearer eyJhbGciOi.payload.sig", "eyJhbGciOi.payload.sig"),
        ("X-API-Key: sk-live-998877", "sk-live-998877"),
        ("pod key dw_Zq81kLmN0pQrStUv used", "Zq81kLmN0pQrStUv"),
        ('{"admin_password": "S3cret!"}', "S3cret!"),
        ("db postgresql://dw:pgpass42@localhost/dw", "pgpass42"),
        ("scope headers [(b'x-api-key', b'rawkey77')]", "rawkey77"),
        ("GET /x?access_token=tok3n9&page=2", "tok3n9"),
    ],
)
def test_secrets_are_masked_in_every_log_file(
    configure: Configure, env: Path, message: str, secret: str
) -> None:
    configure()
    logging.getLogger("drillwatch.ml.alerts").warning(message)
    for path in (env / "logs" / "app.log", env / "logs" / "ml" / "alerts.log"):
        text = read(path)
        assert secret not in text
        assert "***" in text


def test_secrets_in_arguments_and_tracebacks_are_masked(configure: Configure, env: Path) -> None:
    configure()
    log = logging.getLogger("drillwatch.test")
    log.warning("calling with %s", "token=abc123secret")
    try:
        raise ValueError("bad password=tr4ceback")
    except ValueError:
        log.exception("request failed")
    text = read(env / "logs" / "app.log")
    assert "abc123secret" not in text
    assert "tr4ceback" not in text
    assert "ValueError" in text


def access_app() -> FastAPI:
    """A small app behind the middleware: one route acts as a user, one fails."""
    app = FastAPI()
    app.add_middleware(AccessLogMiddleware)

    @app.get("/who")
    def who(request: Request) -> dict[str, str]:
        request.state.principal = Principal(name="alice", role=Role.viewer, kind="user")
        return {"ok": "yes"}

    @app.get("/anon")
    def anon() -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("unexpected")

    return app


ACCESS = re.compile(r"drillwatch\.access (\w+) (\S+) (\d{3}) user=(\S+) (\d+\.\d)ms$", re.M)


def test_one_access_line_per_request_with_status_user_and_duration(
    configure: Configure, env: Path
) -> None:
    configure(LOG_LEVEL="ERROR")
    with TestClient(access_app(), raise_server_exceptions=False) as client:
        assert client.get("/who").status_code == 200
        assert client.get("/anon?password=x").status_code == 200
        assert client.post("/who").status_code == 405
        assert client.get("/missing").status_code == 404
        assert client.get("/boom").status_code == 500
    lines = ACCESS.findall(read(env / "logs" / "app.log"))
    assert [line[:4] for line in lines] == [
        ("GET", "/who", "200", "alice"),
        ("GET", "/anon", "200", "-"),
        ("POST", "/who", "405", "-"),
        ("GET", "/missing", "404", "-"),
        ("GET", "/boom", "500", "-"),
    ]
    assert all(float(line[4]) >= 0 for line in lines)


def test_console_gets_the_lines_masked_on_the_current_stderr(
    configure: Configure, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure()
    console = io.StringIO()
    monkeypatch.setattr(sys, "stderr", console)
    logging.getLogger("drillwatch.test").warning("console-line password=visible1")
    assert "console-line password=***" in console.getvalue()
    assert "visible1" not in console.getvalue()


def test_prose_about_passwords_is_not_masked(configure: Configure, env: Path) -> None:
    configure()
    message = "Invalid ADMIN_PASSWORD: password: expected at least 8 characters"
    logging.getLogger("drillwatch.test").error(message)
    assert message in read(env / "logs" / "app.log")
