"""Log rotation across processes: only the server rotates, dated files are never replaced."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from app.core.config import BACKEND_DIR, Settings, get_settings
from app.core.log_files import DailyFileHandler
from app.core.logging import configure_cli_logging, configure_logging
from tests.support import process_env

LINES = 200
WRITER = """
import sys
from app.core.config import get_settings
from app.core import logging as dw_logging
import logging
mode, tag = sys.argv[1], sys.argv[2]
settings = get_settings()
if mode == "server":
    dw_logging.configure_logging(settings)
else:
    dw_logging.configure_cli_logging(settings, "writer")
print("ready", flush=True)
sys.stdin.readline()  # wait for the go
for i in range(int(sys.argv[3])):
    logging.getLogger("drillwatch.ml.processing").info("%s line %d", tag, i)
print("done", flush=True)
"""


@pytest.fixture
def clean_root() -> Iterator[None]:
    """Our handlers removed from the loggers after the test."""
    yield
    for name in ("", "drillwatch.ml.processing", "drillwatch.ml.models", "drillwatch.ml.alerts"):
        logger = logging.getLogger(name)
        for handler in [h for h in logger.handlers if getattr(h, "_drillwatch_handler", False)]:
            logger.removeHandler(handler)
            handler.close()


def age(path: Path, days: int) -> str:
    """Set ``path``'s mtime to noon ``days`` days ago; returns that local date (ISO)."""
    noon = datetime.combine(date.today() - timedelta(days=days), datetime.min.time())
    moment = noon.timestamp() + 12 * 3600
    os.utime(path, (moment, moment))
    return (date.today() - timedelta(days=days)).isoformat()


def writer(env: dict[str, str], mode: str, tag: str) -> subprocess.Popen[str]:
    """A real process logging LINES lines to drillwatch.ml.processing once told to go."""
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, mode, tag, str(LINES)],
        cwd=BACKEND_DIR,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    return child


def go_and_wait(child: subprocess.Popen[str]) -> None:
    """Let ``child`` write its lines and wait for it to exit."""
    assert child.stdin is not None
    assert child.stdout is not None
    child.stdin.write("go\n")
    child.stdin.flush()
    assert child.stdout.readline().strip() == "done"
    child.communicate(timeout=120)
    assert child.returncode == 0


def tagged(folder: Path, pattern: str, tag: str) -> dict[str, int]:
    """File name -> number of ``tag`` lines, over the files matching ``pattern``."""
    counts = {p.name: p.read_text().count(f" {tag} line ") for p in folder.glob(pattern)}
    return {name: n for name, n in counts.items() if n}


def test_a_cli_process_never_rotates_what_the_server_rotates(tmp_path: Path) -> None:
    env = process_env(tmp_path)
    ml_logs, logs = Path(env["ML_LOG_PATH"]), Path(env["LOG_PATH"])
    ml_logs.mkdir(parents=True)
    current = ml_logs / "processing.log"
    current.write_text("old line of two days ago\n")
    day = age(current, 2)
    earlier = ml_logs / f"processing.log.{day}"
    earlier.write_text("a rotation of that day kept from before\n")

    cli = writer(env, "cli", "cli")  # holds processing.log open before the rotation
    server = writer(env, "server", "srv")  # its first line rotates the two-day-old file
    go_and_wait(server)
    go_and_wait(cli)

    assert earlier.read_text() == "a rotation of that day kept from before\n"
    assert (ml_logs / f"processing.log.{day}.1").read_text() == "old line of two days ago\n"
    assert tagged(ml_logs, "processing.log*", "srv") == {"processing.log": LINES}
    # the CLI process followed the rotation to the new file instead of renaming anything
    assert tagged(ml_logs, "processing.log*", "cli") == {"processing.log": LINES}
    assert tagged(logs, "app.log*", "srv") == {"app.log": LINES}
    assert tagged(logs, "app.log*", "cli") == {}
    assert tagged(logs / "cli", "*.log", "cli") == {f"writer-{date.today()}.log": LINES}


def test_the_server_keeps_an_existing_dated_file_when_it_rotates(
    settings: Settings, clean_root: None
) -> None:
    app_log = settings.log_path / "app.log"
    app_log.write_text("yesterday's lines\n")
    day = age(app_log, 1)
    (settings.log_path / f"app.log.{day}").write_text("rotated earlier that day\n")
    configure_logging(settings)
    logging.getLogger("drillwatch.test").warning("first line of today")
    assert (settings.log_path / f"app.log.{day}").read_text() == "rotated earlier that day\n"
    assert (settings.log_path / f"app.log.{day}.1").read_text() == "yesterday's lines\n"
    assert "first line of today" in app_log.read_text()


def test_log_retention_days_bounds_the_dated_server_files(
    env: Path, monkeypatch: pytest.MonkeyPatch, clean_root: None
) -> None:
    monkeypatch.setenv("LOG_RETENTION_DAYS", "2")
    get_settings.cache_clear()
    settings = get_settings()
    settings.ensure_directories()
    old = [settings.log_path / f"app.log.2026-01-0{d}" for d in (1, 2, 3)]
    for path in old:
        path.write_text("old\n")
    app_log = settings.log_path / "app.log"
    app_log.write_text("yesterday\n")
    day = age(app_log, 1)
    configure_logging(settings)
    logging.getLogger("drillwatch.test").warning("today")
    kept = sorted(p.name for p in settings.log_path.glob("app.log.*"))
    assert kept == ["app.log.2026-01-03", f"app.log.{day}"]


def test_log_retention_days_bounds_the_cli_files(
    env: Path, monkeypatch: pytest.MonkeyPatch, clean_root: None
) -> None:
    monkeypatch.setenv("LOG_RETENTION_DAYS", "3")
    get_settings.cache_clear()
    settings = get_settings()
    folder = settings.log_path / "cli"
    folder.mkdir(parents=True)
    ages = {d: folder / f"ingest-{date.today() - timedelta(days=d)}.log" for d in (2, 3, 4, 9)}
    other = folder / f"train-{date.today() - timedelta(days=9)}.log"
    for path in [*ages.values(), other]:
        path.write_text("old\n")
    configure_cli_logging(settings, "ingest")
    logging.getLogger("drillwatch.test").warning("cli line")
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [ages[2].name, ages[3].name, other.name, f"ingest-{date.today()}.log"]
    )
    assert "cli line" in (folder / f"ingest-{date.today()}.log").read_text()
    assert not (settings.log_path / "app.log").exists()


def test_a_cli_file_changes_with_the_day_and_keeps_the_previous_one(tmp_path: Path) -> None:
    days = [date(2026, 12, 1)]
    handler = DailyFileHandler(tmp_path, "backup", keep_days=30, today=lambda: days[-1])
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.emit(logging.makeLogRecord({"msg": "before midnight"}))
    days.append(date(2026, 12, 2))
    handler.emit(logging.makeLogRecord({"msg": "after midnight"}))
    handler.close()
    assert (tmp_path / "backup-2026-12-01.log").read_text() == "before midnight\n"
    assert (tmp_path / "backup-2026-12-02.log").read_text() == "after midnight\n"
