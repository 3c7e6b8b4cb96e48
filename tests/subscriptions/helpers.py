"""Building subscriptions the way a customer does, through the services."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from panier.cart.services import cart_add, cart_create
from panier.delivery.models import Slot
from panier.payments.adapters.sandbox import sandbox_challenge, sandbox_pay
from panier.subscriptions.services import (
    SubscriptionDetails,
    subscription_card_open,
    subscription_card_returned,
    subscription_create,
)
from tests import factories

CARD_OK = "4242 4242 4242 4242"
CARD_SOFT_DECLINE = "4000 0025 0000 3155"


def slot_weeks_later(slot: Slot, weeks: int, *, capacity: int | None = None) -> Slot:
    """The same local weekday and time, ``weeks`` later (DST-proof)."""
    tz = ZoneInfo(slot.hub.timezone)
    local = slot.starts_at.astimezone(tz)
    start = datetime.combine(local.date() + timedelta(weeks=weeks), local.time(), tzinfo=tz)
    return Slot.objects.create(
        hub=slot.hub,
        kind=slot.kind,
        pickup_point=slot.pickup_point,
        starts_at=start,
        ends_at=start + (slot.ends_at - slot.starts_at),
        cutoff_at=start - (slot.starts_at - slot.cutoff_at),
        capacity=slot.capacity if capacity is None else capacity,
    )


def subscribe(
    shop,
    *,
    items=((0, 2), (1, 1)),
    user=None,
    pickup=True,
    policy="reduce",
    every_days=7,
    card=CARD_OK,
    activate=True,
):
    """A customer fills a basket, subscribes and (unless told not to) checks their card."""
    user = user or factories.user()
    cart = cart_create(hub=shop.hub, user=user)
    for index, qty in items:
        cart_add(cart=cart, variant_id=shop.variant(index).pk, quantity=qty)
    details = SubscriptionDetails(
        every_days=every_days,
        shortage_policy=policy,
        first_name="Alice",
        last_name="Durand",
        phone="+33612345678",
        **(
            {}
            if pickup
            else {"address_line1": "5 rue Rossini", "postal_code": "06000", "city": "Nice"}
        ),
    )
    slot = shop.pickup_slot if pickup else shop.delivery_slot
    subscription = subscription_create(
        hub=shop.hub, user=user, cart=cart, slot_id=slot.pk, details=details
    )
    if not activate:
        return subscription
    payment = subscription_card_open(subscription=subscription, return_url="/back")
    intent = sandbox_pay(intent_id=payment.provider_ref, card_number=card)
    if intent.status == "requires_action":
        sandbox_challenge(intent_id=intent.pk, approve=True)
    return subscription_card_returned(subscription=subscription)
