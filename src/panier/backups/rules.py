"""Pure rules of backups: archive names, retention, freshness."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

ARCHIVE_SUFFIX = ".pbk"
_NAME = re.compile(r"^panier-(\d{8}T\d{6}Z)\.pbk$")


def archive_name(created_at: datetime) -> str:
    """Return the archive name for a backup taken at ``created_at`` (UTC)."""
    return "panier-" + created_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") + ARCHIVE_SUFFIX


def archive_time(name: str) -> datetime | None:
    """Return when the archive called ``name`` was taken, or None for other files."""
    match = _NAME.match(name)
    if not match:
        return None
    return datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Retention:
    """How many archives to keep: the newest of each of the last N days, weeks, months."""

    daily: int = 7
    weekly: int = 4
    monthly: int = 12


def retention_keep(names: Iterable[str], policy: Retention) -> set[str]:
    """Return the archive names to keep under ``policy`` (grandfather-father-son).

    For each period kind, the newest archive of each of the ``N`` most recent
    periods that have an archive is kept. Names that are not archives are
    always kept: retention never deletes what it does not understand. The
    newest archive is always kept, even with a policy of zeros.
    """
    names = list(names)
    dated = sorted(((t, n) for n in names if (t := archive_time(n)) is not None), reverse=True)
    keep = {n for n in names if archive_time(n) is None}
    if dated:
        keep.add(dated[0][1])
    periods = (
        (policy.daily, lambda t: t.date()),
        (policy.weekly, lambda t: t.isocalendar()[:2]),
        (policy.monthly, lambda t: (t.year, t.month)),
    )
    for count, period_of in periods:
        seen: list[object] = []
        for when, name in dated:
            period = period_of(when)
            if period in seen:
                continue
            if len(seen) >= count:
                break
            seen.append(period)
            keep.add(name)
    return keep


def is_stale(last: datetime | None, *, max_age: timedelta, now: datetime) -> bool:
    """A last good run is stale when there is none or it is older than ``max_age``."""
    return last is None or now - last > max_age
