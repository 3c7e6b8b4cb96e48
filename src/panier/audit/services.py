"""Writing to the audit log.

``audit_record`` is the one call views make, once per page or download
that shows, exports or changes personal or financial data.
``export_record`` also enforces the daily export caps and alerts the hub
owner. Both append inside a short transaction that locks the head of the
hub's chain; no network call happens there (alerts leave on commit).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Sum
from django.http import HttpRequest

from panier.audit import rules
from panier.audit.errors import ExportCapReached
from panier.audit.models import AuditAction, AuditChain, AuditEntry
from panier.core import clock
from panier.hubs.models import Hub, HubRole, HubStaff
from panier.notifications.services import email_send_on_commit

logger = logging.getLogger(__name__)

GLOBAL_CHAIN = "global"


def audit_key() -> bytes:
    """The HMAC key of the chains: ``PANIER_AUDIT_KEY``, else derived from ``SECRET_KEY``."""
    secret = getattr(settings, "PANIER_AUDIT_KEY", "") or settings.SECRET_KEY
    return hashlib.sha256(b"panier-audit:" + secret.encode("utf-8")).digest()


def chain_key_for(hub: Hub | None) -> str:
    return f"hub:{hub.pk}" if hub is not None else GLOBAL_CHAIN


def _chain_locked(key: str) -> AuditChain:
    """Lock the head of chain ``key``, creating it on first use (the caller is in a transaction)."""
    chain = AuditChain.objects.select_for_update().filter(key=key).first()
    if chain is None:
        AuditChain.objects.bulk_create(
            [AuditChain(key=key, last_hash=rules.GENESIS_HASH)], ignore_conflicts=True
        )
        chain = AuditChain.objects.select_for_update().get(key=key)
    return chain


def _request_meta(request: HttpRequest | None) -> tuple[str, str]:
    if request is None:
        return "", ""
    prefix = rules.ip_prefix(request.META.get("REMOTE_ADDR"))
    agent = (request.META.get("HTTP_USER_AGENT") or "")[:200]
    return prefix, agent


def _actor(actor: Any, request: HttpRequest | None) -> Any:
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        return None
    return actor


def _append(chain: AuditChain, entry: AuditEntry) -> AuditEntry:
    """Chain ``entry`` after ``chain``'s head (locked by the caller) and insert it."""
    entry.chain_key = chain.key
    entry.seq = chain.last_seq + 1
    entry.prev_hash = chain.last_hash
    entry.hash = rules.entry_hash(key=audit_key(), prev_hash=entry.prev_hash, payload=entry.payload())
    entry.save(force_insert=True)
    AuditChain.objects.filter(pk=chain.pk).update(last_seq=entry.seq, last_hash=entry.hash)
    chain.last_seq, chain.last_hash = entry.seq, entry.hash
    return entry


def _entry(
    *,
    action: str,
    object_type: str,
    object_id: Any,
    actor: Any,
    hub: Hub | None,
    fields: Iterable[str],
    changes: Mapping[str, Any] | None,
    rows: int | None,
    request: HttpRequest | None,
    now: datetime | None,
) -> AuditEntry:
    prefix, agent = _request_meta(request)
    actor = _actor(actor, request)
    return AuditEntry(
        created_at=now or clock.now(),
        actor_id=actor.pk if actor is not None else None,
        hub_id=hub.pk if hub is not None else None,
        action=AuditAction(action).value,
        object_type=object_type[:40],
        object_id="" if object_id is None else str(object_id)[:64],
        fields=[str(name) for name in fields],
        changes=rules.changes_redact(changes or {}),
        rows=rows,
        ip_prefix=prefix,
        user_agent=agent,
    )


