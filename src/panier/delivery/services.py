"""Slot bookings, claimed with conditional updates, and slots generated from schedules."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F

from panier.core.transactions import update_returning
from panier.delivery import rules
from panier.delivery.errors import CutoffPassed, ScheduleInvalid, SlotFull, SlotNotFound
from panier.delivery.models import Closure, Schedule, Slot, SpecialDay
from panier.hubs.models import Hub

logger = logging.getLogger(__name__)


def slot_book(*, slot_id: int, hub_id: int, kind: str, now: datetime) -> Slot:
    """Book one place in a slot whose cut-off has not passed.

    Must run inside the transaction that creates the order.
    Raises SlotNotFound, CutoffPassed or SlotFull.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("slot_book must run inside a transaction")
    # One statement books the place and returns the slot; the slot is read
    # apart only to say why a booking was refused.
    booked = update_returning(
        Slot,
        assignments="booked = booked + 1",
        where="id = %s AND hub_id = %s AND kind = %s AND cutoff_at > %s AND booked < capacity",
        params=[slot_id, hub_id, kind, now],
    )
    if booked:
        return booked[0]
    slot = Slot.objects.filter(pk=slot_id, hub_id=hub_id, kind=kind).first()
    if slot is None:
        raise SlotNotFound(field="slot")
    if slot.cutoff_at <= now:
        raise CutoffPassed(field="slot")
    raise SlotFull(field="slot")


def slot_release(*, slot_id: int) -> None:
    """Give back one place in a slot (cancelled or unpaid order)."""
    Slot.objects.filter(pk=slot_id, booked__gt=0).update(booked=F("booked") - 1)


# Slot generation ------------------------------------------------------------------


@dataclass
class SlotsReport:
    """What ``slots_generate`` did, counted per outcome."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    kept_with_orders: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _schedule_inputs(hub: Hub) -> tuple[list, list, list]:
    windows = [s.window() for s in Schedule.objects.filter(hub=hub, is_active=True)]
    closures = [c.rule() for c in Closure.objects.filter(hub=hub)]
    specials = [s.window() for s in SpecialDay.objects.filter(hub=hub)]
    return windows, closures, specials


def slots_generate(
    *,
    hub: Hub,
    weeks: int,
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
) -> SlotsReport:
    """Create the slots the hub's schedules call for over the next ``weeks``.

    Idempotent: a generated slot carries its origin key (unique per hub), so
    running it again creates nothing new. A generated slot with no order
    follows its schedule (times, capacity, cut-off) and disappears when the
    schedule no longer calls for it (closure, schedule removed). A slot that
    holds orders, even cancelled ones, is never changed or removed; it is
    listed in ``kept_with_orders``. Slots made by hand are left alone.
    ``progress(done, total)`` is called after each day. One short
    transaction per day keeps locks brief.
    """
    if weeks < 1 or weeks > 52:
        raise ScheduleInvalid(field="weeks")
    tz = ZoneInfo(hub.timezone)
    first_day = now.astimezone(tz).date()
    days = weeks * 7
    windows, closures, specials = _schedule_inputs(hub)
    planned = rules.slots_plan(
        windows=windows, closures=closures, specials=specials, tz=tz, first_day=first_day, days=days, now=now
    )
    by_day: dict[date, list[rules.PlannedSlot]] = {}
    for p in planned:
        by_day.setdefault(p.starts_at.astimezone(tz).date(), []).append(p)
    report = SlotsReport()
    for n in range(days):
        day = first_day + timedelta(days=n)
        start = rules.local_instant(day, time.min, tz)
        end = rules.local_instant(day + timedelta(days=1), time.min, tz)
        with transaction.atomic():
            _sync_day(hub, by_day.get(day, []), start, end, now, report)
        if progress is not None:
            progress(n + 1, days)
    logger.info(
        "slots.generated",
        extra={"hub_id": hub.pk, "slots_created": report.created, "slots_updated": report.updated, "slots_removed": report.removed},
    )
    return report


def _sync_day(hub, planned, start, end, now, report: SlotsReport) -> None:
    # Two runs for the same hub take turns (the hub row is the lock), so a
    # slot is never created twice; bookings do not take this lock.
    Hub.objects.select_for_update(of=("self",)).filter(pk=hub.pk).first()
    # Locked in pk order so a booking cannot slip in between the check for
    # orders and the update of an empty slot.
    existing = {
        s.origin: s
        for s in Slot.objects.select_for_update(of=("self",))
        .filter(hub=hub, starts_at__gte=start, starts_at__lt=end)
        .exclude(origin="")
        .order_by("pk")
    }
    # Cancelled orders still point at their slot: it stays as history.
    with_orders = set(
        Slot.objects.filter(pk__in=[s.pk for s in existing.values()], orders__isnull=False)
        .values_list("pk", flat=True)
        .distinct()
    )
    for slot in existing.values():
        slot.n_orders = 1 if slot.pk in with_orders else 0
    wanted = {p.key for p in planned}
    for p in planned:
        slot = existing.get(p.key)
        if slot is None:
            # The key may sit on another day if the window moved across midnight.
            if Slot.objects.filter(hub=hub, origin=p.key).exists():
                report.unchanged += 1
                continue
            Slot.objects.create(
                hub=hub, kind=p.kind, pickup_point_id=p.pickup_point_id, starts_at=p.starts_at,
                ends_at=p.ends_at, cutoff_at=p.cutoff_at, capacity=p.capacity, origin=p.key,
            )
            report.created += 1
            continue
        same = (
            slot.starts_at == p.starts_at and slot.ends_at == p.ends_at
            and slot.cutoff_at == p.cutoff_at and slot.capacity == p.capacity
            and slot.pickup_point_id == p.pickup_point_id and slot.kind == p.kind
        )
        if same:
            report.unchanged += 1
        elif slot.booked or slot.n_orders:
            report.kept_with_orders.append(p.key)
        else:
            Slot.objects.filter(pk=slot.pk).update(
                kind=p.kind, pickup_point_id=p.pickup_point_id, starts_at=p.starts_at, ends_at=p.ends_at,
                cutoff_at=p.cutoff_at, capacity=p.capacity,
            )
            report.updated += 1
    for key, slot in existing.items():
        if key in wanted or slot.cutoff_at <= now:
            continue  # past slots are history, whatever the schedule says now
        if slot.booked or slot.n_orders:
            report.kept_with_orders.append(key)
        else:
            slot.delete()
            report.removed += 1
