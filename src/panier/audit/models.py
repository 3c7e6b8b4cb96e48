"""The audit log: who viewed, exported or changed personal and financial data.

Rows are only ever inserted. On PostgreSQL a trigger refuses UPDATE and
DELETE (DELETE is let through only inside a retention purge, see
``audit_purge``); on every database the model and its queryset refuse
them too. Each row is chained to the previous row of its chain by an
HMAC, so a change made behind the application's back is found by
``panier audit verify``.
"""

from datetime import UTC

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from panier.audit.errors import AuditImmutable
from panier.hubs.models import Hub


class AuditAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    EXPORT = "export", _("Exported")
    DOWNLOAD = "download", _("Downloaded")
    CHANGE = "change", _("Changed")
    CREATE = "create", _("Created")
    ERASE = "erase", _("Erased")
    PURGE = "purge", _("Purged (retention)")


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk updates and deletes would bypass the per-row guard: both refuse."""

    def update(self, **kwargs):
        raise AuditImmutable()

    def delete(self):
        raise AuditImmutable()


class AuditChain(models.Model):
    """The head of one hash chain (one per hub, plus ``global``).

    Its row is locked while an entry is appended, which orders the
    entries of a chain and serialises the daily export counts.
    """

    key = models.CharField(max_length=40, unique=True)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.key} #{self.last_seq}"


class AuditEntry(models.Model):
    """One access to, or change of, personal or financial data."""

    chain_key = models.CharField(max_length=40)
    seq = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(db_index=True)
    # No database constraint: an erased account keeps its id in the log,
    # and deleting an account must never rewrite audit rows.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    hub = models.ForeignKey(
        Hub, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64, blank=True)
    fields = models.JSONField(default=list, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    rows = models.PositiveIntegerField(null=True, blank=True)
    ip_prefix = models.CharField(max_length=50, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["hub", "created_at"]),
            models.Index(fields=["hub", "action", "created_at"]),
            models.Index(fields=["object_type", "object_id"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["chain_key", "seq"], name="auditentry_chain_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.chain_key}#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AuditImmutable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutable()

    def payload(self) -> dict:
        """The hashed content of the entry (everything but the hashes)."""
        return {
            "chain": self.chain_key,
            "seq": self.seq,
            "at": self.created_at.astimezone(UTC).isoformat(),
            "actor": self.actor_id,
            "hub": self.hub_id,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "fields": list(self.fields),
            "changes": dict(self.changes),
            "rows": self.rows,
            "ip": self.ip_prefix,
            "ua": self.user_agent,
        }
