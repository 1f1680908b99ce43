"""The notification settings, read once from ``Settings`` into one frozen object."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from app.core.config import Settings

SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")


def severity_rank(severity: str) -> int:
    """0 for LOW ... 3 for CRITICAL (-1 for anything else)."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else -1


@dataclass(frozen=True)
class NotifyConfig:
    """NOTIFY_* settings as the notification steps use them."""

    enabled: bool = True
    poll_seconds: float = 5.0
    group_wait: timedelta = timedelta(seconds=60)
    max_attempts: int = 8
    retry_base_seconds: float = 30.0
    retry_max_seconds: float = 3600.0
    lease: timedelta = timedelta(seconds=120)
    timeout_seconds: float = 10.0
    escalation_after: timedelta = timedelta(minutes=30)
    escalation_severity: str = "CRITICAL"
    reminder_every: timedelta | None = timedelta(minutes=60)
    inhibit_battery_severity: str = "HIGH"
    dashboard_url: str = ""
    retention: timedelta | None = timedelta(days=90)

    @classmethod
    def from_settings(cls, settings: Settings) -> NotifyConfig:
        """Build from the NOTIFY_* settings."""
        reminders, kept = settings.notify_reminder_minutes, settings.notify_retention_days
        return cls(
            enabled=settings.notify_enabled,
            poll_seconds=settings.notify_poll_seconds,
            group_wait=timedelta(seconds=settings.notify_group_wait_seconds),
            max_attempts=settings.notify_max_attempts,
            retry_base_seconds=settings.notify_retry_base_seconds,
            retry_max_seconds=settings.notify_retry_max_seconds,
            lease=timedelta(seconds=settings.notify_lease_seconds),
            timeout_seconds=settings.notify_timeout_seconds,
            escalation_after=timedelta(minutes=settings.notify_escalation_minutes),
            escalation_severity=settings.notify_escalation_severity.value,
            reminder_every=timedelta(minutes=reminders) if reminders else None,
            inhibit_battery_severity=settings.notify_inhibit_battery_severity.value,
            dashboard_url=settings.notify_dashboard_url,
            retention=timedelta(days=kept) if kept else None,
        )

    def retry_delay(self, attempts: int) -> timedelta:
        """Wait before the next try after ``attempts`` failed ones: doubling, capped."""
        seconds = self.retry_base_seconds * 2 ** max(attempts - 1, 0)
        return timedelta(seconds=min(seconds, self.retry_max_seconds))
