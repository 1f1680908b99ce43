"""Log files of the operations guide, secret masking and one access line per request.

The server writes ``logs/app.log`` (daily), which takes everything, including one
access line per request. ``logs/ml/processing.log`` and ``logs/ml/alerts.log`` (daily)
and ``logs/ml/models.log`` (weekly) take the ``drillwatch.ml.*`` loggers, which also
reach ``app.log``. The server alone rotates these files, to dated names it never
overwrites. A CLI process writes ``logs/cli/<command>-<date>.log`` instead of
``app.log`` and appends to the ML files without rotating them (see ``log_files``).
"""

from __future__ import annotations

import logging
import re
import sys
import time
from logging.handlers import WatchedFileHandler
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core import metrics
from app.core.config import Settings
from app.core.log_files import DailyFileHandler, DatedRotatingFileHandler

ACCESS_LOGGER = "drillwatch.access"
ML_LOGGER = "drillwatch.ml"
# file name -> rotation (TimedRotatingFileHandler ``when``), as the guide's table says
ML_LOG_FILES = {"processing": "midnight", "models": "W0", "alerts": "midnight"}
WEEKLY_BACKUPS = 12
CLI_LOG_FOLDER = "cli"
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
MASK = "***"
_OURS = "_drillwatch_handler"

_KEY = r"(?:password|passwd|secret|token|api[_-]?key)"
SECRET_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?i)\bBearer\s+[\w\-.~+/]+=*"), f"Bearer {MASK}"),
    (re.compile(rf"(?i)({_KEY}\w*=)[^\s&\"',;}}]+"), rf"\g<1>{MASK}"),
    (re.compile(rf"(?i)(\"\w*{_KEY}\w*\"\s*:\s*\")[^\"]*"), rf"\g<1>{MASK}"),
    (re.compile(r"(?i)(x-api-key['\"]?\s*[:,]\s*b?['\"]?)[^\s'\",)]+"), rf"\g<1>{MASK}"),
    (re.compile(r"\bdw_[\w\-]{4,}"), f"dw_{MASK}"),
    (re.compile(r"(://[^:/\s@]+:)[^@\s]+@"), rf"\g<1>{MASK}@"),
]


# C0 and C1 controls, DEL and the Unicode line separators: escaped so that request data
# (paths, user names, headers) can neither forge log lines nor colour a terminal.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return NAMED.get(char) or (
        f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
    )


def escape_controls(text: str) -> str:
    """``text`` with control characters written as escapes (``\\n``, ``\\x1b``, ...)."""
    return CONTROL.sub(_escape, text)


def mask_secrets(text: str) -> str:
    """``text`` with passwords, bearer tokens, API keys and URL passwords replaced."""
    for pattern, replacement in SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class SecretFilter(logging.Filter):
    """Masks secrets and escapes control characters in a record before any handler writes it.

    The message stays one line; the traceback (our own text) keeps its line breaks.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        message = record.getMessage()
        masked = escape_controls(mask_secrets(message))
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_secrets(record.exc_text)
        return True


class ConsoleHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to the current ``sys.stderr``, even when it was replaced after set-up."""

    @property
    def stream(self) -> Any:
        """The interpreter's standard error now."""
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def _tag(handler: logging.Handler) -> logging.Handler:
    setattr(handler, _OURS, True)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(SecretFilter())
    return handler


def _rotating(path: Path, when: str, settings: Settings) -> logging.Handler:
    path.parent.mkdir(parents=True, exist_ok=True)
    keep = settings.log_retention_days if when == "midnight" else WEEKLY_BACKUPS
    return _tag(DatedRotatingFileHandler(path, when=when, backupCount=keep, encoding="utf-8"))


def _appending(path: Path) -> logging.Handler:
    path.parent.mkdir(parents=True, exist_ok=True)
    return _tag(WatchedFileHandler(path, encoding="utf-8"))


def _remove_ours(logger: logging.Logger) -> None:
    for handler in [h for h in logger.handlers if getattr(h, _OURS, False)]:
        logger.removeHandler(handler)
        handler.close()


def ml_level(settings: Settings) -> int:
    """Level of the drillwatch.ml loggers: DEBUG when ML_DEBUG, else ML_LOG_LEVEL."""
    if settings.ml_debug:
        return logging.DEBUG
    return logging.getLevelNamesMapping()[str(settings.ml_log_level)]


def configure_logging(settings: Settings) -> None:
    """The server's logging: the guide's files, rotated by this process alone.

    Calling it again replaces our handlers instead of adding.
    """
    root = _reset(settings)
    root.addHandler(_rotating(settings.log_path / "app.log", "midnight", settings))
    for name, when in ML_LOG_FILES.items():
        path = settings.ml_log_path / f"{name}.log"
        logging.getLogger(f"{ML_LOGGER}.{name}").addHandler(_rotating(path, when, settings))


def configure_cli_logging(settings: Settings, command: str) -> None:
    """A CLI process's logging: its own dated file, ML files appended without rotating."""
    root = _reset(settings)
    folder = settings.log_path / CLI_LOG_FOLDER
    root.addHandler(_tag(DailyFileHandler(folder, command, settings.log_retention_days)))
    for name in ML_LOG_FILES:
        path = settings.ml_log_path / f"{name}.log"
        logging.getLogger(f"{ML_LOGGER}.{name}").addHandler(_appending(path))


def _reset(settings: Settings) -> logging.Logger:
    """Remove our handlers, set the levels and add the console; returns the root logger."""
    root = logging.getLogger()
    loggers = [root] + [logging.getLogger(f"{ML_LOGGER}.{name}") for name in ML_LOG_FILES]
    for logger in loggers:
        _remove_ours(logger)
    root.setLevel(str(settings.log_level))
    root.addHandler(_tag(ConsoleHandler()))
    # access lines are the audit trail: written whatever LOG_LEVEL says
    logging.getLogger(ACCESS_LOGGER).setLevel(logging.INFO)
    logging.getLogger(ML_LOGGER).setLevel(ml_level(settings))
    for name in ML_LOG_FILES:
        logging.getLogger(f"{ML_LOGGER}.{name}").setLevel(logging.NOTSET)
    return root


def _observe_ml_answer(scope: Scope, status: int) -> None:
    """Tell the app's ML self-monitor (if the app has one) how an /api/ml request ended."""
    state = getattr(scope.get("app"), "state", None)
    monitor = getattr(getattr(state, "ml", None), "monitor", None)
    if monitor is not None:
        monitor.record_api(status)


class AccessLogMiddleware:
    """Pure ASGI middleware: one line per HTTP request (method, path, status, user, ms)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.log = logging.getLogger(ACCESS_LOGGER)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on and log it once the response has been sent (or failed)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        status = 500
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self._log(scope, status, state, time.perf_counter() - started)

    def _log(self, scope: Scope, status: int, state: dict[str, Any], seconds: float) -> None:
        principal = state.get("principal")
        user = getattr(principal, "name", None) or "-"
        route = getattr(scope.get("route"), "path", None) or "unmatched"
        metrics.HTTP_REQUESTS.labels(scope["method"], route, str(status)).inc()
        metrics.HTTP_SECONDS.labels(route).observe(seconds)
        if route.startswith("/api/ml/"):
            _observe_ml_answer(scope, status)
        self.log.info(
            "%s %s %d user=%s %.1fms", scope["method"], scope["path"], status, user, seconds * 1000
        )
