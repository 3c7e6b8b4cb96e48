"""Slot generation racing itself and racing bookings (PostgreSQL only)."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from django.db import transaction

from panier.delivery.models import Schedule, Slot, SlotKind
from panier.delivery.services import slot_book, slots_generate
from tests.concurrency.test_races import kinds, race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
NOW = datetime(2027, 5, 10, 10, 0, tzinfo=UTC)


def weekly(shop, capacity):
    return Schedule.objects.create(
        hub=shop.hub, kind=SlotKind.DELIVERY, weekdays="135", start_time=time(9), end_time=time(12),
        capacity=capacity, cutoff_days_before=1, cutoff_time=time(18),
    )


def test_ten_generation_runs_at_once_create_each_slot_once(shop):
    """Ten simultaneous runs all succeed and leave exactly one slot per window and day."""
    weekly(shop, 5)

    outcomes = race(10, lambda i: slots_generate(hub=shop.hub, weeks=2, now=NOW))

    assert kinds(outcomes) == {"ok": 10}
    assert sum(report.created for _, report in outcomes) == 6
    assert Slot.objects.filter(hub=shop.hub).exclude(origin="").count() == 6


def test_bookings_during_a_capacity_change_never_overbook(shop):
    """While the window's capacity drops from 5 to 2, twenty bookings race a regeneration:
    the slot keeps the capacity it had if anyone booked, and never holds more than it."""
    schedule = weekly(shop, 5)
    slots_generate(hub=shop.hub, weeks=1, now=NOW)
    slot = Slot.objects.filter(hub=shop.hub).exclude(origin="").order_by("starts_at").first()
    Schedule.objects.filter(pk=schedule.pk).update(capacity=2)

    def work(i):
        if i == 0:
            return slots_generate(hub=shop.hub, weeks=1, now=NOW)
        with transaction.atomic():
            return slot_book(slot_id=slot.pk, hub_id=shop.hub.pk, kind=SlotKind.DELIVERY, now=NOW)

    outcomes = race(21, work)

    slot.refresh_from_db()
    booked_ok = sum(1 for i, (kind, _) in enumerate(outcomes) if i and kind == "ok")
    assert outcomes[0][0] == "ok"
    assert slot.booked == booked_ok
    assert slot.booked <= slot.capacity
    assert (slot.capacity, slot.booked) in ((5, 5), (2, 2))
    assert kinds(outcomes[1:]) == {"ok": slot.booked, "SlotFull": 20 - slot.booked}
