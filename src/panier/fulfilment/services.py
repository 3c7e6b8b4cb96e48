"""Packing: record what went into each order and the amount to capture."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from panier.core import clock
from panier.fulfilment import rules
from panier.fulfilment.errors import (
    CollectionTooEarly,
    PackingExceedsAuthorised,
    PackingInvalid,
    PackingNotAllowed,
    PackingOrderNotFound,
    SubstitutionRefused,
)
from panier.fulfilment.models import PackedLine, Packing
from panier.invoicing.services import order_documents_settle
from panier.orders import rules as order_rules
from panier.orders.models import Order, OrderLine
from panier.orders.payment_services import order_payment, order_payment_capture
from panier.orders.services import order_transition
from panier.payments.adapters.base import ProviderError

logger = logging.getLogger(__name__)

PACKABLE = (order_rules.PAID, order_rules.IN_PREPARATION)


@dataclass(frozen=True)
class LineResult:
    line_id: int
    outcome: str = rules.PACKED
    packed_quantity: int | None = None  # None: all that was ordered
    weight_g: int | None = None  # total weight of the packed items, for goods sold by weight
    substitute: str = ""


def order_packing_finish(
    *,
    order_id: int,
    lines: list[LineResult],
    bags: int,
    has_cold_items: bool = False,
    actor=None,
    allow_over_authorised: bool = False,
    now: datetime | None = None,
) -> Order:
    """Record the packing of an order, set its final amounts and mark it ready.

    Every line needs a result. The final amount (lines + fee) is stored on
    the order for the payment capture; above the authorised total the call
    fails with PackingExceedsAuthorised unless ``allow_over_authorised``,
    which flags the packing instead. In the same transaction the order's
    invoices are settled to the final amounts (credit notes for what is
    missing or lighter, a supplementary invoice for what is heavier: see
    ``invoicing.services.order_documents_settle``). Raises
    PackingOrderNotFound, PackingNotAllowed, PackingInvalid or
    SubstitutionRefused.
    """
    now = now or clock.now()
    if bags < 1 or bags > 50:
        raise PackingInvalid(_bags_message(), field="bags")
    with transaction.atomic():
        order = Order.objects.select_for_update(of=("self",)).filter(pk=order_id).first()
        if order is None:
            raise PackingOrderNotFound()
        if order.status not in PACKABLE:
            raise PackingNotAllowed(field="status", current=order.status)
        order_lines = list(OrderLine.objects.filter(order=order).order_by("pk"))
        given = {r.line_id: r for r in lines}
        if set(given) != {line.pk for line in order_lines}:
            raise PackingInvalid(field="lines")
        totals = []
        packed_rows = []
        for line in order_lines:
            result = given[line.pk]
            if result.outcome not in rules.OUTCOMES:
                raise PackingInvalid(field=f"line-{line.pk}")
            if result.outcome == rules.SUBSTITUTED and not order.allow_substitutions:
                raise SubstitutionRefused(field=f"line-{line.pk}")
            quantity = line.quantity if result.packed_quantity is None else result.packed_quantity
            if result.outcome == rules.MISSING:
                quantity = 0
            try:
                total = rules.final_line_cents(
                    outcome=result.outcome,
                    unit_price_cents=line.unit_price_cents,
                    ordered_quantity=line.quantity,
                    packed_quantity=quantity,
                    sold_by_weight=line.sold_by_weight,
                    weight_g=result.weight_g,
                    ordered_total_cents=line.line_total_cents,
                )
            except ValueError as exc:
                raise PackingInvalid(
                    gettext("Check the quantity and the weight (in grams) of %(item)s.") % {"item": line.product_name},
                    field=f"line-{line.pk}",
                ) from exc
            line.final_total_cents = total
            if line.sold_by_weight:
                line.final_weight_g = result.weight_g if quantity and result.outcome == rules.PACKED else None
            totals.append(total)
            packed_rows.append((line, result.outcome, quantity, result.substitute[:150]))
        final = rules.final_total_cents(totals, delivery_fee_cents=order.delivery_fee_cents)
        # Weighed goods were authorised with a margin: compare with what the
        # card holds, not with the estimated total.
        payment = order_payment(order=order)
        authorised = payment.amount_cents if payment is not None else order.total_cents
        over = final > authorised
        if over and not allow_over_authorised:
            raise PackingExceedsAuthorised(final_cents=final, authorised_cents=authorised)
        OrderLine.objects.bulk_update(order_lines, ["final_total_cents", "final_weight_g"])
        packing, _ = Packing.objects.update_or_create(
            order=order,
            defaults={
                "bags": bags,
                "has_cold_items": has_cold_items,
                "exceeds_authorised": over,
                "finished_at": now,
                "finished_by": actor,
            },
        )
        PackedLine.objects.filter(packing=packing).delete()
        PackedLine.objects.bulk_create(
            [
                PackedLine(packing=packing, line=line, outcome=outcome, packed_quantity=qty, substitute=sub)
                for line, outcome, qty, sub in packed_rows
            ]
        )
        order.final_total_cents = final
        order.save(update_fields=["final_total_cents"])
        if order.status == order_rules.PAID:
            order_transition(order_id=order.pk, target=order_rules.IN_PREPARATION, actor=actor, now=now)
        order = order_transition(
            order_id=order.pk, target=order_rules.READY, actor=actor, note=_note(final, authorised), now=now
        )
        # The invoice was issued at payment with the ordered (estimated)
        # amounts: credit what is not handed over or weighs less, bill
        # apart what weighs more, in the same transaction as the packing.
        with translation.override(order.language or "fr"):
            reason = gettext("Final amounts at packing (weighed, missing or replaced items)")
        order_documents_settle(
            order_id=order.pk, reason=reason, source_key=f"packing:{packing.pk}", now=now,
            render=settings.PANIER_INVOICE_PDF_ON_PAYMENT,
        )
    logger.info("order.packed", extra={"order_id": order.pk, "final_cents": final, "over": over})
    try:
        order_payment_capture(order_id=order.pk, now=now)
    except ProviderError:
        # The packing stands; reconciliation captures the final amount later.
        logger.warning("order.capture_deferred", extra={"order_id": order.pk}, exc_info=True)
    return order


def _bags_message() -> str:
    return gettext("Enter between 1 and 50 bags.")


def _note(final: int, authorised: int) -> str:
    return f"packed: final {final} / authorised {authorised} cents"


def collection_lists_send(*, hub, day, now: datetime | None = None, force: bool = False) -> int:
    """E-mail each producer what to bring for ``day``; return how many lists were sent.

    Only once every slot of the day is past its cut-off (unless ``force``),
    and once per producer and day: running it again sends nothing new.
    Raises CollectionTooEarly.
    """
    from panier.delivery.models import Slot
    from panier.fulfilment.models import CollectionListSent
    from panier.notifications.services import email_send_on_commit
    from panier.orders.backoffice_selectors import collection_list, day_bounds
    from panier.producers.models import Producer, ProducerStaff

    now = now or clock.now()
    start, end = day_bounds(day, hub.timezone)
    if not force and Slot.objects.filter(hub=hub, starts_at__gte=start, starts_at__lt=end, cutoff_at__gt=now).exists():
        raise CollectionTooEarly()
    sent = 0
    for producer in Producer.objects.filter(hub=hub).order_by("pk"):
        rows = collection_list(producer=producer, day=day)
        if not rows:
            continue
        to = [producer.email] if producer.email else sorted(
            ProducerStaff.objects.filter(producer=producer).values_list("user__email", flat=True)
        )
        if not to:
            logger.warning("collection_list.no_recipient", extra={"producer_id": producer.pk})
            continue
        with transaction.atomic():
            _, created = CollectionListSent.objects.get_or_create(
                producer=producer, day=day, defaults={"sent_at": now, "recipients": ", ".join(to)[:500]}
            )
            if not created:
                continue
            email_send_on_commit(
                to=to,
                template="fulfilment/email/collection_list",
                context={"hub": hub, "producer": producer, "day": day, "rows": rows},
                language="fr",
            )
        sent += 1
    return sent
