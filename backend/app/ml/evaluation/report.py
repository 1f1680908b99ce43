"""Markdown reports of evaluations: one per seed, and a summary over several seeds."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from app.ml.evaluation.metrics import ISSUE_FAULT, mean_of
from app.ml.evaluation.run import RIGHT_WITHIN_DAYS, Evaluation

TUNING_SEEDS = (1, 2)  # the only seeds alerting and scoring parameters were tuned on
TARGETS = {"precision": 0.85, "recall": 0.85, "median_lead": 5.0, "spearman": 0.8}
DEFINITIONS = f"""\
## Definitions

- **Right alert**: its device has a fault of the matching type (motor -> motor,
  battery -> battery, gps -> gps, telemetry -> radio) that fails at most
  {RIGHT_WITHIN_DAYS} days after the alert, or that is still degrading when the window
  ends. An alert raised after its component already failed (a dead GPS keeps
  reporting) counts as right but late; it does not count towards recall.
- **Precision**: right alerts / all alerts. **False-positive rate**: wrong alerts / all
  alerts (= 1 - precision). **Per-device false alarm rate**: share of fault-free devices
  with at least one alert.
- **Recall**: share of failures inside the window with a matching alert raised before
  the failure. **Lead time**: failure time - that first matching alert's created_at.
