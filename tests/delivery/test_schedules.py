"""Slots generated from schedules, closures and special days; zones by shape."""

from datetime import UTC, date, datetime, time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from panier.delivery.errors import AddressNotServed, PostalCodeNotServed, ScheduleInvalid
from panier.delivery.models import Closure, Schedule, Slot, SlotKind, SpecialDay, Zone, ZoneKind
from panier.delivery.selectors import closure_list_upcoming, zone_for_address
from panier.delivery.services import slots_generate
from tests import factories

# Monday 10 May 2027, noon in Paris.
NOW = datetime(2027, 5, 10, 10, 0, tzinfo=UTC)


def saturday_deliveries(hub, **kw):
    fields = dict(
        hub=hub, kind=SlotKind.DELIVERY, weekdays="5", start_time=time(9), end_time=time(12), capacity=3,
        cutoff_days_before=2, cutoff_time=time(18),
    )
    fields.update(kw)
    return Schedule.objects.create(**fields)


def generated(hub):
    return list(Slot.objects.filter(hub=hub).exclude(origin="").order_by("starts_at"))


def test_generation_creates_the_weeks_slots_and_is_idempotent(shop):
    """Four weeks of Saturday deliveries and Wednesday pickups; running it again changes nothing."""
    saturday_deliveries(shop.hub)
    Schedule.objects.create(
        hub=shop.hub, kind=SlotKind.PICKUP, pickup_point=shop.pickup_point, weekdays="2", start_time=time(17),
        end_time=time(19), capacity=10, cutoff_days_before=1, cutoff_time=time(12),
    )

    first = slots_generate(hub=shop.hub, weeks=4, now=NOW)
    again = slots_generate(hub=shop.hub, weeks=4, now=NOW)

    slots = generated(shop.hub)
    assert (first.created, first.updated, first.removed) == (8, 0, 0)
    assert (again.created, again.updated, again.unchanged, again.removed) == (0, 0, 8, 0)
    assert len(slots) == 8
    saturday = [s for s in slots if s.kind == SlotKind.DELIVERY][0]
    assert (saturday.starts_at, saturday.cutoff_at) == (
        datetime(2027, 5, 15, 7, tzinfo=UTC), datetime(2027, 5, 13, 16, tzinfo=UTC)
    )
    assert {s.pickup_point_id for s in slots if s.kind == SlotKind.PICKUP} == {shop.pickup_point.pk}


def test_a_generated_slot_exists_once(shop):
    """The database refuses a second slot from the same origin."""
    saturday_deliveries(shop.hub)
    slots_generate(hub=shop.hub, weeks=1, now=NOW)
    slot = generated(shop.hub)[0]

    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.create(
            hub=shop.hub, kind=slot.kind, starts_at=slot.starts_at, ends_at=slot.ends_at, cutoff_at=slot.cutoff_at,
            capacity=1, origin=slot.origin,
        )


def test_changes_follow_the_schedule_except_in_slots_holding_orders(shop):
    """A new capacity reaches empty slots; a slot with an order keeps its terms."""
    schedule = saturday_deliveries(shop.hub)
    slots_generate(hub=shop.hub, weeks=2, now=NOW)
    booked, empty = generated(shop.hub)
    factories.placed_order(shop, [(0, 1)], slot=booked)
    schedule.capacity = 7
    schedule.save()

    report = slots_generate(hub=shop.hub, weeks=2, now=NOW)

    assert (report.updated, report.kept_with_orders) == (1, [booked.origin])
    booked.refresh_from_db()
    empty.refresh_from_db()
    assert (booked.capacity, booked.booked, empty.capacity) == (3, 1, 7)


def test_a_closure_removes_empty_slots_and_keeps_booked_ones(shop):
    """Closing the hub removes the slots nobody booked; an order's slot stays."""
    saturday_deliveries(shop.hub)
    slots_generate(hub=shop.hub, weeks=3, now=NOW)
    first, second, third = generated(shop.hub)
    factories.placed_order(shop, [(0, 1)], slot=second)
    Closure.objects.create(hub=shop.hub, first_day=date(2027, 5, 14), last_day=date(2027, 5, 23), reason="Holidays")

    report = slots_generate(hub=shop.hub, weeks=3, now=NOW)

    assert report.removed == 1
    assert report.kept_with_orders == [second.origin]
    assert [s.pk for s in generated(shop.hub)] == [second.pk, third.pk]
    assert Slot.objects.filter(pk=shop.delivery_slot.pk).exists()  # made by hand: untouched


def test_a_special_day_adds_or_replaces_windows(shop):
    """An extra window opens on a closed weekday; a replacing one takes the regular window's place."""
    saturday_deliveries(shop.hub)
    SpecialDay.objects.create(
        hub=shop.hub, day=date(2027, 5, 13), kind=SlotKind.DELIVERY, start_time=time(14), end_time=time(16),
        capacity=4, cutoff_days_before=1, cutoff_time=time(12), note="Ascension",
    )
    SpecialDay.objects.create(
        hub=shop.hub, day=date(2027, 5, 22), kind=SlotKind.DELIVERY, start_time=time(8), end_time=time(10),
        capacity=2, cutoff_days_before=1, cutoff_time=time(12), replaces=True,
    )

    slots_generate(hub=shop.hub, weeks=2, now=NOW)

    slots = generated(shop.hub)
    assert [(s.starts_at.date(), s.capacity) for s in slots] == [
        (date(2027, 5, 13), 4), (date(2027, 5, 15), 3), (date(2027, 5, 22), 2)
    ]


