"""Races on stock, slots, checkout tokens, payments and cancellations.

PostgreSQL only: SQLite serialises writers, so these races cannot happen
there. Each thread opens its own connection and all of them start together
behind a barrier; the final database state is then checked exactly.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connections

from panier.cart.models import Cart
from panier.cart.services import cart_add, cart_create, cart_merge
from panier.checkout.services import (
    CheckoutDetails,
    checkout_complete,
    checkout_pay,
    checkout_payment_returned,
)
from panier.delivery.errors import SlotFull
from panier.delivery.models import Slot
from panier.inventory.models import MovementReason, Stock, StockMovement
from panier.invoicing.models import Invoice, NumberSequence
from panier.orders.errors import TransitionNotAllowed
from panier.orders.models import Order, OrderEvent, OrderLine, OrderStatus
from panier.orders.services import order_transition, orders_expire_unpaid
from panier.payments.adapters.sandbox import sandbox_pay
from panier.payments.models import Payment, PaymentStatus, SandboxIntent
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(n: int, work: Callable[[int], Any]) -> list[tuple[str, Any]]:
    """Run ``work(i)`` in ``n`` threads released together; return ("ok", result) or ("error", exc)."""
    barrier = threading.Barrier(n)
    outcomes: list[tuple[str, Any]] = [("missing", None)] * n

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=20)
            outcomes[i] = ("ok", work(i))
        except Exception as exc:  # every outcome is asserted by the test
            outcomes[i] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return outcomes


def kinds(outcomes: list[tuple[str, Any]]) -> Counter:
    """Count outcomes as "ok" or the class name of the exception raised."""
    return Counter("ok" if kind == "ok" else type(value).__name__ for kind, value in outcomes)


def details(shop, **kw) -> CheckoutDetails:
    base = dict(
        fulfilment="delivery",
        slot_id=shop.delivery_slot.pk,
        email="alice@example.org",
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


def basket(shop, *items: tuple[int, int]) -> Cart:
    cart = cart_create(hub=shop.hub)
    for index, qty in items:
        cart_add(cart=cart, variant_id=shop.variant(index).pk, quantity=qty)
    return cart


def remaining(shop, index: int) -> int:
    return Stock.objects.get(variant=shop.variant(index)).remaining


def set_stock(shop, index: int, units: int) -> None:
    Stock.objects.filter(variant=shop.variant(index)).update(remaining=units)


def set_capacity(shop, capacity: int) -> None:
    Slot.objects.filter(pk=shop.delivery_slot.pk).update(capacity=capacity)


def booked(shop) -> int:
    return Slot.objects.get(pk=shop.delivery_slot.pk).booked


def test_fifty_checkouts_for_the_last_three_units(shop):
    """50 customers race for 3 units: exactly 3 orders, stock 0, 47 clean refusals."""
    set_capacity(shop, 100)
    carts = [basket(shop, (0, 1)) for _ in range(50)]
    set_stock(shop, 0, 3)

    outcomes = race(
        50,
        lambda i: checkout_complete(
            hub=shop.hub, cart=carts[i], details=details(shop), checkout_token=uuid.uuid4()
        ),
    )

    assert kinds(outcomes) == {"ok": 3, "StockInsufficient": 47}
    variant_id = shop.variant(0).pk
    for kind, value in outcomes:
        if kind == "error":
            assert value.code == "stock_insufficient"
            assert value.shortages == {variant_id: 0}
    assert Order.objects.count() == 3
    assert remaining(shop, 0) == 0
    assert booked(shop) == 3
    assert StockMovement.objects.filter(reason=MovementReason.RESERVED).count() == 3
    assert sum(OrderLine.objects.values_list("quantity", flat=True)) == 3
    # The losers keep their basket; the winners' baskets are emptied.
    assert sorted(cart.lines.count() for cart in carts) == [0] * 3 + [1] * 47


def test_forty_checkouts_for_a_slot_of_five(shop):
    """A slot for 5 orders takes exactly 5 of 40 simultaneous checkouts and no more stock."""
    set_capacity(shop, 5)
    set_stock(shop, 0, 1000)
    carts = [basket(shop, (0, 2)) for _ in range(40)]

    outcomes = race(
        40,
        lambda i: checkout_complete(
            hub=shop.hub, cart=carts[i], details=details(shop), checkout_token=uuid.uuid4()
        ),
    )

    assert kinds(outcomes) == {"ok": 5, "SlotFull": 35}
    assert all(
        isinstance(value, SlotFull) and value.field == "slot"
        for kind, value in outcomes
        if kind == "error"
    )
    assert Order.objects.count() == 5
    assert booked(shop) == 5
    assert remaining(shop, 0) == 1000 - 5 * 2
    assert StockMovement.objects.filter(reason=MovementReason.RESERVED).count() == 5


def test_popular_products_in_different_basket_orders_do_not_deadlock(shop):
    """30 baskets of the same 3 products, filled in every order: no deadlock, stock exact."""
    set_capacity(shop, 100)
    for index in range(3):
        set_stock(shop, index, 40)
    orders = list(itertools.permutations(range(3)))
    carts = []
    for i in range(30):
        qty = i % 3 + 1
        carts.append(basket(shop, *[(index, qty) for index in orders[i % len(orders)]]))

    outcomes = race(
        30,
        lambda i: checkout_complete(
            hub=shop.hub, cart=carts[i], details=details(shop), checkout_token=uuid.uuid4()
        ),
    )

    counts = kinds(outcomes)
    assert set(counts) <= {"ok", "StockInsufficient"}, counts
    placed = [value for kind, value in outcomes if kind == "ok"]
    assert len(placed) == Order.objects.count() > 0
    for index in range(3):
        variant = shop.variant(index)
        sold = sum(
            OrderLine.objects.filter(variant=variant).values_list("quantity", flat=True)
        )
        reserved = -sum(
            StockMovement.objects.filter(
                variant=variant, reason=MovementReason.RESERVED
            ).values_list("delta", flat=True)
        )
        assert remaining(shop, index) == 40 - sold
        assert reserved == sold
        assert remaining(shop, index) >= 0
    # Each placed order holds the three products in the quantity of its basket.
    for order in placed:
        quantities = sorted(order.lines.values_list("quantity", flat=True))
        assert len(quantities) == 3
        assert len(set(quantities)) == 1
    # Every refusal was a real shortage: stock only goes down, so what is
    # left at the end still cannot serve a refused basket.
    left = min(remaining(shop, index) for index in range(3))
    for i, (kind, _) in enumerate(outcomes):
        if kind == "error":
            assert left < i % 3 + 1
    assert booked(shop) == len(placed)


def test_the_same_checkout_token_twenty_times_at_once_places_one_order(shop):
    """A checkout submitted 20 times at once (same basket, same token) gives everyone one order."""
    set_capacity(shop, 100)
    cart = basket(shop, (0, 2), (1, 1))
    token = uuid.uuid4()

    outcomes = race(
        20,
        lambda i: checkout_complete(
            hub=shop.hub,
            cart=Cart.objects.get(pk=cart.pk),
            details=details(shop),
            checkout_token=token,
        ),
    )

    assert kinds(outcomes) == {"ok": 20}, [v for k, v in outcomes if k == "error"]
    order = Order.objects.get()
    assert {value.pk for _, value in outcomes} == {order.pk}
    assert order.checkout_token == token
    assert remaining(shop, 0) == 10 - 2
    assert remaining(shop, 1) == 5 - 1
    assert booked(shop) == 1
    assert StockMovement.objects.filter(reason=MovementReason.RESERVED).count() == 2
    assert OrderEvent.objects.filter(order=order).count() == 1
    assert cart.lines.count() == 0


def test_twenty_returns_from_the_same_payment_confirm_once(shop):
    """The customer's browser coming back 20 times at once pays the order once and mails once."""
    cart = basket(shop, (1, 1))
    order = checkout_complete(hub=shop.hub, cart=cart, details=details(shop), checkout_token=uuid.uuid4())
    payment = checkout_pay(order=order, return_url="/return")
    sandbox_pay(intent_id=payment.provider_ref, card_number="4242 4242 4242 4242")
    mail.outbox.clear()

    outcomes = race(20, lambda i: checkout_payment_returned(payment_public_id=payment.public_id))

    assert kinds(outcomes) == {"ok": 20}, [v for k, v in outcomes if k == "error"]
    assert {value.status for _, value in outcomes} == {OrderStatus.PAID}
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.paid_at is not None
    assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.PAID).count() == 1
    assert OrderEvent.objects.filter(order=order).count() == 2
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.AUTHORISED
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.org"]
    assert order.number in mail.outbox[0].subject
    assert remaining(shop, 1) == 5 - 1
    # One invoice, and no number of the series taken by the losers.
    assert Invoice.objects.get(order=order).sequence_number == 1
    assert list(NumberSequence.objects.values_list("last_number", flat=True)) == [1]


