"""Slot bookings and delivery zones."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from panier.delivery.errors import CutoffPassed, PostalCodeNotServed, SlotFull, SlotNotFound
from panier.delivery.models import Slot, SlotKind, Zone
from panier.delivery.selectors import slot_list_open, zone_for_postal_code
from panier.delivery.services import slot_book, slot_release
from tests import factories


def book(shop, slot, *, kind=SlotKind.DELIVERY, hub=None, now=None):
    with transaction.atomic():
        return slot_book(
            slot_id=slot.pk if isinstance(slot, Slot) else slot,
            hub_id=(hub or shop.hub).pk,
            kind=kind,
            now=now or timezone.now(),
        )


def booked(slot):
    return Slot.objects.get(pk=slot.pk).booked


def test_booking_takes_one_place(shop):
    """A booking before the cut-off takes one place and returns the slot."""
    slot = book(shop, shop.delivery_slot)
    book(shop, shop.pickup_slot, kind=SlotKind.PICKUP)

    assert slot.pk == shop.delivery_slot.pk
    assert booked(shop.delivery_slot) == 1
    assert booked(shop.pickup_slot) == 1


def test_an_unknown_slot_is_not_found(shop):
    """A slot id that does not exist is a field error on the slot."""
    with pytest.raises(SlotNotFound) as exc:
        book(shop, 10**9)
    assert exc.value.code == "slot_not_found"
    assert exc.value.field == "slot"


def test_a_slot_of_another_hub_is_not_found(shop):
    """A slot is booked only through its own hub, even with a valid id."""
    other = factories.hub()

    with pytest.raises(SlotNotFound):
        book(shop, shop.delivery_slot, hub=other)
    assert booked(shop.delivery_slot) == 0


def test_a_slot_of_the_other_kind_is_not_found(shop):
    """A pickup slot cannot be booked for a delivery, nor the reverse."""
    with pytest.raises(SlotNotFound):
        book(shop, shop.pickup_slot, kind=SlotKind.DELIVERY)
    with pytest.raises(SlotNotFound):
        book(shop, shop.delivery_slot, kind=SlotKind.PICKUP)
    assert booked(shop.pickup_slot) == 0
    assert booked(shop.delivery_slot) == 0


def test_a_full_slot_refuses(shop):
    """The booking after the last place is refused and the count stays at capacity."""
    slot = factories.slot(shop.hub, capacity=2)
    book(shop, slot)
    book(shop, slot)

    with pytest.raises(SlotFull) as exc:
        book(shop, slot)

    assert exc.value.code == "slot_full"
    assert booked(slot) == 2


def test_a_slot_closes_at_its_cutoff(shop):
    """At the cut-off instant the slot no longer takes orders; a second before it does."""
    cutoff = shop.delivery_slot.cutoff_at

    book(shop, shop.delivery_slot, now=cutoff - timedelta(seconds=1))
    with pytest.raises(CutoffPassed) as exc:
        book(shop, shop.delivery_slot, now=cutoff)

    assert exc.value.code == "cutoff_passed"
    assert booked(shop.delivery_slot) == 1


def test_a_closed_and_full_slot_reports_the_cutoff(shop):
    """When both apply, the customer is told orders are closed (a later slot helps, not waiting)."""
    slot = factories.slot(shop.hub, capacity=0)

    with pytest.raises(CutoffPassed):
        book(shop, slot, now=slot.cutoff_at + timedelta(hours=1))


@pytest.mark.django_db(transaction=True)
def test_booking_refuses_to_run_outside_a_transaction():
    """The place must be taken in the order's transaction, so a bare call is refused."""
    shop = factories.make_shop()

    with pytest.raises(RuntimeError, match="transaction"):
        slot_book(slot_id=shop.delivery_slot.pk, hub_id=shop.hub.pk, kind=SlotKind.DELIVERY, now=timezone.now())
    assert booked(shop.delivery_slot) == 0


def test_release_gives_a_place_back_and_never_goes_below_zero(shop):
    """Releasing frees one place; releasing an empty slot changes nothing."""
    book(shop, shop.delivery_slot)
    book(shop, shop.delivery_slot)

    slot_release(slot_id=shop.delivery_slot.pk)
    assert booked(shop.delivery_slot) == 1
    slot_release(slot_id=shop.delivery_slot.pk)
    slot_release(slot_id=shop.delivery_slot.pk)
    assert booked(shop.delivery_slot) == 0


def test_released_place_can_be_booked_again(shop):
    """A full slot takes a new order once a place is released."""
    slot = factories.slot(shop.hub, capacity=1)
    book(shop, slot)
    slot_release(slot_id=slot.pk)

    book(shop, slot)

    assert booked(slot) == 1


@pytest.mark.parametrize("code", ["06000", "06100", " 06 000 ", "06\u00a0100", "\t06000\n"])
def test_a_served_postal_code_finds_its_zone(shop, code):
    """Spaces anywhere in the code are ignored."""
    assert zone_for_postal_code(hub=shop.hub, postal_code=code) == shop.zone


@pytest.mark.parametrize("code", ["6000", "ABCDE", "060000", "", "06-000", "75001", "06 00", "０６０００"])
def test_malformed_or_unserved_postal_codes_are_a_field_error(shop, code):
    """A malformed or unserved code is refused on the postal code field, never a crash."""
    with pytest.raises(PostalCodeNotServed) as exc:
        zone_for_postal_code(hub=shop.hub, postal_code=code)
    assert exc.value.code == "postal_code_not_served"
    assert exc.value.field == "postal_code"


def test_zones_of_another_hub_are_ignored(shop):
    """A code served by another hub is not served by this one."""
    other = factories.hub()
    Zone.objects.create(hub=other, name="Antibes", postal_codes="06600", fee_cents=500)

    with pytest.raises(PostalCodeNotServed):
        zone_for_postal_code(hub=shop.hub, postal_code="06600")
    assert zone_for_postal_code(hub=other, postal_code="06600").name == "Antibes"


def test_zone_codes_may_be_separated_by_commas(shop):
    """Zone codes listed with commas and spaces are all served."""
    zone = Zone.objects.create(hub=shop.hub, name="Collines", postal_codes="06800,06700 ,06510", fee_cents=900)

    for code in ("06800", "06700", "06510"):
        assert zone_for_postal_code(hub=shop.hub, postal_code=code) == zone


def test_open_slots_leave_out_closed_and_full_ones(shop):
    """Only slots before their cut-off and with room are offered, soonest first."""
    full = factories.slot(shop.hub, capacity=1, days=4)
    book(shop, full)
    later = factories.slot(shop.hub, days=5)
    now = timezone.now()

    open_delivery = list(slot_list_open(hub=shop.hub, kind=SlotKind.DELIVERY, now=now))
    assert open_delivery == [shop.delivery_slot, later]
    after_cutoff = list(
        slot_list_open(hub=shop.hub, kind=SlotKind.DELIVERY, now=shop.delivery_slot.cutoff_at)
    )
    assert after_cutoff == [later]
    assert list(
        slot_list_open(hub=shop.hub, kind=SlotKind.PICKUP, now=now, pickup_point=shop.pickup_point)
    ) == [shop.pickup_slot]
