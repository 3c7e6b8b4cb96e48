"""The current time, in one place, so that services can be given another."""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    """Return the current aware datetime in UTC."""
    return timezone.now()
