"""Injected faults show in the telemetry after their onset; healthy devices show none of it.

Each device's rows are split into "before" (ahead of its onset) and "late": for a faulty
device the days whose latent condition (ground_truth_daily) is at most 0.75, for a healthy
device everything after a pseudo onset ten days into the window.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

LABELLED = """
WITH bounds AS (
    SELECT *, coalesce(onset_ts, (SELECT min(timestamp) + INTERVAL 10 DAY FROM rows)) AS since
    FROM truth
), labelled AS (
    SELECT r.*, b.fault_type, b.profile, b.since,
           CASE WHEN b.fault_type = 'none' THEN r.timestamp >= b.since
                ELSE CASE b.fault_type WHEN 'motor' THEN d.motor WHEN 'battery' THEN d.battery
                                       WHEN 'gps' THEN d.gps ELSE d.radio END <= 0.75
           END AS late
    FROM rows r JOIN bounds b USING (device_id)
    JOIN daily d ON d.device_id = r.device_id AND d.date = r.timestamp::DATE
)
"""
PERIODS = (("before", "timestamp < since"), ("late", "late"))
HEALTHY = "fault_type = 'none' AND profile = 'normal'"
DRILL_MEAN = "avg(current_amp) FILTER (WHERE state = 'DRILL' AND {when})"
DRILL_SD = "stddev(current_amp) FILTER (WHERE state = 'DRILL' AND {when})"
DRILL_N = "count(*) FILTER (WHERE state = 'DRILL' AND {when})"
GPS_MISSING = "avg((gps_lat IS NULL)::int) FILTER (WHERE {when})"
LOST = "avg((dseq > 1)::int) FILTER (WHERE new = 0 AND {when})"
DAILY_DRAIN = """
, days AS (
    SELECT device_id, fault_type, profile, min(timestamp) AS timestamp, any_value(since) AS since,
           bool_and(late) AS late, count(*) / 120 AS hours,
           arg_min(battery_level, timestamp) - arg_max(battery_level, timestamp) AS used
    FROM labelled GROUP BY device_id, fault_type, profile, timestamp::DATE
)
SELECT device_id, fault_type, profile,
       sum(used) FILTER (WHERE timestamp < since) AS used_before,
       sum(used) FILTER (WHERE late) AS used_late,
       sum(hours) FILTER (WHERE timestamp < since) AS hours_before,
       sum(hours) FILTER (WHERE late) AS hours_late,
       count(*) FILTER (WHERE timestamp < since) AS days_before,
       count(*) FILTER (WHERE late) AS days_late
FROM days GROUP BY ALL
"""


def measured(
    db: duckdb.DuckDBPyConnection, where: str = "true", per: str = "device_id", **measures: str
) -> pd.DataFrame:
    """Each measure before the onset (``x_before``) and late (``x_late``), grouped by ``per``."""
    columns = [
        f"{sql.format(when=when)} AS {name}_{period}"
        for name, sql in measures.items()
        for period, when in PERIODS
    ]
    select = f"SELECT {per}, {', '.join(columns)} FROM labelled WHERE {where} GROUP BY ALL"
    return db.execute(LABELLED + select).df()


def per_device(db: duckdb.DuckDBPyConnection, **measures: str) -> pd.DataFrame:
    """One row per device with its fault type and profile."""
    return measured(db, per="device_id, fault_type, profile", **measures)


def split(frame: pd.DataFrame, fault: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Devices with ``fault`` and healthy devices with a normal profile."""
    healthy = frame[(frame["fault_type"] == "none") & (frame["profile"] == "normal")]
    faulty = frame[frame["fault_type"] == fault]
    assert len(faulty) >= 2
    assert len(healthy) >= 10
    faulty = faulty[faulty.filter(like="_late").notna().all(axis=1)]
    assert len(faulty) >= 1  # at least one device far enough into its degradation
    return faulty, healthy


