"""Reading the audit log: the operator's filtered list, the export chart, verification."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate

from panier.audit import rules
from panier.audit.models import AuditAction, AuditChain, AuditEntry
from panier.hubs.access import AUDIT_VIEW, role_allows
from panier.hubs.models import Hub, HubStaff


def can_review_audit(*, user, hub: Hub) -> bool:
    """Whether ``user`` may read the hub's audit log (superusers, and roles with ``audit.view``)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    roles = HubStaff.objects.filter(hub=hub, user=user).values_list("role", flat=True)
    return any(role_allows(role, AUDIT_VIEW) for role in roles)


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    object_type: str = ""
    actor_email: str = ""
    since: date | None = None
    until: date | None = None


def audit_entries(*, hub: Hub, flt: AuditFilter) -> QuerySet[AuditEntry]:
    """A hub's entries, newest first, narrowed by ``flt`` (dates in hub time)."""
    tz = ZoneInfo(hub.timezone)
    qs = AuditEntry.objects.filter(hub=hub).select_related("actor")
    if flt.action:
        qs = qs.filter(action=flt.action)
    if flt.object_type:
        qs = qs.filter(object_type=flt.object_type)
    if flt.actor_email:
        qs = qs.filter(actor__email__iexact=flt.actor_email)
    if flt.since:
        qs = qs.filter(created_at__gte=rules.local_day_bounds(flt.since, tz)[0])
    if flt.until:
        qs = qs.filter(created_at__lt=rules.local_day_bounds(flt.until, tz)[1])
    return qs.order_by("-created_at", "-pk")


def audit_object_types(*, hub: Hub) -> list[str]:
    return list(
        AuditEntry.objects.filter(hub=hub).order_by("object_type").values_list("object_type", flat=True).distinct()
    )


@dataclass(frozen=True)
class DayCount:
    day: date
    exports: int
    rows: int


def exports_per_day(*, hub: Hub, today: date, days: int = 30) -> list[DayCount]:
    """Exports and exported rows per day of the hub's calendar for the last ``days`` days, zeros included.

    ``today`` is the hub's local date (``timezone.localdate`` in the hub's
    zone): days are cut at the hub's midnight, in the query as in the range.
    """
    zone = ZoneInfo(hub.timezone)
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=zone)
    counted = {
        row["day"]: row
        for row in AuditEntry.objects.filter(hub=hub, action=AuditAction.EXPORT, created_at__gte=start)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values("day")
        .annotate(exports=Count("pk"), rows=Sum("rows"))
        .order_by()
    }
    result = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        row = counted.get(day)
        result.append(DayCount(day, row["exports"] if row else 0, int(row["rows"] or 0) if row else 0))
    return result


def chain_rows(*, key: str, chunk_size: int = 2000) -> Iterator[rules.ChainRow]:
    """The entries of one chain in order, as the verifier wants them."""
    qs = AuditEntry.objects.filter(chain_key=key).order_by("seq")
    for entry in qs.iterator(chunk_size=chunk_size):
        yield rules.ChainRow(entry.pk, entry.seq, entry.prev_hash, entry.hash, entry.payload())


@dataclass(frozen=True)
class ChainReport:
    key: str
    rows: int
    problems: list[rules.ChainProblem]


def audit_verify(*, key: bytes, progress: Callable[[str, int], None] | None = None) -> list[ChainReport]:
    """Verify every chain: links, hashes, no gaps, and the head matching the last row.

    A chain may start after a retention purge only from a hash that a
    ``purge`` entry of the same chain recorded.
    """
    reports = []
    for chain in AuditChain.objects.order_by("key"):
        starts = frozenset(
            entry.changes.get("resume_hash", "")
            for entry in AuditEntry.objects.filter(chain_key=chain.key, action=AuditAction.PURGE)
        )
        counted = 0
        last: rules.ChainRow | None = None

        def rows_counted(chain_key: str = chain.key) -> Iterator[rules.ChainRow]:
            nonlocal counted, last
            for row in chain_rows(key=chain_key):
                counted += 1
                last = row
                if progress and counted % 5000 == 0:
                    progress(chain_key, counted)
                yield row

        problems = rules.chain_verify(rows_counted(), key=key, start_hashes=starts)
        if last is None and chain.last_seq:
            problems.append(rules.ChainProblem(0, chain.last_seq, "tail_missing"))
        elif last is not None and (last.seq != chain.last_seq or last.hash != chain.last_hash):
            problems.append(rules.ChainProblem(last.pk, last.seq, "tail_missing"))
        reports.append(ChainReport(chain.key, counted, problems))
    return reports
