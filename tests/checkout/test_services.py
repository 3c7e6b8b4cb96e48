import uuid

import pytest
from django.core import mail

from panier.cart.services import cart_add, cart_create
from panier.checkout.services import (
    CheckoutDetails,
    checkout_complete,
    checkout_pay,
    checkout_payment_returned,
)
from panier.delivery.errors import CutoffPassed, PostalCodeNotServed, SlotFull
from panier.inventory.errors import StockInsufficient
from panier.inventory.models import Stock
from panier.orders.models import Order, OrderStatus
from panier.payments.adapters.sandbox import sandbox_pay


def details(shop, **kw):
    base = dict(
        fulfilment="delivery",
        slot_id=shop.delivery_slot.pk,
        email="Alice@Example.org",
        first_name="Alice",
        last_name="Durand",
        phone="06 12 34 56 78",
        accepted_terms=True,
        postal_code="06000",
        address_line1="5 rue Rossini",
        city="Nice",
    )
    base.update(kw)
    return CheckoutDetails(**base)


def basket(shop, *items):
    cart = cart_create(hub=shop.hub)
    for index, qty in items:
        cart_add(cart=cart, variant_id=shop.variant(index).pk, quantity=qty)
    return cart


def test_checkout_reserves_stock_and_slot_and_prices_the_order(shop):
    """A delivered order from two producers freezes prices, fee and VAT per rate."""
    cart = basket(shop, (0, 2), (1, 1))

    order = checkout_complete(hub=shop.hub, cart=cart, details=details(shop), checkout_token=uuid.uuid4())

    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.goods_cents == 2 * 650 + 1055
    assert order.delivery_fee_cents == 690
    assert order.total_cents == 2355 + 690
    assert order.email == "alice@example.org"
    assert order.phone == "+33612345678"
    assert {line.producer_id for line in order.lines.all()} == {p.pk for p in shop.producers}
    assert all(line.seller_of_record == "hub" for line in order.lines.all())
    assert sum(r["gross_cents"] for r in order.vat_breakdown) == order.total_cents
    assert Stock.objects.get(variant=shop.variant(0)).remaining == 8
    shop.delivery_slot.refresh_from_db()
    assert shop.delivery_slot.booked == 1
    assert cart.lines.count() == 0


def test_placing_the_same_checkout_twice_creates_one_order(shop):
    """A double click or retried request returns the first order."""
    cart = basket(shop, (0, 1))
    token = uuid.uuid4()

    first = checkout_complete(hub=shop.hub, cart=cart, details=details(shop), checkout_token=token)
    second = checkout_complete(hub=shop.hub, cart=cart, details=details(shop), checkout_token=token)

    assert first.pk == second.pk
    assert Order.objects.count() == 1
    assert Stock.objects.get(variant=shop.variant(0)).remaining == 9


def test_short_stock_changes_nothing(shop):
    """Asking for more than is left refuses the order and leaves stock and slot as they were."""
    cart = basket(shop, (0, 2), (2, 3))
    Stock.objects.filter(variant=shop.variant(2)).update(remaining=1)

    with pytest.raises(StockInsufficient) as exc:
        checkout_complete(hub=shop.hub, cart=cart, details=details(shop), checkout_token=uuid.uuid4())

    assert exc.value.code == "stock_insufficient"
    assert exc.value.shortages == {shop.variant(2).pk: 1}
    assert Stock.objects.get(variant=shop.variant(0)).remaining == 10
    shop.delivery_slot.refresh_from_db()
    assert shop.delivery_slot.booked == 0
    assert Order.objects.count() == 0
    assert cart.lines.count() == 2


def test_postal_code_out_of_zone_is_refused(shop):
    """A postal code no zone serves is a field error."""
    cart = basket(shop, (0, 1))

    with pytest.raises(PostalCodeNotServed) as exc:
        checkout_complete(hub=shop.hub, cart=cart, details=details(shop, postal_code="75001"), checkout_token=uuid.uuid4())

    assert exc.value.field == "postal_code"


def test_full_slot_and_passed_cutoff_are_refused(shop):
    """A full slot and a slot whose cut-off passed take no order."""
    cart = basket(shop, (0, 1))
    shop.delivery_slot.capacity = 0
    shop.delivery_slot.save()

    with pytest.raises(SlotFull):
        checkout_complete(hub=shop.hub, cart=cart, details=details(shop), checkout_token=uuid.uuid4())

    shop.delivery_slot.capacity = 5
    shop.delivery_slot.save()
    late = shop.delivery_slot.cutoff_at
    with pytest.raises(CutoffPassed):
        checkout_complete(hub=shop.hub, cart=cart, details=details(shop), checkout_token=uuid.uuid4(), now=late)
    assert Stock.objects.get(variant=shop.variant(0)).remaining == 10


def test_sandbox_payment_confirms_the_order_and_sends_the_recap(shop, django_capture_on_commit_callbacks):
    """An accepted test card marks the order paid and e-mails the contract recap."""
    cart = basket(shop, (1, 1))
    order = checkout_complete(hub=shop.hub, cart=cart, details=details(shop), checkout_token=uuid.uuid4())
    payment = checkout_pay(order=order, return_url="/return")

    sandbox_pay(intent_id=payment.provider_ref, card_number="4242 4242 4242 4242")
    with django_capture_on_commit_callbacks(execute=True):
        order = checkout_payment_returned(payment_public_id=payment.public_id)
    with django_capture_on_commit_callbacks(execute=True):
        again = checkout_payment_returned(payment_public_id=payment.public_id)

    assert order.status == OrderStatus.PAID
    assert again.status == OrderStatus.PAID
    assert len(mail.outbox) == 1
    assert order.number in mail.outbox[0].subject


def test_declined_payment_releases_stock_and_slot(shop):
    """A declined card fails the order and gives back its stock and slot place."""
    cart = basket(shop, (1, 2))
    order = checkout_complete(hub=shop.hub, cart=cart, details=details(shop), checkout_token=uuid.uuid4())
    payment = checkout_pay(order=order, return_url="/return")

    sandbox_pay(intent_id=payment.provider_ref, card_number="4000 0000 0000 0002")
    order = checkout_payment_returned(payment_public_id=payment.public_id, guest_cart=cart)

    assert order.status == OrderStatus.PAYMENT_FAILED
    assert Stock.objects.get(variant=shop.variant(1)).remaining == 5
    shop.delivery_slot.refresh_from_db()
    assert shop.delivery_slot.booked == 0
    assert cart.lines.get().quantity == 2
