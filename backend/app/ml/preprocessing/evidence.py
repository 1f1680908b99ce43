"""The daily evidence frame: one row per device and calendar day, from its first day on.

``evidence_sql`` builds the DuckDB query (app.storage's ``streams.sql`` then
``sql/daily_evidence.sql``): sums and counts per device-day of the device's own pod.
``evidence_frame`` completes the grid with idle days, adds the frozen references,
each indicator's deviation and evidence count, and the usage pattern that tells an
ordinary idle day from an unexplained silence.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from app.core.config import AggregationPeriod
from app.ml.config import MLConfig
from app.ml.models.indicators import observations, sites
from app.ml.models.references import with_references
from app.storage import pods

SQL_DIR = Path(__file__).with_name("sql")
SAMPLE_PERIOD_S = pods.SAMPLE_PERIOD_S
DRILL_MIN_AMP = 4.5  # above this the bit is cutting (the sessions table's DRILL state)
STANDBY_MAX_AMP = 2.0  # above this and up to DRILL_MIN_AMP the bit spins free (SPIN)
STALL_MAX_AMP = 0.5  # below the standby band: the motor lost power mid-session
SPIKE_RATIO = 1.5
LOCAL_SAMPLES = 20
CHARGE_MIN_PCT = 3
FULL_CHARGE_S = 3 * 3600  # off this long and higher after: charged full (a break's top-up is not)
SUDDEN_DROP_PCT = 5
JUMP_M = 400.0
MAX_LOST = 10_000  # a larger seq gap is a counter jump, not lost samples
PLACE_CELL = (0.005, 0.008)  # degrees lat/lon: a job site (about 550 m)
PLACE_PRIOR_SAMPLES = 200  # pseudo-samples of open-sky behaviour at an unknown place
PLACE_PRIOR_SHARE = 0.01
METRES_PER_DEGREE = 111_320.0
# FEATURE_AGGREGATION_PERIOD: the bucket drilling-current variation is measured in
BUCKETS = {
    AggregationPeriod.hour: "date_trunc('hour', ts)",
    AggregationPeriod.day: "day",
    AggregationPeriod.week: "day",
}
_CV = "sqrt(greatest({s2} / {n} - ({s1} / {n}) ^ 2, 0)) / ({s1} / {n})"
VARIATION = {
    AggregationPeriod.hour: "weighted_cv / weighted_n",  # each hour's, weighted
    AggregationPeriod.day: _CV.format(n="n", s1="s1", s2="s2"),  # the whole day's
    AggregationPeriod.week: _CV.format(  # the calendar week's up to and including the day
        n="sum(n) OVER week", s1="sum(s1) OVER week", s2="sum(s2) OVER week"
    ),
}
HISTORY_DAYS = 366  # references and states are built over at most this much history


@cache
def _sql(name: str) -> str:
    text = (SQL_DIR / name).read_text()
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))


def _values(config: MLConfig, telemetry: str = "telemetry") -> dict[str, object]:
    return {
        "telemetry": telemetry,
        "period": SAMPLE_PERIOD_S,
        "gap": int(config.session_gap_s),
        "track_gap": pods.TRACK_GAP_S,
        "drill": DRILL_MIN_AMP,
        "standby": STANDBY_MAX_AMP,
        "local": LOCAL_SAMPLES,
        "max_lost": MAX_LOST,
        "charge": CHARGE_MIN_PCT,
        "full_charge_s": FULL_CHARGE_S,
        "sudden": SUDDEN_DROP_PCT,
        "stall": STALL_MAX_AMP,
        "spike": SPIKE_RATIO,
        "mpd": METRES_PER_DEGREE,
        "cell_lat": PLACE_CELL[0],
        "cell_lon": PLACE_CELL[1],
        "bucket": BUCKETS[config.period],
        "variation": VARIATION[config.period],
        "window": int(config.window_days),
        "prior_n": PLACE_PRIOR_SAMPLES,
        "fixless_prior": PLACE_PRIOR_SHARE,
        "lost_prior": PLACE_PRIOR_SHARE,
        "jump": JUMP_M,
    }


def evidence_sql(config: MLConfig) -> str:
    """The device-day evidence query; parameters ``$as_of`` and ``$read_start``."""
    body = pods.template("streams.sql").strip() + ",\n" + _sql("daily_evidence.sql").strip()
    return "WITH " + body.format(**_values(config))


def collisions_sql(config: MLConfig, telemetry: str = "telemetry") -> str:
    """Collision episodes read from ``telemetry`` (the table or a subquery of whole runs
    of samples); parameters ``$as_of``, ``$read_start`` and ``$since``."""
    body = pods.template("streams.sql").strip() + ",\n" + _sql("collisions.sql").strip()
    return "WITH " + body.format(**_values(config, telemetry))


def stream_breaks_sql(config: MLConfig, telemetry: str = "telemetry") -> str:
    """Rows where a device's counter breaks (every collision episode holds one), read from
    ``telemetry``; parameters ``$as_of`` and ``$read_start``."""
    return pods.breaks_sql(telemetry, int(config.session_gap_s))


COUNTS = (
    "samples",
    "sessions",
    "op_hours",
    "drill_samples",
    "stalls",
    "stall_chances",
    "spikes",
    "spike_chances",
    "sudden_drops",
    "fixes",
    "fix_steps",
    "jumps",
    "frozen_steps",
    "lost",
    "repeats",
    "quarantined",
    "fix_session_samples",
    "fixless_samples",
)


def complete_grid(raw: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Every calendar day from each device's first day to ``as_of``, idle days included."""
    raw = raw.assign(day=pd.to_datetime(raw["day"]).astype("datetime64[us]"), active=True)
    first = raw.groupby("device_id")["day"].min()
    end = pd.Timestamp(as_of).normalize()
    spans = ((end - first).dt.days + 1).clip(lower=1)
    device = np.repeat(first.index.to_numpy(), spans.to_numpy())
    offset = np.arange(spans.sum()) - np.repeat(
        np.cumsum(spans.to_numpy()) - spans.to_numpy(), spans.to_numpy()
    )
    start = np.repeat(first.to_numpy(), spans.to_numpy())
    grid = pd.DataFrame({"device_id": device, "day": start + pd.to_timedelta(offset, unit="D")})
    grid["day"] = grid["day"].astype("datetime64[us]")
    frame = grid.merge(raw, on=["device_id", "day"], how="left")
    frame["active"] = frame["active"].fillna(False).astype(bool)
    frame[list(COUNTS)] = frame[list(COUNTS)].fillna(0.0)
    return frame.sort_values(["device_id", "day"], kind="stable").reset_index(drop=True)


