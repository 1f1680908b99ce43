"""Ground truth of a run as frames: devices, daily conditions, collisions, sites, sessions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from app.scenarios.plan import faults
from app.scenarios.plan.build import RunPlan
from app.scenarios.window import DAY, SAMPLE_SECONDS, iso

COMPONENTS = ("motor", "battery", "gps", "radio")


def devices_frame(plan: RunPlan, family: str) -> pd.DataFrame:
    """truth_devices.csv: one row per pod, ordered by device_id."""
    f, cal, window = plan.faults, plan.calendar, plan.window
    joined = np.where(cal.join_day > 0, window.t0 + cal.join_day * DAY, np.nan)
    retired = np.where(cal.retire_day < window.days, window.t0 + cal.retire_day * DAY, np.nan)
    frame = pd.DataFrame(
        {
            "device_id": plan.pods.ids,
            "family": family,
            "profile": plan.pods.profile.astype(str),
            "fault_type": np.array(faults.FAULT_NAMES)[f.kind],
            "onset_ts": iso(f.onset_ts),
            "failure_ts": iso(f.failure_ts),
            "joined_ts": iso(joined),
            "retired_ts": iso(retired),
            "silent_after_failure": np.where(f.silent, "true", "false"),
        }
    )
    return frame.sort_values("device_id", kind="stable").reset_index(drop=True)


def daily_frame(plan: RunPlan) -> pd.DataFrame:
    """truth_daily.csv: per pod and day it exists, each component's condition at day end."""
    condition = faults.daily_condition(plan.faults, plan.use_by_day, plan.window.days)
    pods, days = condition.shape
    exists = plan.calendar.exists.ravel()
    dev = np.repeat(np.arange(pods), days)[exists]
    kind = plan.faults.kind[dev]
    values = condition.ravel()[exists]
    frame = pd.DataFrame(
        {
            "device_id": np.array(plan.pods.ids, dtype=object)[dev],
            "date": np.tile(np.array(plan.window.dates(), dtype=object), pods)[exists],
        }
    )
    for code, name in enumerate(COMPONENTS, start=faults.MOTOR):
        frame[name] = np.where(kind == code, values, 1.0)
    return frame.sort_values(["device_id", "date"], kind="stable").reset_index(drop=True)


def faults_frame(plan: RunPlan) -> pd.DataFrame:
    """truth_faults.csv: per faulty pod, its clock, shape, ramp and how its fault shows."""
    f, sym = plan.faults, plan.symptoms
    signs = {
        faults.MOTOR: sym.motor.signs(),
        faults.BATTERY: sym.battery.signs(),
        faults.GPS: sym.gps.signs(),
        faults.RADIO: sym.radio.signs(),
    }
    faulty = np.flatnonzero(f.kind != faults.NONE)
    frame = pd.DataFrame(
        {
            "device_id": np.array(plan.pods.ids, dtype=object)[faulty],
            "fault_type": np.array(faults.FAULT_NAMES)[f.kind[faulty]],
            "clock": np.where(f.usage_clock[faulty], "usage", "calendar"),
            "shape": np.array(faults.SHAPES)[f.shape[faulty]],
            "ramp_days": np.round(f.ramp_days[faulty], 2),
            "symptom_threshold": np.round(f.threshold[faulty], 3),
            "signs": ["+".join(signs[int(f.kind[i])][i]) for i in faulty],
        }
    )
    return frame.sort_values("device_id", kind="stable").reset_index(drop=True)


def collisions_frame(plan: RunPlan) -> pd.DataFrame:
    """collisions.csv: when a second pod reported under each device_id."""
    twins = plan.twins
    end = twins.start + (twins.samples - 1) * SAMPLE_SECONDS
    frame = pd.DataFrame(
        {
            "device_id": np.array(plan.pods.ids, dtype=object)[twins.device],
            "start_ts": iso(twins.start),
            "end_ts": iso(end),
        }
    )
    return frame.sort_values(["start_ts", "device_id"], kind="stable").reset_index(drop=True)


def sites_frame(plan: RunPlan) -> pd.DataFrame:
    """sites.csv: every site, its reception, material and tag."""
    s = plan.sites
    addresses = np.array([*plan.parts.tags.addresses, ""], dtype=object)
    return pd.DataFrame(
        {
            "site_id": np.arange(s.lat.size),
            "lat": np.round(s.lat, 6),
            "lon": np.round(s.lon, 6),
            "no_fix": np.where(s.no_fix, "true", "false"),
            "hardness": np.round(s.hardness, 3),
            "radio_loss": np.round(s.radio_loss, 3),
            "ble_id": addresses[s.tag],
        }
    )


def sessions_frame(plan: RunPlan) -> pd.DataFrame:
    """sessions.csv: every planned use of a machine, where, and how many samples got sent."""
    s, placed = plan.sessions, plan.placed
    return pd.DataFrame(
        {
            "device_id": np.array(plan.pods.ids, dtype=object)[s.device],
            "start_ts": iso(s.start),
            "end_ts": iso(s.start + (s.samples - 1) * SAMPLE_SECONDS),
            "site_id": placed.site,
            "samples": s.samples,
            "sent": placed.sent,
        }
    ).sort_values(["start_ts", "device_id"], kind="stable")
