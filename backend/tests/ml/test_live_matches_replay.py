"""The live scoring run raises on a day exactly the alerts the day-by-day replay raises."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pandas as pd
import pytest

from app.ml.config import COMPONENTS
from app.ml.models.health_scoring import HealthScoringService
from app.ml.runs.backtest import BacktestResult, run_backtest
from app.ml.runs.scoring import Deadline, RunOutput, run_scoring
from app.ml.services import MLService
from app.services.ingestion import ingest_file
from app.simulation import simulate_fleet
from tests.ml.service_helpers import isolated, store_of

DEVICES, DAYS, SEED = 40, 30, 7
Alert = tuple[str, str, str]


@dataclass(frozen=True)
class Both:
    """One simulated fleet: its replay, and the live run as of the replay's last day."""

    truth: pd.DataFrame
    replay: BacktestResult
    last_day: date
    live: RunOutput


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Both]:
    tmp = tmp_path_factory.mktemp("live")
    sim = simulate_fleet(DEVICES, DAYS, SEED, tmp / "sim", progress=False)
    settings = isolated(tmp)
    store = store_of(settings)
    assert ingest_file(store, sim.telemetry_csv, settings).accepted > 0
    replay = run_backtest(sim.telemetry_csv, None, settings)
    assert replay.model is not None
    last_day = pd.Timestamp(replay.health["date"].max()).date()
    ml = MLService(settings, store)
    live = run_scoring(
        store,
        ml.features,
        HealthScoringService(settings, replay.model),
        ml.alerts,
        "replayed",
        Deadline(120.0),
        as_of=last_day,
    )
    yield Both(pd.read_csv(sim.devices_csv, dtype=str), replay, last_day, live)
    ml.close()


def replay_alerts_on(result: BacktestResult, day: date) -> set[Alert]:
    """Alerts the replay opened or updated on ``day``, with their severity that day."""
    alerts = result.alerts
    touched = pd.to_datetime(alerts["last_updated_at"], utc=True).dt.date == day
    rows = alerts.loc[touched, ["device_id", "predicted_issue_type", "last_severity"]]
    return set(rows.itertuples(index=False, name=None))


def live_alerts(output: RunOutput) -> set[Alert]:
    """Alerts the live run opened (on an empty alert store every raised alert is new)."""
    assert {c.action for c in output.changes} <= {"created"}
    return {
        (c.alert.device_id, c.alert.predicted_issue_type, c.alert.severity) for c in output.changes
    }


def test_the_live_run_raises_the_replays_alerts_of_that_day(both: Both) -> None:
    expected = replay_alerts_on(both.replay, both.last_day)
    assert len(expected) >= 2
    assert live_alerts(both.live) == expected
    # at the same clock: the fleet's latest sample of that day
    touched = pd.to_datetime(both.replay.alerts["last_updated_at"], utc=True)
    clocks = set(touched[touched.dt.date == both.last_day])
    assert {pd.Timestamp(c.alert.created_at) for c in both.live.changes} == clocks


def test_the_live_run_scores_the_day_as_the_replay_did(both: Both) -> None:
    scored = both.live.scores.scored
    live = scored[scored["day"] == pd.Timestamp(both.last_day)].set_index("device_id")
    replay = both.replay.health[both.replay.health["date"] == both.last_day.isoformat()]
    replay = replay.set_index("device_id")
    for column in ("health_score", *COMPONENTS, "confidence"):
        pd.testing.assert_series_equal(
            live[column].sort_index(), replay[column].sort_index(), atol=0.01, check_dtype=False
        )


def test_live_alerts_name_the_faults_the_devices_have(both: Both) -> None:
    fault = dict(zip(both.truth["device_id"], both.truth["fault_type"], strict=True))
    issue_of = {"motor": "motor", "battery": "battery", "gps": "gps", "radio": "telemetry"}
    for device, issue, _ in live_alerts(both.live):
        assert issue_of.get(fault[device]) == issue