- **Spearman**: rank correlation over every scored device-day of the replay (as each
  day's model scored it) with the simulator's latent condition at the end of that day;
  the overall health against min(motor, battery, gps), the components it weighs, and
  each component against its own condition (telemetry quality against radio).
- **Calibration**: alerts binned by their confidence when raised, with the share that
  were right.
- Alerts are never resolved in a replay (nobody acknowledges them), so each device and
  issue type has at most one alert; later findings update it.
"""


def fmt(value: Any, spec: str = ".3f") -> str:
    """A number for a table ("-" when missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, spec)


def table(frame: pd.DataFrame, formats: dict[str, str] | None = None) -> str:
    """A Markdown table of ``frame`` with per-column number formats."""
    formats = formats or {}
    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = [
        "| " + " | ".join(_cell(row[c], formats.get(str(c))) for c in frame.columns) + " |"
        for _, row in frame.iterrows()
    ]
    return "\n".join([head, rule, *rows]) if rows else "_none_"


def _cell(value: Any, spec: str | None) -> str:
    if isinstance(value, pd.Timestamp):
        return "-" if pd.isna(value) else value.strftime("%Y-%m-%d %H:%M")
    if spec is not None:
        return fmt(value, spec)
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def headline(ev: Evaluation) -> pd.DataFrame:
    """Each target metric, its value, the target and whether it is met."""
    m = ev.metrics
    worst_component = min(m.spearman_components.values(), default=float("nan"))
    rho = TARGETS["spearman"]
    rows: list[tuple[str, float, str, bool]] = [
        (
            "Alert precision",
            m.alerts.precision,
            ">= 0.85",
            m.alerts.precision >= TARGETS["precision"],
        ),
        ("False-positive rate (wrong / all alerts)", m.alerts.false_positive_rate, "", True),
        ("Failure recall", m.recall, ">= 0.85", m.recall >= TARGETS["recall"]),
        ("Median lead time (days)", m.median_lead, ">= 5", m.median_lead >= TARGETS["median_lead"]),
        ("Spearman, overall health", m.spearman_overall, ">= 0.8", m.spearman_overall >= rho),
        ("Spearman, weakest component", worst_component, ">= 0.8", worst_component >= rho),
        ("Healthy devices with a false alarm", m.alerts.healthy_false_alarm_rate, "", True),
    ]
    return pd.DataFrame(
        [(n, v, t, ("yes" if ok else "**no**") if t else "") for n, v, t, ok in rows],
        columns=["Metric", "Value", "Target", "Met"],
    )


def wrong_alerts(ev: Evaluation) -> pd.DataFrame:
    """The wrong alerts with why they are wrong."""
    judged = ev.metrics.judged
    wrong = judged[~judged["right"]].copy()
    matches = wrong["predicted_issue_type"].map(ISSUE_FAULT) == wrong["fault_type"]
    wrong["why"] = "no fault"
    wrong.loc[(wrong["fault_type"] != "none") & ~matches, "why"] = "other fault type"
    wrong.loc[matches, "why"] = f"more than {RIGHT_WITHIN_DAYS} days before failure"
    wrong["created_at"] = pd.to_datetime(wrong["created_at"], utc=True).dt.tz_localize(None)
    columns = ["device_id", "profile", "fault_type", "predicted_issue_type", "severity"]
    columns += ["confidence", "created_at", "days_to_failure", "why"]
    return wrong[columns].sort_values("created_at").reset_index(drop=True)


def lead_summary(ev: Evaluation) -> str:
    """Min / quartiles / max of the lead times, in days."""
    lead = ev.metrics.detection.loc[ev.metrics.detection["detected"], "lead_days"]
    if lead.empty:
        return "no failure was detected"
    q = lead.quantile([0.0, 0.25, 0.5, 0.75, 1.0]).to_numpy()
    return "min {:.1f}, p25 {:.1f}, median {:.1f}, p75 {:.1f}, max {:.1f} days".format(*q)


def tuning_note(seed: int) -> str:
    """Whether ``seed`` was used to tune the pipeline."""
    tuned = " and ".join(map(str, TUNING_SEEDS))
    if seed in TUNING_SEEDS:
        return f"**Seed {seed} is a tuning seed** (parameters were tuned on seeds {tuned})."
    return f"Seed {seed} was never used for tuning (tuned on seeds {tuned} only)."


def settings_line(ev: Evaluation) -> str:
    """The alert and scoring settings the replay ran with."""
    return ", ".join(f"{k.upper()}={v:g}" for k, v in ev.settings.items())


def render(ev: Evaluation, command: str) -> str:
    """The Markdown report of one evaluation."""
    m, bt, cfg = ev.metrics, ev.backtest, ev.config
    detection = m.detection
    missed = detection[~detection["detected"]]
    per_issue = m.judged.groupby("predicted_issue_type")["right"].agg(["size", "sum"])
    per_issue = per_issue.reset_index().rename(columns={"size": "alerts", "sum": "right"})
    per_issue["precision"] = per_issue["right"] / per_issue["alerts"]
    parts = [
        f"# Evaluation: seed {ev.seed}, {ev.devices} devices x {ev.days} days",
        f"Reproduce with `{command}` (from `backend/`). {tuning_note(ev.seed)}",
        f"Simulated fleet from {ev.start.isoformat()}: {bt.rows:,} telemetry rows. "
        f"Replay: warm-up {cfg.warmup_days} days, then {bt.replayed_days} days each with a "
        f"model refitted every {cfg.refit_every} day(s) on the fleet's earlier days only. "
        f"Settings: {settings_line(ev)}.",
        "## Headline",
        table(headline(ev), {"Value": ".3f"}),
        f"## Alerts\n\n{m.alerts.alerts} alerts, {m.alerts.right} right "
        f"({m.alerts.late} of them raised after the failure).",
        table(per_issue, {"precision": ".3f"}),
        "### Wrong alerts",
        table(wrong_alerts(ev), {"confidence": ".2f", "days_to_failure": ".1f"}),
        f"## Failures\n\n{len(detection)} failures inside the window, "
        f"{int(detection['detected'].sum())} with a matching alert before the failure. "
        f"Lead time: {lead_summary(ev)}. Faults still degrading at the end: "
        f"{m.degrading}, {m.degrading_caught} of them with a right alert.",
        "### Missed failures",
        table(missed[["device_id", "fault_type", "onset_ts", "failure_ts"]]),
        "## False alarms on fault-free devices, per profile",
        f"Per-device false alarm rate: {m.alerts.healthy_devices_alerted} of "
        f"{m.alerts.healthy_devices} fault-free devices "
        f"({fmt(m.alerts.healthy_false_alarm_rate)}).",
        table(m.unusual),
        "## Spearman correlation of health with the latent condition",
        table(m.spearman, {"spearman": ".3f"}),
        "## Confidence calibration",
        table(
            m.calibration,
            {"mean_confidence": ".3f", "precision": ".3f", "gap": "+.3f"},
        ),
        "## Run time",
        table(
            pd.DataFrame([dict(ev.seconds.items())]),
            dict.fromkeys(ev.seconds, ".1f"),
        )
        + f"\n\nSeconds; replay = {fmt(ev.seconds['replay'] / max(bt.replayed_days, 1), '.2f')}"
        " s per replayed day (fit, score, forecast and alerts for the whole fleet).",
        DEFINITIONS,
    ]
    return "\n\n".join(parts)


SUMMARY_COLUMNS: list[tuple[str, Callable[[Evaluation], float], str]] = [
    ("precision", lambda e: e.metrics.alerts.precision, ".3f"),
    ("FP rate", lambda e: e.metrics.alerts.false_positive_rate, ".3f"),
    ("recall", lambda e: e.metrics.recall, ".3f"),
    ("median lead (d)", lambda e: e.metrics.median_lead, ".1f"),
    ("Spearman overall", lambda e: e.metrics.spearman_overall, ".3f"),
    ("motor", lambda e: e.metrics.spearman_components.get("current_stability", math.nan), ".3f"),
    (
        "battery",
        lambda e: e.metrics.spearman_components.get("battery_performance", math.nan),
        ".3f",
    ),
    ("gps", lambda e: e.metrics.spearman_components.get("gps_reliability", math.nan), ".3f"),
    ("radio", lambda e: e.metrics.spearman_components.get("telemetry_quality", math.nan), ".3f"),
    ("alerts", lambda e: float(e.metrics.alerts.alerts), ".0f"),
    ("healthy FA rate", lambda e: e.metrics.alerts.healthy_false_alarm_rate, ".3f"),
    ("unusual-device alerts", lambda e: float(e.metrics.unusual_alerts), ".0f"),
    ("run time (s)", lambda e: e.seconds["total"], ".0f"),
]


def summary_frame(evaluations: Sequence[Evaluation]) -> pd.DataFrame:
    """One row per seed and a mean row, with the summary columns."""
    values = [{name: get(e) for name, get, _ in SUMMARY_COLUMNS} for e in evaluations]
    seeds = [str(e.seed) for e in evaluations]
    if len(values) > 1:
        values.append({name: mean_of([v[name] for v in values]) for name, _, _ in SUMMARY_COLUMNS})
        seeds.append("mean")
    return pd.DataFrame(values).assign(seed=seeds)[["seed", *values[0]]]


def render_summary(evaluations: Sequence[Evaluation], command: str, links: dict[int, str]) -> str:
    """Markdown summary over several seeds; ``links`` maps each seed to its report."""
    first = evaluations[0]
    formats = {name: spec for name, _, spec in SUMMARY_COLUMNS}
    return "\n\n".join(
        [
            f"# Evaluation summary: {first.devices} devices x {first.days} days",
            f"Reproduce with `{command}` (from `backend/`). Spearman columns: overall "
            "health and each component against its latent condition.",
            table(summary_frame(evaluations), formats),
            "Per-seed reports: "
            + ", ".join(f"[seed {e.seed}]({links[e.seed]})" for e in evaluations),
        ]
    )