def usage_pattern(frame: pd.DataFrame, window: int) -> pd.DataFrame:
    """Silent days so far and how unlikely that silence is under the device's habits.

    The chance a device works on a weekday is learned from the same weekday over the
    trailing ``window`` days; the surprise of a silent run is -log10 of the chance
    that it stayed idle on every day of it.
    """
    active = frame["active"].astype(float)
    by_device = active.groupby(frame["device_id"], sort=False)
    weeks = max(window // 7, 1)
    # the grid has one row per calendar day: the same weekday k weeks ago is 7k rows back
    earlier = [by_device.shift(7 * k) for k in range(1, weeks + 1)]
    worked = pd.concat([e.fillna(0.0) for e in earlier], axis=1).sum(axis=1)
    seen = pd.concat([e.notna() for e in earlier], axis=1).sum(axis=1).astype(float)
    p_work = ((worked + 0.5) / (seen + 1.0)).clip(0.0, 0.999)
    surprise_day = np.where(frame["active"], 0.0, -np.log10(1.0 - p_work))
    run = frame["active"].astype(int).groupby(frame["device_id"], sort=False).cumsum()
    surprise = (
        pd.Series(surprise_day, index=frame.index)
        .groupby([frame["device_id"], run], sort=False)
        .cumsum()
    )
    silent = (~frame["active"]).astype(int).groupby([frame["device_id"], run], sort=False).cumsum()
    last_ts = frame["last_ts"].groupby(frame["device_id"], sort=False).ffill()
    return pd.DataFrame(
        {"silent_days": silent, "silence_surprise": surprise, "last_seen": last_ts},
        index=frame.index,
    )


def evidence_frame(raw: pd.DataFrame, as_of: pd.Timestamp, config: MLConfig) -> pd.DataFrame:
    """The complete device-day frame the health model reads."""
    if raw.empty:
        return pd.DataFrame()
    frame = complete_grid(raw, as_of)
    frame = with_references(frame, sites(frame))
    frame = pd.concat(
        [frame, observations(frame), usage_pattern(frame, config.window_days)], axis=1
    )
    return frame