def test_worn_motor_draws_more_and_less_stable_drilling_current(
    fleet_db: duckdb.DuckDBPyConnection,
) -> None:
    frame = per_device(fleet_db, mean=DRILL_MEAN, sd=DRILL_SD, n=DRILL_N)
    error = frame["sd_before"] * np.sqrt(1 / frame["n_before"] + 1 / frame["n_late"])
    frame["shift"] = frame["mean_late"] - frame["mean_before"]
    faulty, healthy = split(frame, "motor")
    faulty = faulty[faulty["n_late"] >= 100]  # enough late drilling to judge a shift
    assert len(faulty) >= 1
    assert (faulty["shift"] > 0.4).all()
    assert (faulty["shift"] > 4 * error[faulty.index]).all()
    assert (faulty["sd_late"] > 1.2 * faulty["sd_before"]).all()
    assert (healthy["shift"].abs() < 4 * error[healthy.index]).all()
    pooled = measured(fleet_db, HEALTHY, per="'fleet'", mean=DRILL_MEAN, sd=DRILL_SD)
    assert pooled["mean_late"][0] == pytest.approx(pooled["mean_before"][0], abs=0.1)
    assert pooled["sd_late"][0] == pytest.approx(pooled["sd_before"][0], rel=0.1)


def test_gps_fault_loses_a_growing_share_of_fixes(fleet_db: duckdb.DuckDBPyConnection) -> None:
    faulty, healthy = split(per_device(fleet_db, missing=GPS_MISSING), "gps")
    assert (faulty["missing_before"] < 0.02).all()
    assert (faulty["missing_late"] > 0.15).all()
    assert (healthy[["missing_before", "missing_late"]] < 0.02).all().all()


def test_gps_fault_reports_fixes_far_from_the_site(fleet_db: duckdb.DuckDBPyConnection) -> None:
    far = fleet_db.execute("""
        SELECT t.fault_type = 'gps' AS faulty, count(*) FILTER (WHERE metres > 400) AS far
        FROM (SELECT device_id, 111320 * greatest(
                     abs(gps_lat - median(gps_lat) OVER s),
                     abs(gps_lon - median(gps_lon) OVER s) * 0.61) AS metres
              FROM rows WHERE gps_lat IS NOT NULL
              WINDOW s AS (PARTITION BY device_id, session)) JOIN truth t USING (device_id)
        GROUP BY ALL
    """).fetchall()
    counts = dict(far)
    assert counts[True] > 0
    assert counts[False] == 0


def test_radio_fault_loses_a_growing_share_of_samples(fleet_db: duckdb.DuckDBPyConnection) -> None:
    faulty, healthy = split(per_device(fleet_db, lost=LOST), "radio")
    assert (faulty["lost_before"] < 0.02).all()
    assert (faulty["lost_late"] > 0.05).all()
    assert (healthy[["lost_before", "lost_late"]] < 0.02).all().all()


def test_aged_battery_drains_faster_and_runs_low(fleet_db: duckdb.DuckDBPyConnection) -> None:
    drain = fleet_db.execute(LABELLED + DAILY_DRAIN).df()
    faulty, healthy = split(drain, "battery")
    for period in ("before", "late"):  # percent per operating hour
        drain[period] = drain[f"used_{period}"] / drain[f"hours_{period}"]
        # Levels are whole percent: allow one point of rounding per day on top of 2.0 %/h.
        allowed = 2.0 * healthy[f"hours_{period}"] + healthy[f"days_{period}"]
        assert (healthy[f"used_{period}"] <= allowed).all()
    faulty = drain.loc[faulty.index]
    assert (faulty["late"] > 2 * faulty["before"]).all()
    low = fleet_db.execute("""
        SELECT DISTINCT t.fault_type FROM rows JOIN truth t USING (device_id)
        WHERE battery_level < 20
    """).fetchall()
    assert set(low) <= {("battery",)}