def test_cancelling_from_ten_places_at_once_releases_stock_once(shop):
    """Ten cancellations at once: one wins, nine are refused, stock and slot come back once."""
    cart = basket(shop, (0, 3), (2, 1))
    order = checkout_complete(hub=shop.hub, cart=cart, details=details(shop), checkout_token=uuid.uuid4())
    assert (remaining(shop, 0), remaining(shop, 2), booked(shop)) == (7, 2, 1)
    mail.outbox.clear()

    outcomes = race(
        10,
        lambda i: order_transition(order_id=order.pk, target=OrderStatus.CANCELLED, note=f"cancel {i}"),
    )

    assert kinds(outcomes) == {"ok": 1, "TransitionNotAllowed": 9}
    assert all(
        isinstance(value, TransitionNotAllowed) for kind, value in outcomes if kind == "error"
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert (remaining(shop, 0), remaining(shop, 2), booked(shop)) == (10, 3, 0)
    released = StockMovement.objects.filter(reason=MovementReason.RELEASED)
    assert sorted(released.values_list("delta", flat=True)) == [1, 3]
    assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.CANCELLED).count() == 1
    assert len(mail.outbox) == 1


def test_twenty_clicks_on_add_to_basket_at_once(shop):
    """The same "add" sent 20 times at once to one basket adds up; none fails with a crash."""
    set_stock(shop, 0, 100)
    cart = cart_create(hub=shop.hub)
    variant_id = shop.variant(0).pk

    outcomes = race(20, lambda i: cart_add(cart=Cart.objects.get(pk=cart.pk), variant_id=variant_id, quantity=3))

    assert kinds(outcomes) == {"ok": 20}, [v for k, v in outcomes if k == "error"]
    line = cart.lines.get()
    assert line.quantity == 60
    assert sorted(value.quantity for _, value in outcomes) == list(range(3, 61, 3))


