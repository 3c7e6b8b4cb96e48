"""Races on payments: duplicated webhooks, retried checkouts, captures and refunds at once.

PostgreSQL only, real threads with their own connections behind a barrier.
"""

from __future__ import annotations

import time
import uuid

import pytest

from panier.checkout.services import checkout_complete, checkout_pay, checkout_payment_returned
from panier.checkout.webhooks import checkout_webhook_receive
from panier.invoicing.models import Invoice
from panier.orders.models import Order, OrderEvent, OrderStatus
from panier.payments.adapters.sandbox import SIGNATURE_HEADER, sandbox_pay, sign
from panier.payments.models import (
    Payment,
    PaymentOperation,
    PaymentStatus,
    ProviderEvent,
    SandboxOperation,
    SandboxWebhook,
)
from panier.payments.services import payment_capture, payment_refund
from tests import factories
from tests.concurrency.test_races import basket, details, kinds, race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_duplicated_webhooks_and_retried_returns_confirm_once(shop):
    """Ten copies of the notification and ten returns at once: one paid order, one invoice, one stored event."""
    order = factories.placed_order(shop, [(0, 1)], paid=False)
    payment = checkout_pay(order=order, return_url="/back")
    sandbox_pay(intent_id=payment.provider_ref, card_number="4242 4242 4242 4242")
    body = SandboxWebhook.objects.get(intent_id=payment.provider_ref).body.encode()
    headers = {SIGNATURE_HEADER: sign(body, timestamp=int(time.time()))}

    def work(i: int):
        if i % 2:
            return checkout_webhook_receive(provider="sandbox", headers=headers, body=body)
        return checkout_payment_returned(payment_public_id=payment.public_id).status

    outcomes = race(20, work)

    assert kinds(outcomes) == {"ok": 20}
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.PAID).count() == 1
    assert Invoice.objects.filter(order=order).count() == 1
    assert ProviderEvent.objects.count() == 1
    assert Payment.objects.filter(reference=order.number, is_applied=True).count() == 1


def test_retried_checkout_and_pay_clicks_make_one_order_and_one_payment(shop):
    """The same checkout token placed and paid from twelve requests at once: one order, one payment."""
    cart = basket(shop, (0, 1))
    token = uuid.uuid4()

    def work(i: int):
        order = checkout_complete(hub=shop.hub, cart=cart, details=details(shop), checkout_token=token)
        return checkout_pay(order=order, return_url="/back").pk

    outcomes = race(12, work)

    assert kinds(outcomes) == {"ok": 12}
    assert len({value for _, value in outcomes}) == 1
    assert Order.objects.count() == 1
    assert Payment.objects.count() == 1


def _authorised(shop):
    order = factories.placed_order(shop, [(0, 2)], paid=False)
    payment = checkout_pay(order=order, return_url="/back")
    sandbox_pay(intent_id=payment.provider_ref, card_number="4242 4242 4242 4242")
    checkout_payment_returned(payment_public_id=payment.public_id)
    return Payment.objects.get(pk=payment.pk)


def test_the_same_capture_ten_times_at_once_captures_once(shop):
    """Ten captures with the same key: one provider capture, one operation row."""
    payment = _authorised(shop)

    outcomes = race(10, lambda i: payment_capture(
        payment_id=payment.pk, amount_cents=1000, idempotency_key=f"{payment.pk}:capture:1").status)

    assert all(value == PaymentStatus.CAPTURED for kind, value in outcomes if kind == "ok")
    assert SandboxOperation.objects.filter(kind="capture").count() == 1
    assert PaymentOperation.objects.filter(kind="capture").count() == 1
    assert Payment.objects.get(pk=payment.pk).captured_cents == 1000


def test_concurrent_refunds_never_exceed_the_capture(shop):
    """Ten different refunds of 40 % at once: two go through, the others are refused, the total stays within."""
    payment = _authorised(shop)
    payment_capture(payment_id=payment.pk, amount_cents=1000, idempotency_key="cap")

    outcomes = race(10, lambda i: payment_refund(payment_id=payment.pk, amount_cents=400, idempotency_key=f"r{i}").pk)

    assert kinds(outcomes) == {"ok": 2, "RefundAboveCaptured": 8}
    payment.refresh_from_db()
    assert payment.refunded_cents == 800
    assert sum(op.amount_cents for op in SandboxOperation.objects.filter(kind="refund")) == 800