def test_hard_material_draws_high_but_stable_current(fleet_db: duckdb.DuckDBPyConnection) -> None:
    figures = fleet_db.execute("""
        SELECT t.profile, avg(current_amp), stddev(current_amp)
        FROM rows JOIN truth t USING (device_id)
        WHERE state = 'DRILL' AND t.fault_type = 'none' AND t.profile IN ('normal', 'hard_material')
        GROUP BY ALL
    """).fetchall()
    stats = {profile: (mean, sd) for profile, mean, sd in figures}
    assert stats["hard_material"][0] > stats["normal"][0] + 1.0
    assert stats["hard_material"][1] < stats["normal"][1]


def test_no_reception_sites_never_report_a_fix(fleet_db: duckdb.DuckDBPyConnection) -> None:
    fixes = fleet_db.execute("""
        SELECT count(gps_lat), count(*) FROM rows JOIN truth t USING (device_id)
        WHERE t.profile = 'no_gps_site'
    """).fetchone()
    assert fixes is not None
    assert fixes[0] == 0
    assert fixes[1] > 0


def test_devices_report_only_while_in_service(fleet_db: duckdb.DuckDBPyConnection) -> None:
    outside = fleet_db.execute("""
        SELECT count(*) FILTER (WHERE timestamp < joined_ts OR timestamp >= retired_ts),
               count(*) FILTER (WHERE timestamp >= failure_ts
                                AND fault_type IN ('motor', 'battery', 'radio')),
               count(*) FILTER (WHERE timestamp >= failure_ts AND fault_type = 'gps'
                                AND gps_lat IS NOT NULL),
               count(DISTINCT device_id) FILTER (WHERE joined_ts IS NOT NULL),
               count(DISTINCT device_id) FILTER (WHERE retired_ts IS NOT NULL)
        FROM rows JOIN truth USING (device_id)
    """).fetchone()
    assert outside is not None
    assert outside[:3] == (0, 0, 0)
    assert outside[3] >= 1
    assert outside[4] >= 1
    failed = fleet_db.execute("SELECT count(failure_ts) FROM truth").fetchone()
    assert failed is not None
    assert failed[0] >= 1


def test_latent_condition_follows_onset_and_failure(fleet_db: duckdb.DuckDBPyConnection) -> None:
    daily = fleet_db.execute("""
        SELECT d.*, t.fault_type, t.onset_ts::DATE AS onset, t.failure_ts::DATE AS failure
        FROM daily d JOIN truth t USING (device_id) ORDER BY device_id, date
    """).df()
    components = ["motor", "battery", "gps", "radio"]
    for device, days in daily.groupby("device_id"):
        fault = days["fault_type"].iloc[0]
        others = [c for c in components if c != fault]
        assert (days[others] == 1).all().all(), device
        if fault == "none":
            continue
        condition = days[fault]
        assert condition.is_monotonic_decreasing, device
        assert (condition[days["date"] < days["onset"]] == 1).all(), device
        assert (condition[days["date"] > days["onset"]] < 1).all(), device
        assert (condition[days["date"] >= days["failure"]] == 0).all(), device


def test_daily_truth_lists_devices_only_while_in_the_fleet(
    fleet_db: duckdb.DuckDBPyConnection,
) -> None:
    stray = fleet_db.execute("""
        SELECT count(*) FROM daily d JOIN truth t USING (device_id)
        WHERE d.date < t.joined_ts::DATE OR d.date >= t.retired_ts::DATE
    """).fetchone()
    assert stray == (0,)
    per_day = fleet_db.execute("SELECT count(DISTINCT device_id) FROM daily").fetchone()
    assert per_day == (40,)


@pytest.mark.parametrize("fault", ["motor", "battery", "gps", "radio"])
def test_every_fault_kind_is_injected(fleet_db: duckdb.DuckDBPyConnection, fault: str) -> None:
    count = fleet_db.execute(
        "SELECT count(*) FROM truth WHERE fault_type = ? AND onset_ts IS NOT NULL", [fault]
    ).fetchone()
    assert count is not None
    assert count[0] >= 2
