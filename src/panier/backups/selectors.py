"""Reads of the backup journal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from panier.backups.models import BackupRun, RunKind
from panier.backups.rules import is_stale
from panier.core import clock


@dataclass(frozen=True, slots=True)
class BackupStatus:
    last_backup: BackupRun | None
    last_drill: BackupRun | None
    last_failure: BackupRun | None
    rpo: timedelta
    drill_every: timedelta
    backup_stale: bool
    drill_stale: bool

    @property
    def rpo_hours(self) -> int:
        return int(self.rpo.total_seconds() // 3600)

    @property
    def healthy(self) -> bool:
        return not (self.backup_stale or self.drill_stale)


def backup_status(*, now: datetime | None = None) -> BackupStatus:
    """Return the last good backup and drill, and whether each is too old.

    A backup is stale when older than PANIER_BACKUP_RPO_HOURS (the recovery
    point objective); a drill when older than PANIER_BACKUP_DRILL_EVERY_DAYS.
    Three queries.
    """
    now = now or clock.now()
    rpo = timedelta(hours=settings.PANIER_BACKUP_RPO_HOURS)
    drill_every = timedelta(days=settings.PANIER_BACKUP_DRILL_EVERY_DAYS)
    good = BackupRun.objects.filter(ok=True).order_by("-finished_at")
    last_backup = good.filter(kind=RunKind.BACKUP).first()
    last_drill = good.filter(kind=RunKind.DRILL).first()
    last_failure = BackupRun.objects.filter(ok=False).order_by("-finished_at").first()
    return BackupStatus(
        last_backup=last_backup,
        last_drill=last_drill,
        last_failure=last_failure,
        rpo=rpo,
        drill_every=drill_every,
        backup_stale=is_stale(last_backup and last_backup.finished_at, max_age=rpo, now=now),
        drill_stale=is_stale(last_drill and last_drill.finished_at, max_age=drill_every, now=now),
    )
