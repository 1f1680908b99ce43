"""Markdown reports of evaluations: one per fleet and seed, and a summary over them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from app.ml.evaluation.metrics import ISSUE_FAULT, calibration, mean_of
from app.ml.evaluation.run import RIGHT_WITHIN_DAYS, Evaluation

TUNING_SEEDS = (1, 2)  # the only seeds alerting and scoring parameters were tuned on
TARGETS = {
    "precision": 0.9,
    "recall": 0.9,
    "median_lead": 7.0,
    "spearman": 0.85,
    "confounded": 0.02,
}
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
  the overall health against min(motor, battery, gps, radio) (the telemetry link counts
  in the overall score), and each component against its own condition (telemetry
  quality against radio).
- **Confounded false alarms**: share of fault-free devices with a confounding profile
  (no-fix sites, a second pod, thin days, heavy or light use, ...) that got an alert.
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
            ">= 0.9",
            m.alerts.precision >= TARGETS["precision"],
        ),
        ("False-positive rate (wrong / all alerts)", m.alerts.false_positive_rate, "", True),
        ("Failure recall", m.recall, ">= 0.9", m.recall >= TARGETS["recall"]),
        ("Median lead time (days)", m.median_lead, ">= 7", m.median_lead >= TARGETS["median_lead"]),
        ("Spearman, overall health", m.spearman_overall, ">= 0.85", m.spearman_overall >= rho),
        ("Spearman, weakest component", worst_component, "", True),
        ("Healthy devices with a false alarm", m.alerts.healthy_false_alarm_rate, "", True),
        (
            "Confounded healthy devices alerted",
            m.alerts.confounded_rate,
            "<= 0.02",
            not m.alerts.confounded_rate > TARGETS["confounded"],
        ),
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
        f"# Evaluation: {ev.source}, seed {ev.seed}, {ev.devices} devices x {ev.days} days",
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
        collision_line(ev),
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


def collision_line(ev: Evaluation) -> str:
    """How many episodes of a second pod under one id were found."""
    total, found, spurious = ev.metrics.collisions
    if not total and not spurious:
        return "No episode of two pods under one device id, and none reported."
    return (
        f"Episodes of two pods under one device id: {found} of {total} found, "
        f"{spurious} reported that are not in the truth."
    )


@dataclass(frozen=True)
class Pooled:
    """Counts that add up over evaluations, and the metrics computed from them."""

    alerts: int = 0
    right: int = 0
    failures: int = 0
    detected: int = 0
    confounded: int = 0
    confounded_alerted: int = 0
    healthy: int = 0
    healthy_alerted: int = 0
    leads: tuple[float, ...] = ()
    rhos: tuple[float, ...] = ()

    @classmethod
    def of(cls, ev: Evaluation) -> Pooled:
        """The counts of one evaluation."""
        m, a = ev.metrics, ev.metrics.alerts
        leads = m.detection.loc[m.detection["detected"], "lead_days"]
        return cls(
            a.alerts,
            a.right,
            len(m.detection),
            int(m.detection["detected"].sum()),
            a.confounded_devices,
            a.confounded_alerted,
            a.healthy_devices,
            a.healthy_devices_alerted,
            tuple(float(x) for x in leads),
            (m.spearman_overall,),
        )

    def __add__(self, other: Pooled) -> Pooled:
        return Pooled(*(getattr(self, f) + getattr(other, f) for f in self.__dataclass_fields__))

    def row(self) -> dict[str, float]:
        """The summary metrics of these counts."""
        return {
            "alerts": float(self.alerts),
            "precision": _share(self.right, self.alerts),
            "recall": _share(self.detected, self.failures),
            "median lead (d)": float(np.median(self.leads)) if self.leads else math.nan,
            "Spearman overall": mean_of(list(self.rhos)),
            "healthy FA": _share(self.healthy_alerted, self.healthy),
            "confounded FA": _share(self.confounded_alerted, self.confounded),
        }


def _share(part: int, whole: int) -> float:
    return part / whole if whole else math.nan


SUMMARY_FORMATS = {
    "alerts": ".0f",
    "precision": ".3f",
    "recall": ".3f",
    "median lead (d)": ".1f",
    "Spearman overall": ".3f",
    "healthy FA": ".3f",
    "confounded FA": ".3f",
    "run time (s)": ".0f",
}


def summary_frame(evaluations: Sequence[Evaluation]) -> pd.DataFrame:
    """One row per fleet and seed, a pooled row per fleet over its seeds, and one over all."""
    rows = []
    by_source: dict[str, list[Evaluation]] = {}
    for ev in evaluations:
        by_source.setdefault(ev.source, []).append(ev)
    for source, group in by_source.items():
        for ev in group:
            rows.append(
                {
                    "fleet": source,
                    "seed": str(ev.seed),
                    **Pooled.of(ev).row(),
                    "run time (s)": ev.seconds["total"],
                }
            )
        if len(group) > 1:
            pooled = sum((Pooled.of(e) for e in group), Pooled())
            rows.append(
                {"fleet": source, "seed": "pooled", **pooled.row(), "run time (s)": math.nan}
            )
    if len(by_source) > 1:
        pooled = sum((Pooled.of(e) for e in evaluations), Pooled())
        rows.append({"fleet": "all", "seed": "pooled", **pooled.row(), "run time (s)": math.nan})
    return pd.DataFrame(rows)


def pooled_calibration(evaluations: Sequence[Evaluation]) -> pd.DataFrame:
    """The reliability table over every alert of every evaluation."""
    judged = pd.concat([e.metrics.judged for e in evaluations], ignore_index=True)
    return calibration(judged)


def render_summary(
    evaluations: Sequence[Evaluation], command: str, links: dict[tuple[str, int], str]
) -> str:
    """Markdown summary over several fleets and seeds; ``links`` maps each to its report."""
    first = evaluations[0]
    return "\n\n".join(
        [
            f"# Evaluation summary: {first.devices} devices x {first.days} days",
            f"Reproduce with `{command}` (from `backend/`). Pooled rows add up the alerts and "
            "failures of their runs; Spearman is their mean. Targets: precision and recall "
            ">= 0.9, median lead >= 7 days, Spearman >= 0.85, confounded false alarms <= 0.02.",
            table(summary_frame(evaluations), SUMMARY_FORMATS),
            "## Confidence calibration, all alerts",
            table(
                pooled_calibration(evaluations),
                {"mean_confidence": ".3f", "precision": ".3f", "gap": "+.3f"},
            ),
            "Reports: "
            + ", ".join(f"[{e.source} {e.seed}]({links[(e.source, e.seed)]})" for e in evaluations),
            DEFINITIONS,
        ]
    )
