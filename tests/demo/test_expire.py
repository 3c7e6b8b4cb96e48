import uuid
from datetime import timedelta
from io import StringIO

from django.core.management import call_command

from panier.cart.services import cart_add, cart_create
from panier.checkout.services import CheckoutDetails, checkout_complete
from panier.inventory.models import Stock
from panier.orders.models import Order, OrderStatus


def _order(shop):
    cart = cart_create(hub=shop.hub)
    cart_add(cart=cart, variant_id=shop.variant(0).pk, quantity=2)
    details = CheckoutDetails(
        fulfilment="delivery", slot_id=shop.delivery_slot.pk, email="alice@example.org", first_name="Alice",
        last_name="Durand", phone="06 12 34 56 78", accepted_terms=True, postal_code="06000",
        address_line1="5 rue Rossini", city="Nice",
    )
    return checkout_complete(hub=shop.hub, cart=cart, details=details, checkout_token=uuid.uuid4())


def test_expire_orders_cancels_overdue_orders_and_prints_the_count(shop):
    """`panier expire_orders` cancels unpaid orders past their deadline and gives back stock and slot."""
    overdue = _order(shop)
    fresh = _order(shop)
    Order.objects.filter(pk=overdue.pk).update(payment_due_by=overdue.placed_at - timedelta(minutes=1))
    out = StringIO()

    call_command("expire_orders", stdout=out)

    assert out.getvalue().strip() == "1 unpaid order(s) expired."
    overdue.refresh_from_db()
    fresh.refresh_from_db()
    assert overdue.status == OrderStatus.CANCELLED
    assert fresh.status == OrderStatus.PENDING_PAYMENT
    assert Stock.objects.get(variant=shop.variant(0)).remaining == 8
    shop.delivery_slot.refresh_from_db()
    assert shop.delivery_slot.booked == 1


def test_expire_orders_twice_expires_nothing_more(shop):
    """A second run finds nothing left to expire."""
    overdue = _order(shop)
    Order.objects.filter(pk=overdue.pk).update(payment_due_by=overdue.placed_at - timedelta(minutes=1))
    call_command("expire_orders", stdout=StringIO())
    out = StringIO()

    call_command("expire_orders", stdout=out)

    assert out.getvalue().strip() == "0 unpaid order(s) expired."
