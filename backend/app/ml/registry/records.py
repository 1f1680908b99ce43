"""Plain records the model registry hands out (no ORM objects leave the repository)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ModelInfo:
    """One registered model version and what its signed metadata says about it."""

    version: str
    sha256: str
    created_at: datetime
    registered_at: datetime
    is_active: bool
    model_class: str
    features: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    training_data: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DeploymentRecord:
    """One switch of the active model: what became active, when, by whom and why."""

    version: str
    previous_version: str | None
    action: str
    actor: str
    reason: str
    active_from: datetime
    active_until: datetime | None


@dataclass(frozen=True)
class PerformanceMetrics:
    """Evaluation metrics of the active model plus its measured scoring latency."""

    version: str
    accuracy: float | None
    precision: float | None
    recall: float | None
    latency_ms: float | None
    latency_samples: int
