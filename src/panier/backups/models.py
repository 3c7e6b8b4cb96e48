"""The journal of backups and restore drills, read by the operator dashboard."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RunKind(models.TextChoices):
    BACKUP = "backup", _("Backup")
    DRILL = "drill", _("Restore drill")


class BackupRun(models.Model):
    """One backup or restore drill, successful or not."""

    kind = models.CharField(max_length=10, choices=RunKind.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    ok = models.BooleanField()
    archive = models.CharField(max_length=100, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    # One entry per destination: {"url": ..., "ok": bool, "error": str}.
    destinations = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "ok", "-finished_at"], name="backuprun_last_good")]

    def __str__(self) -> str:
        return f"{self.kind} {self.archive} {'ok' if self.ok else 'failed'}"