def test_twenty_clicks_on_pay_open_one_payment(shop):
    """The pay button sent 20 times at once opens one payment at the provider."""
    cart = basket(shop, (0, 1))
    order = checkout_complete(hub=shop.hub, cart=cart, details=details(shop), checkout_token=uuid.uuid4())

    outcomes = race(20, lambda i: checkout_pay(order=Order.objects.get(pk=order.pk), return_url="/return"))

    assert kinds(outcomes) == {"ok": 20}, [v for k, v in outcomes if k == "error"]
    payment = Payment.objects.get()
    assert {value.pk for _, value in outcomes} == {payment.pk}
    assert {value.provider_ref for _, value in outcomes} == {payment.provider_ref}
    assert payment.amount_cents == order.total_cents
    assert SandboxIntent.objects.count() == 1


def test_cancelling_while_the_payment_comes_back(shop):
    """Cancellations racing a successful payment return: the order ends cancelled, stock back once."""
    cart = basket(shop, (0, 2))
    order = checkout_complete(hub=shop.hub, cart=cart, details=details(shop), checkout_token=uuid.uuid4())
    payment = checkout_pay(order=order, return_url="/return")
    sandbox_pay(intent_id=payment.provider_ref, card_number="4242 4242 4242 4242")
    mail.outbox.clear()

    def work(i):
        if i % 2:
            return checkout_payment_returned(payment_public_id=payment.public_id)
        return order_transition(order_id=order.pk, target=OrderStatus.CANCELLED)

    outcomes = race(20, work)

    counts = kinds(outcomes)
    assert set(counts) <= {"ok", "TransitionNotAllowed"}, [v for k, v in outcomes if k == "error"]
    # Ten payment returns never fail, one cancellation wins, nine are refused.
    assert counts == {"ok": 11, "TransitionNotAllowed": 9}
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert remaining(shop, 0) == 10
    assert booked(shop) == 0
    assert StockMovement.objects.filter(reason=MovementReason.RELEASED).count() == 1
    assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.CANCELLED).count() == 1
    paid_events = OrderEvent.objects.filter(order=order, to_status=OrderStatus.PAID).count()
    assert paid_events in (0, 1)
    # One cancellation e-mail, plus the confirmation if the payment got in first.
    assert len(mail.outbox) == 1 + paid_events


