"""The order pipeline as the services apply it: transitions, releases, e-mails."""

import uuid
from datetime import timedelta

import pytest
from django.core import mail

from panier.cart.services import cart_add, cart_create
from panier.checkout.services import CheckoutDetails, checkout_complete
from panier.delivery.models import Slot
from panier.inventory.models import MovementReason, Stock, StockMovement
from panier.orders import rules
from panier.orders.errors import OrderNotFound, TransitionNotAllowed
from panier.orders.models import Order, OrderEvent, OrderStatus
from panier.orders.services import order_transition, orders_expire_unpaid


def place(shop, *, pickup=False, items=((0, 2), (1, 1))) -> Order:
    cart = cart_create(hub=shop.hub)
    for index, qty in items:
        cart_add(cart=cart, variant_id=shop.variant(index).pk, quantity=qty)
    if pickup:
        details = CheckoutDetails(
            fulfilment="pickup", slot_id=shop.pickup_slot.pk, pickup_point_id=shop.pickup_point.pk,
            email="bob@example.org", first_name="Bob", last_name="Martin", phone="0612345678",
            accepted_terms=True,
        )
    else:
        details = CheckoutDetails(
            fulfilment="delivery", slot_id=shop.delivery_slot.pk, postal_code="06000",
            address_line1="5 rue Rossini", city="Nice", email="alice@example.org",
            first_name="Alice", last_name="Durand", phone="0612345678", accepted_terms=True,
        )
    return checkout_complete(hub=shop.hub, cart=cart, details=details, checkout_token=uuid.uuid4())


def held(shop, order):
    """(units left of variants 0 and 1, places booked in the order's slot)."""
    stock = dict(Stock.objects.values_list("variant_id", "remaining"))
    return stock[shop.variant(0).pk], stock[shop.variant(1).pk], Slot.objects.get(pk=order.slot_id).booked


def events(order):
    return list(OrderEvent.objects.filter(order=order).order_by("pk").values_list("from_status", "to_status"))


@pytest.mark.parametrize(
    ("pickup", "path"),
    [
        (False, ["paid", "in_preparation", "ready", "out_for_delivery", "ready", "out_for_delivery", "delivered", "refunded"]),
        (True, ["paid", "in_preparation", "ready", "ready_for_pickup", "delivered", "refunded"]),
    ],
)
def test_an_order_walks_the_whole_pipeline(shop, pickup, path):
    """Each allowed step is applied and logged; stock and slot stay held until the end."""
    order = place(shop, pickup=pickup)
    before = held(shop, order)
    assert before == (8, 4, 1)

    previous = order.status
    for target in path:
        order = order_transition(order_id=order.pk, target=target, note="step")
        assert order.status == target
        assert Order.objects.get(pk=order.pk).status == target
        assert held(shop, order) == before
        previous = target

    assert previous == OrderStatus.REFUNDED
    assert order.paid_at is not None
    statuses = ["pending_payment", *path]
    assert events(order) == [("", "pending_payment"), *zip(statuses, statuses[1:], strict=False)]
    assert StockMovement.objects.filter(reason=MovementReason.RELEASED).count() == 0


@pytest.mark.parametrize("pickup", [False, True])
def test_every_transition_outside_the_rules_is_refused(shop, pickup):
    """From every state, any target the rules refuse raises and changes nothing."""
    order = place(shop, pickup=pickup)
    before = held(shop, order)
    refused = 0
    for source in rules.TRANSITIONS:
        for target in rules.TRANSITIONS:
            if rules.can_transition(source, target, is_pickup=pickup):
                continue
            Order.objects.filter(pk=order.pk).update(status=source)
            with pytest.raises(TransitionNotAllowed) as exc:
                order_transition(order_id=order.pk, target=target)
            assert exc.value.code == "transition_not_allowed"
            assert Order.objects.get(pk=order.pk).status == source
            refused += 1

    # 17 edges in the table, one of which belongs to the other fulfilment.
    assert refused == 100 - 16
    assert held(shop, order) == before
    assert OrderEvent.objects.filter(order=order).count() == 1


def test_a_pickup_order_cannot_go_out_for_delivery(shop):
    """Ready pickup orders wait at the pickup point; they never go on a round."""
    order = place(shop, pickup=True)
    for target in ("paid", "in_preparation", "ready"):
        order_transition(order_id=order.pk, target=target)

    with pytest.raises(TransitionNotAllowed):
        order_transition(order_id=order.pk, target=OrderStatus.OUT_FOR_DELIVERY)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.READY


