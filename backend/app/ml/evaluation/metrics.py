"""Scoring a replay against the simulator's ground truth, all on whole frames.

An alert is right when its device has a fault of the matching type (motor -> motor,
battery -> battery, gps -> gps, telemetry -> radio) that fails at most
``horizon_days`` after the alert, or that is still degrading when the window ends.
An alert raised after its fault's failure (a dead GPS keeps reporting) is right
but late: it counts for precision, not for recall.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

ISSUE_FAULT = {"motor": "motor", "battery": "battery", "gps": "gps", "telemetry": "radio"}
COMPONENT_CONDITION = {
    "current_stability": "motor",
    "battery_performance": "battery",
    "gps_reliability": "gps",
    "telemetry_quality": "radio",
}
CONDITIONS = ["motor", "battery", "gps", "radio"]
CONFIDENCE_BINS = (0.0, 0.6, 0.7, 0.8, 0.9, 1.0)
TIMES = ("onset_ts", "failure_ts", "joined_ts", "retired_ts")


@dataclass(frozen=True)
class Truth:
    """Ground truth of a simulated fleet: per device, and per device and day."""

    devices: pd.DataFrame
    daily: pd.DataFrame
    end: pd.Timestamp  # when the window closes (UTC, naive)


def load_truth(devices_csv: Path, daily_csv: Path) -> Truth:
    """Read a simulator's ground-truth files (times as naive UTC timestamps)."""
    devices = pd.read_csv(devices_csv, dtype={"device_id": str, "profile": str})
    devices["profile"] = devices["profile"].fillna("normal")
    for column in TIMES:
        devices[column] = pd.to_datetime(devices[column], utc=True).dt.tz_localize(None)
    daily = pd.read_csv(daily_csv, dtype={"device_id": str}, parse_dates=["date"])
    end = daily["date"].max() + pd.Timedelta(days=1)
    return Truth(devices, daily, end)


def _naive(values: pd.Series) -> pd.Series:
    """Timestamps as naive UTC."""
    stamps = pd.to_datetime(values, utc=True)
    return stamps.dt.tz_localize(None)


def _days(delta: pd.Series) -> pd.Series:
    """Time differences in (fractional) days."""
    return pd.to_timedelta(delta).dt.total_seconds() / 86_400.0


def judge_alerts(alerts: pd.DataFrame, truth: Truth, horizon_days: int = 21) -> pd.DataFrame:
    """Alerts with their device's profile and fault, ``right``, ``late`` and days to failure."""
    facts = truth.devices[["device_id", "profile", "fault_type", "onset_ts", "failure_ts"]]
    judged = alerts.merge(facts, on="device_id", how="left")
    created = _naive(judged["created_at"])
    matches = judged["predicted_issue_type"].map(ISSUE_FAULT) == judged["fault_type"]
    to_failure = _days(judged["failure_ts"] - created)
    fails_soon = to_failure <= horizon_days
    degrading = judged["failure_ts"].isna() & judged["onset_ts"].notna()
    judged["right"] = (matches & (fails_soon | degrading)).to_numpy(bool)
    judged["late"] = (judged["right"] & (to_failure < 0)).to_numpy(bool)
    judged["days_to_failure"] = to_failure
    return judged


@dataclass(frozen=True)
class AlertScores:
    """Precision and false-positive figures of a set of judged alerts."""

    alerts: int
    right: int
    late: int
    precision: float
    false_positive_rate: float  # share of alerts that are wrong (1 - precision)
    healthy_devices: int
    healthy_devices_alerted: int
    healthy_false_alarm_rate: float  # share of fault-free devices with at least one alert
    confounded_devices: int  # fault-free devices with a confounding profile
    confounded_alerted: int

    @property
    def confounded_rate(self) -> float:
        """Share of healthy confounded devices with at least one alert."""
        if not self.confounded_devices:
            return float("nan")
        return self.confounded_alerted / self.confounded_devices


def alert_scores(judged: pd.DataFrame, truth: Truth) -> AlertScores:
    """Precision, false-positive rate and the per-device false alarm rates of healthy devices."""
    right = int(judged["right"].sum())
    total = len(judged)
    precision = right / total if total else float("nan")
    fault_free = truth.devices[truth.devices["fault_type"] == "none"]
    healthy = fault_free["device_id"]
    confounded = fault_free.loc[fault_free["profile"] != "normal", "device_id"]
    alerted = int(healthy.isin(judged["device_id"]).sum())
    return AlertScores(
        alerts=total,
        right=right,
        late=int(judged["late"].sum()),
        precision=precision,
        false_positive_rate=1.0 - precision if total else float("nan"),
        healthy_devices=len(healthy),
        healthy_devices_alerted=alerted,
        healthy_false_alarm_rate=alerted / len(healthy) if len(healthy) else float("nan"),
        confounded_devices=len(confounded),
        confounded_alerted=int(confounded.isin(judged["device_id"]).sum()),
    )


def failure_detection(alerts: pd.DataFrame, truth: Truth) -> pd.DataFrame:
    """Per failure inside the window: its first matching alert before it and the lead days."""
    failures = truth.devices[truth.devices["failure_ts"].notna()]
    failures = failures[["device_id", "fault_type", "onset_ts", "failure_ts"]]
    issued = alerts.assign(
        fault_type=alerts["predicted_issue_type"].map(ISSUE_FAULT),
        created=_naive(alerts["created_at"]),
    )
    pairs = failures.merge(issued[["device_id", "fault_type", "created"]], how="left")
    pairs = pairs[pairs["created"].isna() | (pairs["created"] < pairs["failure_ts"])]
    first = pairs.groupby("device_id")["created"].min().rename("first_alert")
    out = failures.join(first, on="device_id")
    out["detected"] = out["first_alert"].notna()
    out["lead_days"] = _days(out["failure_ts"] - out["first_alert"])
    return out.reset_index(drop=True)


