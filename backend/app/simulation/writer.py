"""CSV output: telemetry in the field sample's exact schema, plus the ground-truth files.

Each file is written under a hidden temporary name and renamed when complete, so a
reader never sees half a file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import duckdb
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from app.simulation.day import DayTelemetry
from app.simulation.faults import daily_conditions
from app.simulation.profiles import DAY, FAULTS, PROFILES, Fleet

TELEMETRY_HEADER = "timestamp,device_id,seq,current_amp,gps_lat,gps_lon,battery_level,ble_id"
DEVICES_HEADER = "device_id,profile,fault_type,onset_ts,failure_ts,joined_ts,retired_ts"
DAILY_HEADER = "device_id,date,motor,battery,gps,radio"
ISO = "%Y-%m-%dT%H:%M:%SZ"
FORMAT_DAY = f"""
COPY (
    SELECT strftime(make_timestamp(ts * 1000000), '{ISO}'), device_id, seq,
           printf('%.2f', current_amp),
           CASE WHEN isnan(gps_lat) THEN NULL ELSE printf('%.6f', gps_lat) END,
           CASE WHEN isnan(gps_lon) THEN NULL ELSE printf('%.6f', gps_lon) END,
           battery_level, ble_id
    FROM day_rows
) TO '{{path}}' (FORMAT csv, HEADER false)
"""


class AtomicCsv:
    """A CSV file written under a temporary name and renamed into place on success."""

    def __init__(self, path: Path, header: str) -> None:
        self.path = path
        self.partial = path.with_name(f".{path.name}.partial")
        self.handle: IO[bytes] = self.partial.open("wb")
        self.handle.write(f"{header}\n".encode())

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.handle.close()
        if kind is None:
            os.replace(self.partial, self.path)
        else:
            self.partial.unlink(missing_ok=True)


class TelemetryCsv(AtomicCsv):
    """Appends one day of telemetry at a time; DuckDB does the number formatting."""

    def __init__(self, path: Path, fleet: Fleet) -> None:
        super().__init__(path, TELEMETRY_HEADER)
        self.devices = pd.Index(fleet.device_ids)
        self.tags = pd.Index(fleet.tag_ids)
        self.scratch = Path(tempfile.mkdtemp(prefix=".simulate-", dir=path.parent))
        self.db = duckdb.connect(config={"threads": 2, "memory_limit": "256MB"})

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.db.close()
        shutil.rmtree(self.scratch, ignore_errors=True)
        super().__exit__(kind, error, tb)

    def write(self, day: DayTelemetry) -> int:
        """Append ``day``'s rows; returns how many were written."""
        if len(day) == 0:
            return 0
        frame = pd.DataFrame(
            {
                "ts": day.ts,
                "device_id": pd.Categorical.from_codes(day.dev, categories=self.devices),
                "seq": day.seq,
                "current_amp": day.current,
                "gps_lat": day.lat,
                "gps_lon": day.lon,
                "battery_level": day.battery,
                "ble_id": pd.Categorical.from_codes(day.tag, categories=self.tags),
            }
        )
        part = self.scratch / "day.csv"
        self.db.register("day_rows", frame)
        self.db.execute(FORMAT_DAY.format(path=part.as_posix()))
        self.db.unregister("day_rows")
        with part.open("rb") as source:
            shutil.copyfileobj(source, self.handle, 1 << 20)
        return len(day)


class DailyTruthCsv(AtomicCsv):
    """Latent condition per device, day and component while the device is in the fleet."""

    def __init__(self, path: Path, fleet: Fleet) -> None:
        super().__init__(path, DAILY_HEADER)
        self.fleet = fleet

    def write(self, day: int) -> None:
        """Append the conditions at the end of ``day`` (UTC)."""
        fleet = self.fleet
        day_start = fleet.start + day * DAY
        present = (fleet.joined < day_start + DAY) & (fleet.retired > day_start)
        condition = daily_conditions(fleet, day)[present]
        frame = pd.DataFrame(condition, columns=["motor", "battery", "gps", "radio"])
        frame.insert(0, "date", pd.Timestamp(day_start, unit="s").strftime("%Y-%m-%d"))
        frame.insert(0, "device_id", np.asarray(fleet.device_ids)[present])
        self.handle.write(
            frame.to_csv(
                header=False, index=False, float_format="%.3f", lineterminator="\n"
            ).encode()
        )


def write_devices(path: Path, fleet: Fleet) -> None:
    """One row per device: profile, fault and the times that matter (empty = not in window)."""
    frame = pd.DataFrame(
        {
            "device_id": fleet.device_ids,
            "profile": np.asarray(PROFILES)[fleet.profile],
            "fault_type": np.asarray(FAULTS)[fleet.fault],
            "onset_ts": _iso(fleet.onset, fleet),
            "failure_ts": _iso(fleet.failure, fleet),
            "joined_ts": _iso(np.where(fleet.joined > fleet.start, fleet.joined, np.inf), fleet),
            "retired_ts": _iso(fleet.retired, fleet),
        }
    )
    with AtomicCsv(path, DEVICES_HEADER) as out:
        out.handle.write(frame.to_csv(header=False, index=False, lineterminator="\n").encode())


def _iso(epoch: NDArray[np.float64], fleet: Fleet) -> pd.Series:
    """ISO-8601 UTC text for times inside the window, empty text otherwise."""
    inside = np.isfinite(epoch) & (epoch < fleet.end)
    stamps = pd.to_datetime(np.where(inside, epoch, 0).astype(np.int64), unit="s")
    return pd.Series(stamps.strftime(ISO)).where(inside, "")
