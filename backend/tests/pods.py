"""An independent pandas split of telemetry into pods and sessions, for tests to compare with.

A pod's counter advances by one per 30 s sample, so ``k = seq * 30 - epoch(ts)`` is constant
while it reports. Within a run of a device's rows (gaps <= the session gap), rows are
grouped into tracks of ``k`` (sorted, split where ``k`` jumps by over ``TRACK_GAP_S``); a
track other than the largest that overlaps it in time is a second pod under the same id
(the field sample's 9f8c2a7d twice). Each pod's rows are sessionised apart.
"""

from __future__ import annotations

import pandas as pd

TRACK_GAP_S = 300


def with_pods(df: pd.DataFrame, gap_s: int = 120) -> pd.DataFrame:
    """``df`` sorted by device and time with ``second_pod``: the row is another pod's."""
    df = df.sort_values(["device_id", "timestamp"]).reset_index(drop=True)
    epoch = (df["timestamp"] - pd.Timestamp(0, tz=df["timestamp"].dt.tz)).dt.total_seconds()
    step = df.groupby("device_id")["timestamp"].diff().dt.total_seconds()
    df = df.assign(run=(step.isna() | (step > gap_s)).cumsum(), k=df["seq"] * 30 - epoch)
    by_k = df.sort_values(["run", "k", "timestamp"])
    jump = by_k.groupby("run")["k"].diff() > TRACK_GAP_S
    df["track"] = jump.groupby(by_k["run"]).cumsum()
    tracks = df.groupby(["run", "track"])["timestamp"].agg(["size", "min", "max"]).reset_index()
    tracks = tracks.sort_values(["run", "size", "min"], ascending=[True, False, True])
    main = tracks.groupby("run").first()
    tracks = tracks.merge(main.add_suffix("_main"), left_on="run", right_index=True)
    tracks["second_pod"] = (
        (tracks["track"] != tracks["track_main"])
        & (tracks["size"] >= 2)
        & (tracks["min"] < tracks["max_main"])
        & (tracks["min_main"] < tracks["max"])
    )
    flags = tracks.set_index(["run", "track"])["second_pod"]
    second = flags.reindex(pd.MultiIndex.from_frame(df[["run", "track"]])).to_numpy()
    return df.assign(second_pod=second).drop(columns=["run", "k", "track"])


def with_sessions(df: pd.DataFrame, gap_s: int = 120) -> pd.DataFrame:
    """``with_pods(df)`` plus ``run``: a session number per row (each pod's gaps over ``gap_s``)."""
    df = with_pods(df, gap_s).sort_values(["device_id", "second_pod", "timestamp"])
    step = df.groupby(["device_id", "second_pod"])["timestamp"].diff().dt.total_seconds()
    return df.assign(run=(step.isna() | (step > gap_s)).cumsum()).reset_index(drop=True)