def recall_and_lead(detection: pd.DataFrame) -> tuple[float, float]:
    """Share of failures detected beforehand, and the median lead time in days."""
    if detection.empty:
        return float("nan"), float("nan")
    lead = detection.loc[detection["detected"], "lead_days"]
    median = float(lead.median()) if len(lead) else float("nan")
    return float(detection["detected"].mean()), median


def unusual_false_alarms(judged: pd.DataFrame, truth: Truth) -> pd.DataFrame:
    """Per profile of fault-free devices: devices, devices alerted, alerts and their issues."""
    healthy = truth.devices[truth.devices["fault_type"] == "none"]
    wrong = judged[judged["fault_type"] == "none"]
    rows = []
    profiles = ["normal", *sorted(set(truth.devices["profile"]) - {"normal"})]
    for profile in profiles:
        ids = healthy.loc[healthy["profile"] == profile, "device_id"]
        mine = wrong[wrong["device_id"].isin(ids)]
        issues = mine["predicted_issue_type"].value_counts().sort_index()
        rows.append(
            {
                "profile": profile,
                "devices": len(ids),
                "devices_alerted": int(mine["device_id"].nunique()),
                "alerts": len(mine),
                "issues": ", ".join(f"{k} {v}" for k, v in issues.items()) or "-",
            }
        )
    return pd.DataFrame(rows)


def spearman_table(health: pd.DataFrame, truth: Truth) -> pd.DataFrame:
    """Spearman rho of scores with the latent condition over all scored device-days."""
    daily = truth.daily.assign(date=truth.daily["date"].dt.strftime("%Y-%m-%d"))
    both = health.merge(daily, on=["device_id", "date"], how="inner")
    worst = both[CONDITIONS].min(axis=1)
    pairs = [("health_score", "min(motor, battery, gps, radio)", worst)]
    pairs += [(c, k, both[k]) for c, k in COMPONENT_CONDITION.items() if c in both]
    rows = []
    for score, condition, values in pairs:
        keep = both[score].notna() & values.notna()
        x, y = both.loc[keep, score], values[keep]
        faulty = y < 1.0
        rows.append(
            {
                "score": score,
                "condition": condition,
                "rows": int(keep.sum()),
                "degraded_rows": int(faulty.sum()),
                "spearman": _rho(x, y),
            }
        )
    return pd.DataFrame(rows)


def _rho(x: pd.Series, y: pd.Series) -> float:
    """Spearman rho, NaN when either side is constant or too short."""
    if len(x) < 3 or x.nunique() < 2 or y.nunique() < 2:
        return float("nan")
    return float(spearmanr(x.to_numpy(float), y.to_numpy(float)).statistic)


def calibration(judged: pd.DataFrame, bins: tuple[float, ...] = CONFIDENCE_BINS) -> pd.DataFrame:
    """Reliability table: per confidence bin, alerts, mean confidence and observed precision."""
    binned = pd.cut(judged["confidence"].astype(float), list(bins), include_lowest=True)
    grouped = judged.assign(bin=binned).groupby("bin", observed=False)
    table = pd.DataFrame(
        {
            "alerts": grouped.size(),
            "mean_confidence": grouped["confidence"].mean(),
            "precision": grouped["right"].mean(),
        }
    ).reset_index()
    table["bin"] = [f"{i.left:.1f}-{i.right:.1f}" for i in table["bin"]]
    table["gap"] = table["precision"] - table["mean_confidence"]
    return table[table["alerts"] > 0].reset_index(drop=True)


def collision_detection(found: pd.DataFrame, collisions: Path | None) -> tuple[int, int, int]:
    """(episodes in the truth, of which found, episodes found that are not in it): an
    episode is found when a detected one of the same device overlaps it in time."""
    if collisions is None:
        return 0, 0, len(found)
    truth = pd.read_csv(collisions, dtype={"device_id": str})
    if truth.empty or found.empty:
        return len(truth), 0, len(found)
    t0 = pd.to_datetime(truth["start_ts"], utc=True).dt.tz_localize(None)
    t1 = pd.to_datetime(truth["end_ts"], utc=True).dt.tz_localize(None)
    pairs = found.assign(f0=pd.to_datetime(found["start_ts"]), f1=pd.to_datetime(found["end_ts"]))
    pairs = pairs.merge(truth.assign(t0=t0, t1=t1), on="device_id", suffixes=("", "_truth"))
    overlap = pairs[(pairs["f0"] <= pairs["t1"]) & (pairs["t0"] <= pairs["f1"])]
    matched_truth = overlap.drop_duplicates(["device_id", "t0"]).shape[0]
    matched_found = overlap.drop_duplicates(["device_id", "f0"]).shape[0]
    return len(truth), matched_truth, len(found) - matched_found


def mean_of(values: list[float]) -> float:
    """Mean ignoring NaN (NaN when every value is)."""
    finite = [v for v in values if not np.isnan(v)]
    return float(np.mean(finite)) if finite else float("nan")
