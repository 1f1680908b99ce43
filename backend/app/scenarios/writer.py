"""Files of a run: the telemetry CSV streamed chunk by chunk through DuckDB, truth via pandas.

Telemetry is formatted in SQL (DuckDB's CSV writer is fast and prints numbers in their
shortest form, as the field sample does: ``7.3``, ``52.6946``); empty fields are NULLs.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import fields
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import pandas as pd

from app.scenarios.telemetry import Chunk

HEADER = "timestamp,device_id,seq,current_amp,gps_lat,gps_lon,battery_level,ble_id\n"
FLUSH_ROWS = 250_000

_FORMAT = """
COPY (
    SELECT strftime(make_timestamp(c.time * 1000000), '%Y-%m-%dT%H:%M:%SZ'),
           d.device_id, c.seq, c.amps, c.lat, c.lon, c.battery, t.address
    FROM chunk AS c
    JOIN devices AS d ON d.idx = c.device
    LEFT JOIN tags AS t ON t.idx = c.tag
    ORDER BY c.row
) TO '{path}' (FORMAT csv, HEADER false)
"""


class TelemetryWriter:
    """Append chunks of rows (already in file order) to ``path`` in the telemetry schema."""

    def __init__(self, path: Path, ids: list[str], addresses: list[str]) -> None:
        self.path = path
        self.part = path.with_name(path.name + ".part")
        self.rows = 0
        self.pending: list[Chunk] = []
        self.conn = duckdb.connect()
        self.conn.execute("SET threads TO 1")
        self.conn.register("devices", pd.DataFrame({"idx": range(len(ids)), "device_id": ids}))
        self.conn.register(
            "tags", pd.DataFrame({"idx": range(len(addresses)), "address": addresses})
        )
        self.out = path.open("w", encoding="ascii", newline="")
        self.out.write(HEADER)

    def __enter__(self) -> TelemetryWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is None:
            self.flush()
        self.close()

    def write(self, chunk: Chunk) -> None:
        """Queue a chunk; written once enough rows wait."""
        self.pending.append(chunk)
        if sum(len(c) for c in self.pending) >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        """Format the queued rows and append them to the file."""
        if not self.pending:
            return
        frame = pd.concat([_frame(c) for c in self.pending], ignore_index=True)
        self.pending = []
        frame["row"] = range(len(frame))
        self.conn.register("chunk", frame)
        self.conn.execute(_FORMAT.format(path=str(self.part).replace("'", "''")))
        self.conn.unregister("chunk")
        with self.part.open("r", encoding="ascii", newline="") as part:
            shutil.copyfileobj(part, self.out)
        self.rows += len(frame)

    def close(self) -> None:
        """Close the file and DuckDB; remove the scratch part."""
        self.out.close()
        self.conn.close()
        self.part.unlink(missing_ok=True)


def _frame(chunk: Chunk) -> pd.DataFrame:
    return pd.DataFrame({f.name: getattr(chunk, f.name) for f in fields(chunk)})


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """A small truth table as CSV (empty strings stay empty fields)."""
    frame.to_csv(path, index=False, lineterminator="\n")


def write_json(data: dict[str, Any], path: Path) -> None:
    """scenario.json, stable key order and formatting."""
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
