"""An open alert written straight into a SQLite store, as a scoring run in another process would."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from app.db.models_alerts import Alert


def write_open_alert(
    sqlite_path: Path,
    device_id: str,
    *,
    issue: str = "battery",
    severity: str = "HIGH",
    action: str = "Order a replacement pod battery",
    model_version: str = "e2e",
) -> str:
    """Insert an open degradation alert, expected in 3-9 days, through its own engine; its id."""
    engine = create_engine(f"sqlite:///{sqlite_path}")
    now, alert_id = datetime.now(UTC), str(uuid.uuid4())
    with Session(engine) as session:
        session.add(
            Alert(
                alert_id=alert_id,
                device_id=device_id,
                severity=severity,
                predicted_issue_type=issue,
                predicted_timeframe="3-9 days",
                recommended_actions=[action],
                confidence=0.9,
                health_score=40.0,
                health_trend_context={},
                model_version=model_version,
                created_at=now,
                updated_at=now,
                status="open",
                kind="degradation",
                evidence_at=now,
                predicted_failure_at=now + timedelta(days=5),
                predicted_earliest_at=now + timedelta(days=3),
                predicted_latest_at=now + timedelta(days=9),
            )
        )
        session.commit()
    engine.dispose()
    return alert_id
