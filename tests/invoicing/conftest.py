import uuid

import pytest

from panier.cart.services import cart_add, cart_create
from panier.checkout.services import CheckoutDetails, checkout_complete
from panier.orders.models import OrderStatus
from panier.orders.services import order_transition


def place_paid_order(shop, *items, fulfilment="delivery", paid=True):
    """Place an order of ``(product index, quantity)`` items and mark it paid."""
    cart = cart_create(hub=shop.hub)
    for index, qty in items:
        cart_add(cart=cart, variant_id=shop.variant(index).pk, quantity=qty)
    place = (
        dict(slot_id=shop.delivery_slot.pk, postal_code="06000", address_line1="5 rue Rossini", city="Nice")
        if fulfilment == "delivery"
        else dict(slot_id=shop.pickup_slot.pk, pickup_point_id=shop.pickup_point.pk)
    )
    details = CheckoutDetails(
        fulfilment=fulfilment,
        email="alice@example.org",
        first_name="Alice",
        last_name="Durand",
        phone="0612345678",
        accepted_terms=True,
        **place,
    )
    order = checkout_complete(hub=shop.hub, cart=cart, details=details, checkout_token=uuid.uuid4())
    if not paid:
        return order
    return order_transition(order_id=order.pk, target=OrderStatus.PAID, note="test")


@pytest.fixture
def paid_order(shop):
    """Two tommes (5.5 %), one honey (5.5 %) and one wine (20 %), delivered: fee 6.90."""
    return place_paid_order(shop, (0, 2), (1, 1), (2, 1))


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Users made by the shop factory need no slow, secure password hash here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