@pytest.mark.parametrize("had_basket", ["with a line", "empty", "none"])
def test_logging_in_from_ten_tabs_merges_the_basket_once(shop, had_basket):
    """One anonymous basket merged by 10 simultaneous logins is counted once in the user's basket."""
    user = factories.user()
    if had_basket != "none":
        mine = cart_create(hub=shop.hub, user=user)
    if had_basket == "with a line":
        cart_add(cart=mine, variant_id=shop.variant(0).pk, quantity=1)
    guest = basket(shop, (0, 2), (1, 3))

    # Each login request has loaded the session's basket before merging it.
    sources = [Cart.objects.get(pk=guest.pk) for _ in range(10)]

    outcomes = race(10, lambda i: cart_merge(source=sources[i], user=user))

    assert kinds(outcomes) == {"ok": 10}, [v for k, v in outcomes if k == "error"]
    mine = Cart.objects.get(hub=shop.hub, user=user)
    assert {value.pk for _, value in outcomes} == {mine.pk}
    assert dict(mine.lines.values_list("variant_id", "quantity")) == {
        shop.variant(0).pk: 3 if had_basket == "with a line" else 2,
        shop.variant(1).pk: 3,
    }
    assert not Cart.objects.filter(pk=guest.pk).exists()


def test_twenty_returns_from_a_declined_payment_fail_the_order_once(shop):
    """A declined payment seen 20 times at once fails the order once and refills the basket once."""
    cart = basket(shop, (0, 2), (1, 1))
    order = checkout_complete(hub=shop.hub, cart=cart, details=details(shop), checkout_token=uuid.uuid4())
    payment = checkout_pay(order=order, return_url="/return")
    sandbox_pay(intent_id=payment.provider_ref, card_number="4000 0000 0000 0002")

    outcomes = race(
        20,
        lambda i: checkout_payment_returned(
            payment_public_id=payment.public_id, guest_cart=Cart.objects.get(pk=cart.pk)
        ),
    )

    assert kinds(outcomes) == {"ok": 20}, [v for k, v in outcomes if k == "error"]
    order.refresh_from_db()
    assert order.status == OrderStatus.PAYMENT_FAILED
    assert (remaining(shop, 0), remaining(shop, 1), booked(shop)) == (10, 5, 0)
    assert StockMovement.objects.filter(reason=MovementReason.RELEASED).count() == 2
    assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.PAYMENT_FAILED).count() == 1
    assert dict(cart.lines.values_list("variant_id", "quantity")) == {
        shop.variant(0).pk: 2,
        shop.variant(1).pk: 1,
    }
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.FAILED


def test_overlapping_expiry_runs_cancel_each_order_once(shop):
    """Ten expiry jobs running at once cancel each overdue order exactly once."""
    set_capacity(shop, 100)
    orders = [
        checkout_complete(
            hub=shop.hub, cart=basket(shop, (0, 1)), details=details(shop), checkout_token=uuid.uuid4()
        )
        for _ in range(5)
    ]
    assert remaining(shop, 0) == 5
    now = max(order.payment_due_by for order in orders) + timedelta(minutes=1)

    outcomes = race(10, lambda i: orders_expire_unpaid(now=now))

    assert kinds(outcomes) == {"ok": 10}, [v for k, v in outcomes if k == "error"]
    assert sum(value for _, value in outcomes) == 5
    assert set(Order.objects.values_list("status", flat=True)) == {OrderStatus.CANCELLED}
    assert remaining(shop, 0) == 10
    assert booked(shop) == 0
    assert StockMovement.objects.filter(reason=MovementReason.RELEASED).count() == 5
    assert OrderEvent.objects.filter(to_status=OrderStatus.CANCELLED).count() == 5