def test_a_generated_slot_keeps_its_capacity(shop):
    """Generated slots are booked like any other: the place after the last is refused."""
    from panier.delivery.errors import SlotFull
    from panier.delivery.services import slot_book

    saturday_deliveries(shop.hub, capacity=1)
    slots_generate(hub=shop.hub, weeks=1, now=NOW)
    slot = generated(shop.hub)[0]
    with transaction.atomic():
        slot_book(slot_id=slot.pk, hub_id=shop.hub.pk, kind=SlotKind.DELIVERY, now=NOW)

    with pytest.raises(SlotFull), transaction.atomic():
        slot_book(slot_id=slot.pk, hub_id=shop.hub.pk, kind=SlotKind.DELIVERY, now=NOW)


@pytest.mark.parametrize("weeks", [0, -1, 53])
def test_weeks_out_of_range_are_refused(shop, weeks):
    with pytest.raises(ScheduleInvalid) as exc:
        slots_generate(hub=shop.hub, weeks=weeks, now=NOW)
    assert exc.value.code == "schedule_invalid"


def test_slots_command_shows_progress_and_a_summary(shop):
    """`panier slots generate` prints its progress per week and what it did."""
    saturday_deliveries(shop.hub)
    out = StringIO()

    call_command("slots", "generate", "--hub", shop.hub.slug, "--weeks", "2", stdout=out)

    text = out.getvalue()
    assert "7/14 days" in text
    assert "14/14 days" in text
    assert "created" in text
    with pytest.raises(CommandError, match="no hub"):
        call_command("slots", "generate", "--hub", "nowhere", stdout=out)
    with pytest.raises(CommandError, match="schedule_invalid"):
        call_command("slots", "generate", "--hub", shop.hub.slug, "--weeks", "99", stdout=out)


def test_upcoming_closures_are_listed_for_customers(shop):
    Closure.objects.create(hub=shop.hub, first_day=date(2027, 1, 1), last_day=date(2027, 1, 2), reason="Past")
    Closure.objects.create(hub=shop.hub, first_day=date(2027, 8, 1), last_day=date(2027, 8, 15), reason="Summer")

    assert [c.reason for c in closure_list_upcoming(hub=shop.hub, today=date(2027, 5, 10))] == ["Summer"]


# Zones ----------------------------------------------------------------------------

SQUARE = [[43.70, 7.25], [43.70, 7.28], [43.72, 7.28], [43.72, 7.25]]


@pytest.fixture
def shaped(shop):
    shop.hub.latitude, shop.hub.longitude = 43.7102, 7.2620
    shop.hub.save()
    centre = Zone.objects.create(hub=shop.hub, name="Centre", kind=ZoneKind.POLYGON, polygon=SQUARE, fee_cents=300)
    around = Zone.objects.create(hub=shop.hub, name="15 km", kind=ZoneKind.RADIUS, radius_m=15_000, fee_cents=990)
    return centre, around


def test_an_address_is_matched_by_its_coordinates(shop, shaped):
    """Inside the polygon: the polygon zone; further out but within 15 km: the radius zone."""
    centre, around = shaped

    assert zone_for_address(hub=shop.hub, postal_code="06000", latitude=43.71, longitude=7.26) == centre
    assert zone_for_address(hub=shop.hub, postal_code="06200", latitude=43.67, longitude=7.21) == around


def test_without_coordinates_only_postal_codes_match(shop, shaped):
    assert zone_for_address(hub=shop.hub, postal_code="06000") == shop.zone
    with pytest.raises(PostalCodeNotServed):
        zone_for_address(hub=shop.hub, postal_code="06200")


def test_an_address_outside_every_zone_is_a_clear_error(shop, shaped):
    """Coordinates far away and an unserved postal code: address_not_served on the postal code."""
    with pytest.raises(AddressNotServed) as exc:
        zone_for_address(hub=shop.hub, postal_code="13001", latitude=43.2965, longitude=5.3698)
    assert (exc.value.code, exc.value.field) == ("address_not_served", "postal_code")


def test_priority_decides_between_overlapping_zones(shop, shaped):
    """A postal-code zone with a lower priority number beats the polygon."""
    shop.zone.priority = 10
    shop.zone.save()

    assert zone_for_address(hub=shop.hub, postal_code="06000", latitude=43.71, longitude=7.26) == shop.zone


def test_checkout_with_coordinates_uses_the_zone_fee_and_keeps_the_pin(shop, shaped):
    """An order placed with coordinates pays its zone's fee and is ready for the rounds map."""
    order = factories.placed_order(shop, [(0, 1)], postal_code="06200", latitude=43.67, longitude=7.21)

    assert order.zone.name == "15 km"
    assert order.delivery_fee_cents == 990
    assert (str(order.latitude), str(order.longitude)) == ("43.670000", "7.210000")