def audit_record(
    *,
    action: str,
    object_type: str,
    object_id: Any = "",
    actor: Any = None,
    hub: Hub | None = None,
    fields: Iterable[str] = (),
    changes: Mapping[str, Any] | None = None,
    rows: int | None = None,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Append one entry to the hub's audit chain (the global chain without a hub).

    ``actor`` defaults to the request's user. ``fields`` names what was
    shown or changed; ``changes`` may carry before/after values, and the
    values of secret fields (passwords, tokens, card data) are replaced
    by a marker. Only the network prefix of the client's address is kept.
    Raises ``ValueError`` for an unknown ``action``.
    """
    entry = _entry(
        action=action, object_type=object_type, object_id=object_id, actor=actor, hub=hub,
        fields=fields, changes=changes, rows=rows, request=request, now=now,
    )
    # No savepoint: nothing here is expected to fail, and a page records
    # its visit with as few queries as possible.
    with transaction.atomic(savepoint=False):
        chain = _chain_locked(chain_key_for(hub))
        return _append(chain, entry)


def export_limits() -> rules.ExportLimits:
    return rules.ExportLimits(
        rows_per_user=settings.PANIER_EXPORT_MAX_ROWS_PER_USER_DAY,
        rows_per_hub=settings.PANIER_EXPORT_MAX_ROWS_PER_HUB_DAY,
        alert_rows=settings.PANIER_EXPORT_ALERT_ROWS,
    )


def _rows_exported(hub: Hub, start: datetime, end: datetime, **filters: Any) -> int:
    total = AuditEntry.objects.filter(
        hub=hub, action=AuditAction.EXPORT, created_at__gte=start, created_at__lt=end, **filters
    ).aggregate(total=Sum("rows"))["total"]
    return int(total or 0)


def hub_owner_emails(*, hub: Hub) -> list[str]:
    """Where privacy alerts go: the hub owners, else the hub's contact address."""
    emails = sorted(
        HubStaff.objects.filter(hub=hub, role=HubRole.OWNER, user__is_active=True).values_list(
            "user__email", flat=True
        )
    )
    return emails or [hub.email]


def export_record(
    *,
    actor: Any,
    hub: Hub,
    object_type: str,
    rows: int,
    columns: Iterable[str],
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Record a bulk export of ``rows`` rows of ``columns``, within the daily caps.

    The caps count rows per user and per hub over the hub-local day
    (settings ``PANIER_EXPORT_MAX_ROWS_PER_USER_DAY`` and ``…_PER_HUB_DAY``).
    A refused export is recorded too (with ``rows`` 0 and the reason) and
    raises ``ExportCapReached``. The hub owners get an e-mail, after
    commit, when the user's day total crosses ``PANIER_EXPORT_ALERT_ROWS``,
    when an export runs in the hub's night hours, or when a cap refuses one.
    """
    now = now or clock.now()
    tz = ZoneInfo(hub.timezone)
    start, end = rules.local_day_bounds(now.astimezone(tz).date(), tz)
    night_start, night_end = settings.PANIER_EXPORT_NIGHT_HOURS
    at_night = rules.is_night(now, tz, start_hour=night_start, end_hour=night_end)
    columns = list(columns)
    with transaction.atomic():
        chain = _chain_locked(chain_key_for(hub))
        user_rows = _rows_exported(hub, start, end, actor_id=actor.pk)
        hub_rows = _rows_exported(hub, start, end)
        decision = rules.export_decide(
            rows=rows, user_rows_today=user_rows, hub_rows_today=hub_rows, limits=export_limits(),
            at_night=at_night,
        )
        entry = _entry(
            action=AuditAction.EXPORT,
            object_type=object_type,
            object_id="",
            actor=actor,
            hub=hub,
            fields=columns,
            changes={"refused": decision.reason} if not decision.allowed else {"requested_rows": rows},
            rows=rows if decision.allowed else 0,
            request=request,
            now=now,
        )
        _append(chain, entry)
        if decision.alert:
            email_send_on_commit(
                to=hub_owner_emails(hub=hub),
                template="audit/email/export_alert",
                context={
                    "hub": hub,
                    "actor_email": actor.email,
                    "rows": rows,
                    "user_rows": user_rows + (rows if decision.allowed else 0),
                    "refused": decision.reason,
                    "at_night": at_night,
                    "at": now.astimezone(tz),
                    "object_type": object_type,
                },
            )
    logger.info(
        "audit.export", extra={"hub_id": hub.pk, "user_id": actor.pk, "rows": rows, "refused": decision.reason}
    )
    if not decision.allowed:
        raise ExportCapReached(reason=decision.reason)
    return entry


def audit_purge(*, before: datetime, dry_run: bool = False) -> dict[str, int]:
    """Delete, chain by chain, the entries older than ``before`` (retention).

    Only a prefix of each chain is removed, and a ``purge`` entry is then
    appended that records how many rows went and the hash the remaining
    chain now starts from, so ``panier audit verify`` still proves the
    rest. Returns the number of rows removed (or that would be) per chain.
    """
    removed: dict[str, int] = {}
    keys = list(AuditChain.objects.order_by("key").values_list("key", flat=True))
    for key in keys:
        old = AuditEntry.objects.filter(chain_key=key, created_at__lt=before).exclude(action=AuditAction.PURGE)
        last = old.order_by("-seq").values("seq").first()
        if last is None:
            continue
        through = last["seq"]
        doomed = AuditEntry.objects.filter(chain_key=key, seq__lte=through)
        if dry_run:
            removed[key] = doomed.count()
            continue
        with transaction.atomic():
            chain = _chain_locked(key)
            resume = AuditEntry.objects.get(chain_key=key, seq=through).hash
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('panier.audit_purge', 'on', true)")
            count, _ = models.QuerySet.delete(doomed)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('panier.audit_purge', 'off', true)")
            hub_id = int(key.split(":", 1)[1]) if key.startswith("hub:") else None
            entry = AuditEntry(
                created_at=clock.now(),
                hub_id=hub_id,
                action=AuditAction.PURGE,
                object_type="audit_entry",
                object_id=str(through),
                changes={"resume_hash": resume, "deleted": count, "through_seq": through},
                rows=count,
            )
            _append(chain, entry)
        removed[key] = count
    return removed
