"""Reconciliation: settle payments the shop lost track of.

A customer who never came back from the payment page, a worker that
crashed between two steps or a missed notification leave a payment
pending (or an authorisation unused). ``payments_reconcile`` asks each
provider for the truth and applies it with the same services as the
return page and the webhook, so it is safe to run at any time, and twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from panier.checkout.services import checkout_payment_release, checkout_payment_settle
from panier.core import clock
from panier.orders.models import Order, OrderStatus
from panier.orders.payment_services import order_payment_capture
from panier.payments.adapters.base import ProviderError
from panier.payments.adapters.registry import provider_get
from panier.payments.models import (
    Payment,
    PaymentStatus,
    ReconciliationItem,
    ReconciliationOutcome,
    ReconciliationRun,
)

logger = logging.getLogger(__name__)

_ENDED_ORDERS = (OrderStatus.CANCELLED, OrderStatus.PAYMENT_FAILED)
_PACKED = (OrderStatus.READY, OrderStatus.OUT_FOR_DELIVERY, OrderStatus.READY_FOR_PICKUP, OrderStatus.DELIVERED)


def _candidates(now: datetime) -> list[Payment]:
    """Payments that need a look, oldest first (one query per kind)."""
    stuck_since = now - timedelta(minutes=settings.PANIER_RECONCILE_AFTER_MIN)
    pending = list(Payment.objects.filter(status=PaymentStatus.PENDING, updated_at__lt=stuck_since))
    ended_numbers = Order.objects.filter(status__in=_ENDED_ORDERS).values("number")
    unused = list(
        Payment.objects.filter(status=PaymentStatus.AUTHORISED, is_applied=False, reference__in=ended_numbers)
    )
    packed_numbers = Order.objects.filter(status__in=_PACKED, final_total_cents__isnull=False).values("number")
    to_capture = list(
        Payment.objects.filter(status=PaymentStatus.AUTHORISED, is_applied=True, reference__in=packed_numbers)
    )
    seen: dict[int, Payment] = {}
    for payment in [*pending, *unused, *to_capture]:
        seen.setdefault(payment.pk, payment)
    return sorted(seen.values(), key=lambda p: (p.created_at, p.pk))


def _reconcile_one(payment: Payment, now: datetime) -> tuple[str, str]:
    """Settle one payment; return (outcome, note)."""
    if payment.status == PaymentStatus.PENDING and not payment.provider_ref:
        # Created but never sent to the provider (the worker stopped).
        if payment.created_at < now - timedelta(minutes=settings.PANIER_PAYMENT_TIMEOUT_MIN):
            with transaction.atomic():
                Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
                    status=PaymentStatus.EXPIRED, updated_at=now
                )
            checkout_payment_settle(payment_id=payment.pk)
            return ReconciliationOutcome.SETTLED, "never opened at the provider: expired"
        return ReconciliationOutcome.OPEN, "not yet opened at the provider"
    order = checkout_payment_settle(payment_id=payment.pk)
    fresh = Payment.objects.get(pk=payment.pk)
    unused = fresh.status == PaymentStatus.AUTHORISED and not fresh.is_applied
    if unused and order is not None and order.status in _ENDED_ORDERS:
        checkout_payment_release(payment_id=fresh.pk, reason="order ended before the payment")
        return ReconciliationOutcome.RELEASED, f"order {order.status}: authorisation released"
    packed = order is not None and order.final_total_cents is not None and order.status in _PACKED
    if fresh.status == PaymentStatus.AUTHORISED and fresh.is_applied and packed:
        order_payment_capture(order_id=order.pk)
        fresh = Payment.objects.get(pk=payment.pk)
        return ReconciliationOutcome.CAPTURED, f"captured {fresh.captured_cents} of {fresh.amount_cents}"
    answer = provider_get(fresh.provider).status(fresh.provider_ref)
    if answer.status != fresh.status or answer.captured_cents != fresh.captured_cents and answer.captured_cents:
        return (
            ReconciliationOutcome.MISMATCH,
            f"provider says {answer.status} {answer.captured_cents}, shop has {fresh.status} {fresh.captured_cents}",
        )
    if fresh.status == PaymentStatus.PENDING:
        return ReconciliationOutcome.OPEN, "the provider has no final answer yet"
    if fresh.status != payment.status:
        return ReconciliationOutcome.SETTLED, f"{payment.status} → {fresh.status}"
    return ReconciliationOutcome.SETTLED, "already up to date"


def payments_reconcile(
    *, now: datetime | None = None, trigger: str = "command", progress: Callable[[int, int, Payment], None] | None = None
) -> ReconciliationRun:
    """Check every payment that needs it against its provider and record a report.

    One provider call (or a few) per payment, each outside any
    transaction. A provider error is recorded for that payment and the
    run goes on; the next run tries again.
    """
    now = now or clock.now()
    run = ReconciliationRun.objects.create(started_at=now, trigger=trigger[:20])
    payments = _candidates(now)
    items = []
    for index, payment in enumerate(payments, start=1):
        before = payment.status
        try:
            outcome, note = _reconcile_one(payment, now)
        except ProviderError as exc:
            outcome, note = ReconciliationOutcome.ERROR, str(exc)
            logger.warning("reconcile.provider_error", extra={"payment_id": payment.pk})
        after = Payment.objects.filter(pk=payment.pk).values_list("status", flat=True).first() or ""
        items.append(
            ReconciliationItem(
                run=run, hub_id=payment.hub_id, payment=payment, outcome=outcome,
                from_status=before, to_status=after, note=note[:300],
            )
        )
        if progress is not None:
            progress(index, len(payments), payment)
    ReconciliationItem.objects.bulk_create(items)
    run.checked = len(items)
    run.settled = sum(1 for i in items if i.outcome in (ReconciliationOutcome.SETTLED, ReconciliationOutcome.CAPTURED,
                                                        ReconciliationOutcome.RELEASED) and i.from_status != i.to_status)
    run.still_open = sum(1 for i in items if i.outcome in (ReconciliationOutcome.OPEN, ReconciliationOutcome.ERROR))
    run.mismatches = sum(1 for i in items if i.outcome == ReconciliationOutcome.MISMATCH)
    run.finished_at = clock.now()
    run.save(update_fields=["checked", "settled", "still_open", "mismatches", "finished_at"])
    logger.info("reconcile.done", extra={"checked": run.checked, "settled": run.settled, "open": run.still_open})
    return run
