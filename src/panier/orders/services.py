"""Order writes: the status pipeline, releases, expiry, withdrawal."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime

from django.db import transaction

from panier.core import clock
from panier.delivery.services import slot_release
from panier.inventory.services import stock_release
from panier.notifications.services import email_send_on_commit
from panier.orders import rules
from panier.orders.errors import OrderNotFound, TransitionNotAllowed, WithdrawalNotAvailable
from panier.orders.models import Order, OrderEvent, OrderStatus, Withdrawal

logger = logging.getLogger(__name__)

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def order_number_new(*, hub_slug: str) -> str:
    """Return a new order number such as ``NICE-7K3M9Q2D`` (unique by constraint)."""
    prefix = "".join(ch for ch in hub_slug.upper() if ch.isalnum())[:6] or "PAN"
    return f"{prefix}-{''.join(secrets.choice(_ALPHABET) for _ in range(8))}"


def _quantities(order: Order) -> dict[int, int]:
    totals: dict[int, int] = {}
    for line in order.lines.all():
        totals[line.variant_id] = totals.get(line.variant_id, 0) + line.quantity
    return totals


def order_transition(
    *,
    order_id: int,
    target: str,
    actor=None,
    note: str = "",
    now: datetime | None = None,
    locked: Order | None = None,
) -> Order:
    """Move an order to ``target`` if the pipeline allows it.

    Locks the order row; a caller that already holds its lock in the
    current transaction passes the row it read under that lock as
    ``locked``, which spares reading it again. Cancelling or failing an
    order gives its stock and slot place back in the same transaction.
    Raises OrderNotFound or TransitionNotAllowed.
    """
    now = now or clock.now()
    if locked is not None and (locked.pk != order_id or not transaction.get_connection().in_atomic_block):
        locked = None
    # A caller holding the lock runs its own transaction: no savepoint of
    # ours inside it (an error here ends the caller's transaction anyway).
    with transaction.atomic(savepoint=locked is None):
        order = locked or Order.objects.select_for_update(of=("self",)).filter(pk=order_id).first()
        if order is None:
            raise OrderNotFound()
        if not rules.can_transition(order.status, target, is_pickup=order.is_pickup):
            raise TransitionNotAllowed(field="status", current=order.status, target=target)
        previous = order.status
        if rules.releases_reservations(previous, target):
            stock_release(quantities=_quantities(order), reference=order.number)
            slot_release(slot_id=order.slot_id)
        order.status = target
        fields = ["status"]
        if target == OrderStatus.PAID:
            order.paid_at = now
            fields.append("paid_at")
        order.save(update_fields=fields)
        OrderEvent.objects.create(
            order=order, actor=actor, from_status=previous, to_status=target, note=note[:300], created_at=now
        )
        if target in (OrderStatus.READY_FOR_PICKUP, OrderStatus.OUT_FOR_DELIVERY, OrderStatus.CANCELLED):
            email_send_on_commit(
                to=[order.email],
                template="orders/email/status",
                context={"order": order, "hub": order.hub},
                language=order.language,
            )
    logger.info("order.transition", extra={"order_id": order.pk, "from": previous, "to": target})
    return order


def orders_expire_unpaid(*, now: datetime | None = None) -> int:
    """Cancel the orders whose payment has not arrived in time; return how many.

    Safe to run repeatedly (e.g. every minute): each order is re-checked
    under its lock.
    """
    now = now or clock.now()
    due = Order.objects.filter(status=OrderStatus.PENDING_PAYMENT, payment_due_by__lt=now).values_list("pk", flat=True)
    count = 0
    for order_id in list(due):
        try:
            order_transition(
                order_id=order_id, target=OrderStatus.CANCELLED, note="payment not received in time", now=now
            )
            count += 1
        except TransitionNotAllowed:
            continue
    return count


def withdrawal_start(*, order: Order, name: str, email: str, now: datetime | None = None) -> Withdrawal:
    """First step of the online withdrawal function: record the request."""
    now = now or clock.now()
    if order.status in (OrderStatus.CANCELLED, OrderStatus.PAYMENT_FAILED, OrderStatus.REFUNDED):
        raise WithdrawalNotAvailable()
    return Withdrawal.objects.create(order=order, name=name[:200], email=email, created_at=now)


def withdrawal_confirm(*, token: str, now: datetime | None = None) -> Withdrawal:
    """Second step: confirm the withdrawal and e-mail the acknowledgement.

    Confirming twice changes nothing and sends no second e-mail.
    """
    now = now or clock.now()
    with transaction.atomic():
        withdrawal = Withdrawal.objects.select_for_update().select_related("order__hub").get(token=token)
        if withdrawal.confirmed_at is None:
            withdrawal.confirmed_at = now
            withdrawal.receipt_sent_at = now
            withdrawal.save(update_fields=["confirmed_at", "receipt_sent_at"])
            OrderEvent.objects.create(
                order=withdrawal.order,
                from_status=withdrawal.order.status,
                to_status=withdrawal.order.status,
                note="withdrawal confirmed by the customer",
                created_at=now,
            )
            email_send_on_commit(
                to=[withdrawal.email],
                template="orders/email/withdrawal_receipt",
                context={"withdrawal": withdrawal, "order": withdrawal.order, "hub": withdrawal.order.hub},
                language=withdrawal.order.language,
                reply_to=[withdrawal.order.hub.email],
            )
    return withdrawal
