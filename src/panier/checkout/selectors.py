"""Checkout reads: the slot a customer picked, the payment of an order."""

from __future__ import annotations

import uuid
from datetime import datetime

from panier.core.sqlcache import KeptQuery, reuse_sql
from panier.delivery import rules as delivery_rules
from panier.delivery.errors import CutoffPassed, SlotFull, SlotNotFound
from panier.delivery.models import Slot
from panier.hubs.models import Hub
from panier.orders.models import Order
from panier.payments.models import Payment

_SLOT = KeptQuery(
    "checkout.slot", lambda p: Slot.objects.select_related("pickup_point").filter(pk=p.int("slot"), hub_id=p.int("hub"))
)


def checkout_slot_get(*, hub: Hub, slot_id: int, now: datetime, check_open: bool = True) -> Slot:
    """Return a slot of ``hub`` that still takes orders.

    Raises SlotNotFound (unknown or another hub's slot), and unless
    ``check_open`` is false, CutoffPassed or SlotFull. Booking happens
    later, with a conditional update, when the order is placed; this only
    tells the customer early.
    """
    slot = _SLOT(slot=slot_id, hub=hub.pk).first()
    if slot is None:
        raise SlotNotFound(field="slot")
    if not check_open:
        return slot
    if not delivery_rules.slot_is_open(slot.cutoff_at, now=now):
        raise CutoffPassed(field="slot")
    if slot.remaining <= 0:
        raise SlotFull(field="slot")
    return slot


def checkout_order_get(*, hub: Hub, checkout_token: uuid.UUID) -> Order | None:
    """Return the order placed at ``hub`` with a checkout token, if any."""
    return Order.objects.select_related("hub").filter(hub=hub, checkout_token=checkout_token).first()


def checkout_return_payment(*, hub: Hub, checkout_token: uuid.UUID) -> Payment | None:
    """Return the latest payment attempt of the order placed at ``hub`` with a checkout token (1 query)."""
    numbers = Order.objects.filter(hub=hub, checkout_token=checkout_token).values("number")
    latest = Payment.objects.filter(hub=hub, reference__in=numbers).order_by("-created_at", "-pk")
    return reuse_sql(latest, "checkout.return_payment").first()
