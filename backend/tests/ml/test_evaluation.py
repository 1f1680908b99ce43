"""Evaluation metrics on a hand-made example, and `drillwatch evaluate` end to end."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from typer.testing import CliRunner

from app.cli import app
from app.ml.evaluation.metrics import (
    Truth,
    alert_scores,
    calibration,
    failure_detection,
    judge_alerts,
    load_truth,
    recall_and_lead,
    spearman_table,
    unusual_false_alarms,
)
from app.scenarios import generate_scenario

DEVICES_CSV = """\
device_id,profile,fault_type,onset_ts,failure_ts,joined_ts,retired_ts
m1,normal,motor,2025-07-05T00:00:00Z,2025-07-20T12:00:00Z,,
b1,normal,battery,2025-07-03T00:00:00Z,2025-07-25T00:00:00Z,,
g1,normal,gps,2025-07-10T00:00:00Z,,,
g2,normal,gps,2025-07-02T00:00:00Z,2025-07-15T00:00:00Z,,
r1,normal,radio,2025-07-02T00:00:00Z,2025-07-12T00:00:00Z,,
h1,normal,none,,,,
h2,hard_material,none,,,,
h3,no_gps_site,none,,,,
"""
# (device, issue, raised on, confidence) and why each is right or wrong.
ALERTS = [
    ("m1", "motor", "2025-07-10", 0.95),  # right: fails 9.5 days later
    ("b1", "battery", "2025-07-02", 0.65),  # wrong: fails 22 days later (> 21)
    ("g1", "gps", "2025-07-20", 0.85),  # right: still degrading at the end
    ("h2", "motor", "2025-07-15", 0.75),  # wrong: no fault (hard material)
    ("m1", "battery", "2025-07-12", 0.92),  # wrong: the fault is the motor
    ("h1", "telemetry", "2025-07-08", 0.61),  # wrong: no fault
    ("g2", "gps", "2025-07-18", 0.88),  # right but late: the GPS failed on 07-15
]
runner = CliRunner()


@pytest.fixture
def truth(tmp_path: Path) -> Truth:
    """The hand-made fleet; its daily truth spans 2025-07-01..30 (window ends 07-31)."""
    (tmp_path / "devices.csv").write_text(DEVICES_CSV)
    daily = "device_id,date,motor,battery,gps,radio\nh1,2025-07-01,1,1,1,1\nh1,2025-07-30,1,1,1,1\n"
    (tmp_path / "daily.csv").write_text(daily)
    return load_truth(tmp_path / "devices.csv", tmp_path / "daily.csv")


@pytest.fixture
def alerts() -> pd.DataFrame:
    """ALERTS as the backtest writes them (created at the end of the day, UTC)."""
    return pd.DataFrame(
        [
            {
                "device_id": d,
                "predicted_issue_type": issue,
                "created_at": f"{day}T23:59:59Z",
                "confidence": c,
                "severity": "HIGH",
            }
            for d, issue, day, c in ALERTS
        ]
    )


def test_precision_and_false_positive_rates_match_the_hand_count(
    truth: Truth, alerts: pd.DataFrame
) -> None:
    judged = judge_alerts(alerts, truth)
    assert judged["right"].tolist() == [True, False, True, False, False, False, True]
    scores = alert_scores(judged, truth)
    assert (scores.alerts, scores.right, scores.late) == (7, 3, 1)
    assert scores.precision == pytest.approx(3 / 7)
    assert scores.false_positive_rate == pytest.approx(4 / 7)
    assert (scores.healthy_devices, scores.healthy_devices_alerted) == (3, 2)
    assert scores.healthy_false_alarm_rate == pytest.approx(2 / 3)
    assert truth.end == pd.Timestamp("2025-07-31")


def test_recall_and_lead_time_match_the_hand_count(truth: Truth, alerts: pd.DataFrame) -> None:
    detection = failure_detection(alerts, truth).set_index("device_id")
    assert sorted(detection.index) == ["b1", "g2", "m1", "r1"]  # failures inside the window
    assert detection["detected"].to_dict() == {"m1": True, "b1": True, "g2": False, "r1": False}
    raised = datetime(2025, 7, 10, 23, 59, 59)
    m1 = (datetime(2025, 7, 20, 12) - raised) / timedelta(days=1)
    b1 = (datetime(2025, 7, 25) - datetime(2025, 7, 2, 23, 59, 59)) / timedelta(days=1)
    assert detection.loc["m1", "lead_days"] == pytest.approx(m1)
    recall, lead = recall_and_lead(failure_detection(alerts, truth))
    assert recall == 0.5
    assert lead == pytest.approx((m1 + b1) / 2)


def test_false_alarms_are_listed_per_profile(truth: Truth, alerts: pd.DataFrame) -> None:
    table = unusual_false_alarms(judge_alerts(alerts, truth), truth).set_index("profile")
    assert table.loc["normal"].tolist() == [1, 1, 1, "telemetry 1"]
    assert table.loc["hard_material"].tolist() == [1, 1, 1, "motor 1"]
    assert table.loc["no_gps_site"].tolist() == [1, 0, 0, "-"]
    assert sorted(table.index) == ["hard_material", "no_gps_site", "normal"]


def test_calibration_bins_confidence_against_observed_precision(
    truth: Truth, alerts: pd.DataFrame
) -> None:
    table = calibration(judge_alerts(alerts, truth)).set_index("bin")
    assert table["alerts"].to_dict() == {"0.6-0.7": 2, "0.7-0.8": 1, "0.8-0.9": 2, "0.9-1.0": 2}
    assert table["precision"].to_dict() == {
        "0.6-0.7": 0.0,
        "0.7-0.8": 0.0,
        "0.8-0.9": 1.0,
        "0.9-1.0": 0.5,
    }
    assert table.loc["0.9-1.0", "mean_confidence"] == pytest.approx((0.95 + 0.92) / 2)


HEALTH = """\
device_id,date,health_score,current_stability,battery_performance,gps_reliability,telemetry_quality
d1,2025-07-01,98,100,97,99,100
d1,2025-07-02,80,70,96,99,100
d1,2025-07-03,55,40,95,100,99
d2,2025-07-01,99,100,100,90,100
d2,2025-07-02,85,100,100,60,80
d2,2025-07-03,90,100,98,75,70
d3,2025-07-03,10,10,10,10,10
"""
CONDITION = """\
device_id,date,motor,battery,gps,radio
d1,2025-07-01,1.0,1.0,1.0,1.0
d1,2025-07-02,0.8,1.0,1.0,1.0
d1,2025-07-03,0.5,1.0,1.0,1.0
d2,2025-07-01,1.0,1.0,0.9,1.0
d2,2025-07-02,1.0,1.0,0.7,0.6
d2,2025-07-03,1.0,1.0,0.6,0.5
"""


def test_spearman_pairs_each_score_with_its_condition(tmp_path: Path) -> None:
    (tmp_path / "daily.csv").write_text(CONDITION)
    (tmp_path / "devices.csv").write_text(DEVICES_CSV)
    truth = load_truth(tmp_path / "devices.csv", tmp_path / "daily.csv")
    health = pd.read_csv(pd.io.common.StringIO(HEALTH))
    table = spearman_table(health, truth).set_index("score")
    worst = [1.0, 0.8, 0.5, 0.9, 0.6, 0.5]  # min(motor, battery, gps, radio) by hand
    expected = {
        "health_score": spearmanr([98, 80, 55, 99, 85, 90], worst).statistic,
        "current_stability": spearmanr(
            [100, 70, 40, 100, 100, 100], [1, 0.8, 0.5, 1, 1, 1]
        ).statistic,
        "gps_reliability": spearmanr([99, 99, 100, 90, 60, 75], [1, 1, 1, 0.9, 0.7, 0.6]).statistic,
        "telemetry_quality": spearmanr(
            [100, 100, 99, 100, 80, 70], [1, 1, 1, 1, 0.6, 0.5]
        ).statistic,
    }
    for score, rho in expected.items():
        assert table.loc[score, "spearman"] == pytest.approx(rho)
    assert np.isnan(table.loc["battery_performance", "spearman"])  # the battery never degraded
    assert table.loc["health_score", "rows"] == 6  # d3 has no ground truth
    assert table.loc["gps_reliability", "degraded_rows"] == 3


def right_by_hand(alerts: list[dict[str, object]], devices: pd.DataFrame) -> int:
    """Count right alerts with the rule written out separately from the metrics module."""
    fault_of = {"motor": "motor", "battery": "battery", "gps": "gps", "telemetry": "radio"}
    facts = devices.set_index("device_id")
    right = 0
    for alert in alerts:
        fact = facts.loc[str(alert["device_id"])]
        if fault_of[str(alert["predicted_issue_type"])] != fact["fault_type"]:
            continue
        raised = pd.Timestamp(str(alert["created_at"])).tz_localize(None)
        failure = pd.Timestamp(fact["failure_ts"]).tz_localize(None)
        if pd.isna(fact["failure_ts"]) or failure - raised <= pd.Timedelta(days=21):
            right += 1
    return right


@pytest.mark.usefixtures("env")
def test_evaluate_cli_writes_a_report_whose_precision_matches_its_alerts(tmp_path: Path) -> None:
    out = tmp_path / "eval"
    args = ["evaluate", "--family", "normal", "--devices", "24", "--days", "28", "--seed", "3"]
    result = runner.invoke(app, [*args, "--out", str(out), "--save-replays", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "Evaluation: 24 devices x 28 days" in result.output
    report = (out / "normal-3.md").read_text()
    for section in ("## Headline", "## Spearman", "## Confidence calibration", "## Run time"):
        assert section in report
    assert "Seed 3 was never used for tuning" in report
    alerts = json.loads((out / "normal-3" / "alerts.json").read_text())
    again = generate_scenario("normal", 24, 28, 3, tmp_path / "again")  # same seed, same fleet
    devices = pd.read_csv(again.devices_csv, dtype=str)
    devices["failure_ts"] = pd.to_datetime(devices["failure_ts"], utc=True)
    shown = re.search(r"\| Alert precision \| ([0-9.]+) \|", report)
    assert shown is not None
    assert alerts, "this fleet has faults the replay alerts on"
    assert float(shown.group(1)) == pytest.approx(
        right_by_hand(alerts, devices) / len(alerts), abs=5e-4
    )


@pytest.mark.usefixtures("env")
def test_evaluate_cli_without_save_replays_writes_reports_only(tmp_path: Path) -> None:
    out = tmp_path / "eval"
    args = ["evaluate", "--family", "simulator", "--devices", "12", "--days", "16"]
    result = runner.invoke(app, [*args, "--seed", "4", "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["simulator-4.md"]


@pytest.mark.usefixtures("env")
def test_evaluate_cli_with_several_fleets_writes_a_pooled_summary(tmp_path: Path) -> None:
    out = tmp_path / "eval"
    args = ["evaluate", "--family", "simulator", "--family", "normal", "--devices", "16"]
    args += ["--days", "16", "--seed", "4", "--seed", "5", "--save-replays"]
    result = runner.invoke(app, [*args, "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    summary = (out / "summary.md").read_text()
    assert "[normal 4](normal-4.md)" in summary
    assert "[simulator 5](simulator-5.md)" in summary
    assert re.search(r"^\| simulator \| pooled \|", summary, re.MULTILINE)
    assert re.search(r"^\| all \| pooled \|", summary, re.MULTILINE)
    assert (out / "normal-5" / "health_daily.csv").is_file()


@pytest.mark.usefixtures("env")
def test_evaluate_cli_refuses_an_unknown_family_naming_the_option(tmp_path: Path) -> None:
    result = runner.invoke(app, ["evaluate", "--family", "nope", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "--family" in result.output


@pytest.mark.usefixtures("env")
def test_evaluate_cli_refuses_a_bad_size_naming_the_option(tmp_path: Path) -> None:
    result = runner.invoke(app, ["evaluate", "--devices", "0", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "--devices" in result.output
