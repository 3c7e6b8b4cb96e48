"""Money given back after the sale, with the documents that follow it.

``orders`` refunds and cancels through the payment provider but sits below
``invoicing``; these use cases do both: the money moves first (provider
calls, no transaction held), then the order's documents are settled
(``invoicing.services.order_documents_settle``): one credit note per
invoice concerned, referencing it, keyed by the refund operation so that
retrying never credits twice. Should the process stop in between,
``panier invoices settle`` issues the missing credit notes.
"""

from __future__ import annotations

import logging

from django.utils import translation
from django.utils.translation import gettext

from panier.invoicing.services import order_documents_settle
from panier.orders.models import Order, OrderStatus
from panier.orders.payment_services import RefundDone, order_payment_release, order_refund
from panier.orders.services import order_transition

logger = logging.getLogger(__name__)


def order_refund_credited(
    *,
    order_id: int,
    reason: str,
    idempotency_key: str,
    whole: bool = False,
    line_ids: list[int] | None = None,
    actor=None,
) -> RefundDone:
    """Refund the whole order or some lines, then credit exactly what was refunded.

    See ``orders.payment_services.order_refund`` for the refund and its
    errors. The credit notes carry the refund's reason and the key
    ``refund:<operation id>``; the same request twice refunds and credits
    once.
    """
    done = order_refund(
        order_id=order_id, reason=reason, idempotency_key=idempotency_key, whole=whole, line_ids=line_ids,
        actor=actor,
    )
    # Only what this refund gave back: a refund of other lines of the
    # order may still be at the provider. A replayed request claimed
    # nothing this time; its lines are the ones it names.
    lines = done.line_ids or (() if whole else tuple(line_ids or ()))
    order_documents_settle(
        order_id=order_id, reason=reason.strip(), source_key=f"refund:{done.operation_id}",
        line_ids=lines, fee=whole,
    )
    return done


def order_cancel(*, order_id: int, actor=None, note: str = "") -> Order:
    """Cancel an order, give the money back and credit its invoices in full.

    The authorisation is released, or what was captured refunded (see
    ``order_payment_release``); the invoices issued at payment are then
    credited whole. Raises TransitionNotAllowed, PaymentStateInvalid or
    ProviderError (the order stays cancelled; reconciliation releases the
    money and ``panier invoices settle`` the documents).
    """
    order = order_transition(order_id=order_id, target=OrderStatus.CANCELLED, actor=actor, note=note)
    order_payment_release(order_id=order.pk, actor=actor)
    with translation.override(order.language or "fr"):
        reason = gettext("Order cancelled")
    order_documents_settle(order_id=order.pk, reason=reason, source_key="cancel")
    logger.info("order.cancelled_credited", extra={"order_id": order.pk})
    return order