def test_a_delivery_order_cannot_wait_for_pickup(shop):
    """Ready delivery orders go on a round; they are never ready for pickup."""
    order = place(shop)
    for target in ("paid", "in_preparation", "ready"):
        order_transition(order_id=order.pk, target=target)

    with pytest.raises(TransitionNotAllowed):
        order_transition(order_id=order.pk, target=OrderStatus.READY_FOR_PICKUP)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.READY


@pytest.mark.parametrize(
    ("steps", "target"),
    [
        ([], "cancelled"),
        ([], "payment_failed"),
        (["paid"], "cancelled"),
        (["paid", "in_preparation"], "cancelled"),
        (["paid", "in_preparation", "ready"], "cancelled"),
    ],
)
def test_cancelling_or_failing_gives_stock_and_slot_back_once(shop, steps, target):
    """Leaving the pipeline early releases the order's units and slot place, exactly once."""
    order = place(shop)
    for step in steps:
        order_transition(order_id=order.pk, target=step)
    assert held(shop, order) == (8, 4, 1)

    order_transition(order_id=order.pk, target=target)
    with pytest.raises(TransitionNotAllowed):
        order_transition(order_id=order.pk, target=OrderStatus.CANCELLED)

    assert held(shop, order) == (10, 5, 0)
    released = StockMovement.objects.filter(reason=MovementReason.RELEASED, reference=order.number)
    assert sorted(released.values_list("delta", flat=True)) == [1, 2]


def test_delivered_then_refunded_keeps_the_stock_out(shop):
    """Goods handed over are gone: a refund after delivery does not put them back."""
    order = place(shop, pickup=True)
    for target in ("paid", "in_preparation", "ready", "ready_for_pickup", "delivered", "refunded"):
        order_transition(order_id=order.pk, target=target)

    assert held(shop, order) == (8, 4, 1)


def test_customer_is_emailed_when_the_order_moves_on_the_way_or_is_cancelled(
    shop, django_capture_on_commit_callbacks
):
    """Out for delivery, ready for pickup and cancelled send an e-mail; other steps don't."""
    delivered = place(shop)
    collected = place(shop, pickup=True, items=((0, 1),))
    cancelled = place(shop, items=((2, 1),))

    with django_capture_on_commit_callbacks(execute=True):
        for target in ("paid", "in_preparation", "ready", "out_for_delivery"):
            order_transition(order_id=delivered.pk, target=target)
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    with django_capture_on_commit_callbacks(execute=True):
        for target in ("paid", "in_preparation", "ready", "ready_for_pickup"):
            order_transition(order_id=collected.pk, target=target)
        order_transition(order_id=cancelled.pk, target="cancelled")

    assert [m.to for m in mail.outbox] == [
        ["alice@example.org"], ["bob@example.org"], ["alice@example.org"],
    ]
    assert delivered.number in mail.outbox[0].subject
    assert collected.number in mail.outbox[1].subject
    assert cancelled.number in mail.outbox[2].subject


def test_an_unknown_order_is_not_found(db):
    """A transition on an order that does not exist raises OrderNotFound."""
    with pytest.raises(OrderNotFound):
        order_transition(order_id=10**9, target=OrderStatus.PAID)


def test_unpaid_orders_expire_and_release_once(shop):
    """Orders past their payment deadline are cancelled and release stock; a rerun does nothing."""
    late = place(shop, items=((0, 2),))
    paid = place(shop, items=((1, 1),))
    order_transition(order_id=paid.pk, target=OrderStatus.PAID)
    fresh = place(shop, items=((2, 1),))
    Order.objects.filter(pk=fresh.pk).update(payment_due_by=late.payment_due_by + timedelta(hours=1))
    now = late.payment_due_by + timedelta(minutes=1)

    assert orders_expire_unpaid(now=now) == 1
    assert orders_expire_unpaid(now=now) == 0

    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {late.pk: "cancelled", paid.pk: "paid", fresh.pk: "pending_payment"}
    assert held(shop, late) == (10, 4, 2)
    assert OrderEvent.objects.get(order=late, to_status="cancelled").note == "payment not received in time"
