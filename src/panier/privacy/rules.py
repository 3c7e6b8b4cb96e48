"""Pure GDPR rules: breach deadlines, retention cut-offs, anonymised values.

Sources: GDPR art. 33 (72 hours to notify the supervisory authority),
CNIL NS-048 art. 5 (3 years of marketing after the end of the relationship),
C. com. L123-22 (accounting documents kept 10 years).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

BREACH_NOTIFY_WITHIN = timedelta(hours=72)
ACCOUNTING_RETENTION_YEARS = 10
ERASED_EMAIL_DOMAIN = "erased.invalid"


def breach_deadline(detected_at: datetime) -> datetime:
    """The latest moment to notify the CNIL: 72 hours after becoming aware (art. 33(1))."""
    return detected_at + BREACH_NOTIFY_WITHIN


@dataclass(frozen=True, slots=True)
class BreachClock:
    deadline: datetime
    seconds_left: int  # negative once the deadline has passed
    is_overdue: bool


def breach_clock(*, detected_at: datetime, notified_at: datetime | None, now: datetime) -> BreachClock:
    """Time left to notify; once notified, measured at the notification."""
    deadline = breach_deadline(detected_at)
    at = notified_at or now
    left = int((deadline - at).total_seconds())
    return BreachClock(deadline, left, left < 0)


def duration_text_parts(seconds: int) -> tuple[int, int]:
    """Split a positive or negative duration into whole hours and minutes (absolute)."""
    seconds = abs(seconds)
    return seconds // 3600, (seconds % 3600) // 60


def retention_cutoff(*, now: datetime, days: int) -> datetime:
    """Anything whose last activity is before this moment has outlived ``days``."""
    return now - timedelta(days=days)


def is_inactive(*, last_activity: datetime | None, joined_at: datetime, now: datetime, days: int) -> bool:
    """A customer is inactive when neither their last activity nor, without one,
    their sign-up is within ``days`` of ``now``."""
    reference = max(last_activity, joined_at) if last_activity else joined_at
    return reference < retention_cutoff(now=now, days=days)


def erased_email(user_id: int) -> str:
    """A unique, undeliverable address for an erased account (RFC 2606 ``.invalid``)."""
    return f"erased-{user_id}@{ERASED_EMAIL_DOMAIN}"
