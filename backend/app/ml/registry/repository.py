"""Every SQL statement of the model registry; callers own the transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models_ml import MLDeployment, MLModelVersion
from app.ml.registry.records import DeploymentRecord, ModelInfo

SWITCH_LOCK_KEY = 0x44774D4D  # "DwMM": serialises model switches on PostgreSQL


def to_info(row: MLModelVersion) -> ModelInfo:
    """The public record of a registry row."""
    details = row.details or {}
    return ModelInfo(
        version=row.version,
        sha256=row.sha256,
        created_at=row.created_at,
        registered_at=row.registered_at,
        is_active=row.is_active,
        model_class=str(details.get("model_class", "")),
        features=list(details.get("features") or []),
        metrics=dict(details.get("metrics") or {}),
        training_data=dict(details.get("training_data") or {}),
        settings=dict(details.get("settings") or {}),
    )


class RegistryRepository:
    """Model versions and deployments in the SQL store."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, version: str) -> MLModelVersion | None:
        """The row of ``version``, if registered."""
        return self.session.scalar(select(MLModelVersion).where(MLModelVersion.version == version))

    def all_versions(self) -> list[MLModelVersion]:
        """Every registered version, oldest registration first."""
        return list(self.session.scalars(select(MLModelVersion).order_by(MLModelVersion.id)))

    def active(self) -> MLModelVersion | None:
        """The row carrying the active flag, if any."""
        return self.session.scalar(select(MLModelVersion).where(MLModelVersion.is_active))

    def add(
        self, version: str, sha256: str, created_at: datetime, details: Mapping[str, Any]
    ) -> MLModelVersion:
        """Register a verified artifact (not active)."""
        row = MLModelVersion(
            version=version, sha256=sha256, created_at=created_at, details=dict(details)
        )
        self.session.add(row)
        self.session.flush()
        return row

    def switch(self, version: str, action: str, actor: str, reason: str) -> str | None:
        """Move the active flag to ``version`` and record it; returns the previous version."""
        if self.session.get_bind().dialect.name == "postgresql":
            # concurrent switches queue here instead of failing on the one-active index
            self.session.execute(select(func.pg_advisory_xact_lock(SWITCH_LOCK_KEY)))
        # clear first (the index allows one flagged row at any time); the same statement
        # opens the write transaction on SQLite and tells us what was active
        previous = self.session.scalar(
            update(MLModelVersion)
            .where(MLModelVersion.is_active)
            .values(is_active=False)
            .returning(MLModelVersion.version)
        )
        self.session.execute(
            update(MLModelVersion).where(MLModelVersion.version == version).values(is_active=True)
        )
        self.session.add(
            MLDeployment(
                version=version,
                previous_version=previous,
                action=action,
                actor=actor,
                reason=reason,
                switched_at=utcnow(),
            )
        )
        self.session.flush()
        return previous

    def last_deployment(self) -> MLDeployment | None:
        """The most recent switch."""
        return self.session.scalar(select(MLDeployment).order_by(MLDeployment.id.desc()).limit(1))

    def history(self) -> list[DeploymentRecord]:
        """Every switch, oldest first, with the time the version stopped being active."""
        rows = list(self.session.scalars(select(MLDeployment).order_by(MLDeployment.id)))
        ends: list[datetime | None] = [row.switched_at for row in rows[1:]] + [None]
        return [
            DeploymentRecord(
                version=row.version,
                previous_version=row.previous_version,
                action=row.action,
                actor=row.actor,
                reason=row.reason,
                active_from=row.switched_at,
                active_until=end,
            )
            for row, end in zip(rows, ends, strict=True)
        ]
