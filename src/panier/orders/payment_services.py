"""Money after the order is paid: capture at the final amount, release, refunds.

These call ``payments`` services, which talk to the provider the payment
was made with, outside any transaction; the order history records each
step.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from panier.core import clock
from panier.core.errors import Conflict, InvalidInput
from panier.notifications.services import email_send_on_commit
from panier.orders import rules
from panier.orders.models import Order, OrderEvent, OrderLine
from panier.orders.services import order_transition
from panier.payments import rules as payment_rules
from panier.payments.errors import PaymentStateInvalid
from panier.payments.models import Payment, PaymentOperation, PaymentStatus
from panier.payments.services import payment_capture, payment_refund, payment_void

logger = logging.getLogger(__name__)


class NoOnlinePayment(Conflict):
    code = "no_online_payment"
    default_message = _("This order was not paid online: there is nothing to refund through the provider.")


class RefundInvalid(InvalidInput):
    code = "refund_invalid"
    status = 400
    default_message = _("Choose the whole order or at least one line, and give a reason.")


def order_payment(*, order: Order) -> Payment | None:
    """Return the payment that paid the order, if it was paid online."""
    return Payment.objects.filter(reference=order.number, hub_id=order.hub_id, is_applied=True).first()


def _history(order: Order, note: str, *, actor=None, now: datetime | None = None) -> None:
    OrderEvent.objects.create(
        order=order, actor=actor, from_status=order.status, to_status=order.status,
        note=note[:300], created_at=now or clock.now(),
    )


def order_payment_capture(*, order_id: int, now: datetime | None = None) -> Payment | None:
    """Capture the packed order's final amount and release the rest of the authorisation.

    Never captures above the authorisation (a shortfall is recorded in the
    history). No final amount, no online payment, or already captured:
    nothing happens. Idempotent: the capture key is per payment. E-mails
    the customer the final amount. Raises ProviderError (retried by
    reconciliation).
    """
    order = Order.objects.select_related("hub").get(pk=order_id)
    payment = order_payment(order=order)
    if payment is None or order.final_total_cents is None or payment.status != PaymentStatus.AUTHORISED:
        return payment
    plan = payment_rules.capture_plan(authorised_cents=payment.amount_cents, final_cents=order.final_total_cents)
    if plan.capture_cents == 0:
        payment = payment_void(payment_id=payment.pk, idempotency_key=f"{payment.pk}:void:1", reason="nothing to hand over")
    else:
        payment = payment_capture(
            payment_id=payment.pk, amount_cents=plan.capture_cents, idempotency_key=f"{payment.pk}:capture:1"
        )
    with transaction.atomic():
        note = f"payment captured {plan.capture_cents}, released {plan.release_cents} cents"
        if plan.shortfall_cents:
            note += f"; {plan.shortfall_cents} cents above the authorisation not charged"
        _history(order, note, now=now)
        email_send_on_commit(
            to=[order.email],
            template="orders/email/final_amount",
            context={
                "order": order, "hub": order.hub, "authorised_cents": payment.amount_cents,
                "captured_cents": plan.capture_cents, "released_cents": plan.release_cents,
            },
            language=order.language,
            reply_to=[order.hub.email],
        )
    logger.info("order.captured", extra={"order_id": order.pk, "captured_cents": plan.capture_cents})
    return payment


def order_payment_release(*, order_id: int, actor=None) -> Payment | None:
    """After a cancellation: release the authorisation, or refund what was captured."""
    order = Order.objects.get(pk=order_id)
    payment = order_payment(order=order)
    if payment is None:
        return None
    if payment.status == PaymentStatus.AUTHORISED:
        payment = payment_void(payment_id=payment.pk, idempotency_key=f"{payment.pk}:void:1", reason="order cancelled")
        with transaction.atomic():
            _history(order, "payment authorisation released", actor=actor)
    elif payment.status == PaymentStatus.CAPTURED and payment.captured_cents > payment.refunded_cents:
        order_refund(order_id=order.pk, whole=True, reason="order cancelled", actor=actor,
                     idempotency_key=f"{order.number}:refund:cancel")
        payment.refresh_from_db()
    return payment


@dataclass(frozen=True)
class RefundDone:
    amount_cents: int
    order: Order
    operation_id: int | None = None
    # The lines this refund gave money back for (claimed by this call).
    line_ids: tuple[int, ...] = ()


def _line_refunds_claim(
    *, order: Order, captured_cents: int, line_ids: list[int] | None, budget: int | None = None
) -> dict[int, int]:
    """Claim what is left to refund on each line (rows locked in pk order).

    A line is refunded what was paid for it: its final amount (weighed or
    missing items applied), else its ordered amount, less what the capture
    did not take from it (heavier than authorised, ``rules.unpaid_shares``),
    minus what it already got back. ``line_ids`` None claims every line with
    something left, within ``budget`` cents (a whole-order refund: what is
    left of the capture), so that the lines know what they got back.
    """
    with transaction.atomic():
        every = list(OrderLine.objects.select_for_update().filter(order=order).order_by("pk"))
        bases = [line.final_total_cents if line.final_total_cents is not None else line.line_total_cents for line in every]
        packed = any(line.final_total_cents is not None for line in every)
        unpaid, _fee_unpaid = rules.unpaid_shares(
            bases=bases,
            ordered=[line.line_total_cents for line in every],
            fee_cents=order.delivery_fee_cents if (sum(bases) or not packed) else 0,
            captured_cents=captured_cents,
        )
        paid = {line.pk: base - cut for line, base, cut in zip(every, bases, unpaid, strict=True)}
        lines = every if line_ids is None else [line for line in every if line.pk in set(line_ids)]
        if line_ids is not None and len(lines) != len(set(line_ids)):
            raise RefundInvalid(field="lines")
        claims = {}
        for line in lines:
            due = paid[line.pk] - line.refunded_cents
            if line_ids is None:
                due = min(due, budget or 0)
                if due <= 0:
                    continue
                budget = (budget or 0) - due
            elif due <= 0:
                raise RefundInvalid(
                    _("%(product)s was already refunded.") % {"product": line.product_name}, field="lines"
                )
            claims[line.pk] = due
        for pk, due in claims.items():
            OrderLine.objects.filter(pk=pk).update(refunded_cents=F("refunded_cents") + due)
    return claims


def _line_refunds_release(claims: dict[int, int]) -> None:
    """Give the lines their claim back when the refund did not happen."""
    if not claims:
        return
    with transaction.atomic():
        for pk, due in sorted(claims.items()):
            OrderLine.objects.filter(pk=pk).update(refunded_cents=F("refunded_cents") - due)


def order_refund(
    *,
    order_id: int,
    reason: str,
    idempotency_key: str,
    whole: bool = False,
    line_ids: list[int] | None = None,
    actor=None,
) -> RefundDone:
    """Refund the whole order, or some of its lines, through its payment's provider.

    A line is refunded at its final amount (weighed or missing items
    applied), else its ordered amount; the total never exceeds what is
    left of the capture (RefundAboveCaptured). The whole order left
    unrefunded moves to "refunded" when the pipeline allows it. The same
    ``idempotency_key`` twice refunds once. Raises RefundInvalid,
    NoOnlinePayment, PaymentStateInvalid, RefundAboveCaptured or
    ProviderError.
    """
    reason = reason.strip()
    if not reason or (not whole and not line_ids):
        raise RefundInvalid(field="reason" if not reason else "lines")
    order = Order.objects.get(pk=order_id)
    payment = order_payment(order=order)
    if payment is None:
        raise NoOnlinePayment()
    if payment.status not in (PaymentStatus.CAPTURED, PaymentStatus.REFUNDED):
        raise PaymentStateInvalid(
            _("The payment is only authorised: cancel the order to release it, or refund after packing."),
            status=payment.status,
        )
    claims: dict[int, int] = {}
    earlier = PaymentOperation.objects.filter(idempotency_key=idempotency_key).exclude(status="failed").first()
    if whole:
        label = "whole order"
        if earlier is not None:
            amount = earlier.amount_cents
        else:
            amount = payment.captured_cents - payment.refunded_cents
            # The lines get back what is left on them; the rest is the fee.
            claims = _line_refunds_claim(
                order=order, captured_cents=payment.captured_cents, line_ids=None, budget=amount
            )
    else:
        ids = sorted(set(line_ids or []))
        label = "lines " + ", ".join(str(pk) for pk in ids)
        if earlier is not None:
            # The same request again: its lines were claimed the first time.
            amount = earlier.amount_cents
        else:
            claims = _line_refunds_claim(order=order, captured_cents=payment.captured_cents, line_ids=ids)
            amount = sum(claims.values())
    if amount <= 0:
        _line_refunds_release(claims)
        raise RefundInvalid(_("There is nothing left to refund on this selection."), field="lines")
    try:
        operation = payment_refund(
            payment_id=payment.pk, amount_cents=amount, idempotency_key=idempotency_key, reason=reason, actor=actor
        )
    except Exception:
        _line_refunds_release(claims)
        raise
    with transaction.atomic():
        order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
        if not OrderEvent.objects.filter(order=order, note__startswith=f"refund {operation.pk}:").exists():
            _history(order, f"refund {operation.pk}: {operation.amount_cents} cents, {label}: {reason}", actor=actor)
        fresh = Payment.objects.get(pk=payment.pk)
        if fresh.refunded_cents == fresh.captured_cents and rules.can_transition(
            order.status, rules.REFUNDED, is_pickup=order.is_pickup
        ):
            order = order_transition(order_id=order.pk, target=rules.REFUNDED, actor=actor, note="fully refunded")
    logger.info("order.refunded", extra={"order_id": order.pk, "amount_cents": operation.amount_cents})
    return RefundDone(
        amount_cents=operation.amount_cents, order=order, operation_id=operation.pk, line_ids=tuple(sorted(claims))
    )
