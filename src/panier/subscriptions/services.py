"""Recurring baskets: sign-up with an authenticated card, customer changes,
and the run that turns each due cycle into a normal order.

A cycle's order goes through ``checkout_complete`` like any other, so
stock and slot capacity are claimed the same way; it is then paid with
the stored card as a merchant-initiated payment. A cycle runs once:
``SubscriptionRun`` is unique on (subscription, cycle date), the order is
placed with the run's checkout token and the charge carries a key derived
from the order number, so a run that is repeated or resumed never places
or charges twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction

from panier.cart.models import Cart, CartLine
from panier.cart.selectors import cart_view
from panier.catalog.models import Variant
from panier.checkout.services import CheckoutDetails, checkout_complete, checkout_payment_returned
from panier.core import clock
from panier.core.errors import PanierError
from panier.delivery.errors import CutoffPassed, SlotFull, SlotNotFound
from panier.delivery.models import Slot, SlotKind
from panier.inventory.errors import StockInsufficient
from panier.notifications.services import email_send
from panier.orders.models import Order, OrderStatus
from panier.orders.services import order_transition
from panier.payments import rules as payment_rules
from panier.payments.adapters.base import Exemption, ProviderError
from panier.payments.models import Payment, PaymentStatus, StoredPaymentMethod
from panier.payments.services import payment_charge_stored, payment_open, payment_sync, payment_void
from panier.subscriptions import rules
from panier.subscriptions.errors import (
    CardNotAuthorised,
    CycleNotSkippable,
    SlotPatternInvalid,
    SubscriptionEmpty,
    SubscriptionStateInvalid,
)
from panier.subscriptions.models import (
    RunStatus,
    Subscription,
    SubscriptionLine,
    SubscriptionRun,
    SubscriptionSkip,
    SubscriptionStatus,
)

logger = logging.getLogger(__name__)

#: How many upcoming cycles the customer may skip ahead.
SKIPPABLE_CYCLES = 8


@dataclass(frozen=True)
class SubscriptionDetails:
    """What the customer chose when subscribing."""

    every_days: int
    shortage_policy: str
    first_name: str
    last_name: str
    phone: str
    address_line1: str = ""
    address_line2: str = ""
    postal_code: str = ""
    city: str = ""


def _local(slot: Slot) -> datetime:
    return slot.starts_at.astimezone(ZoneInfo(slot.hub.timezone))


def _pattern_from_slot(*, hub, slot_id: int, now: datetime) -> tuple[Slot, date, time]:
    slot = Slot.objects.select_related("hub").filter(pk=slot_id, hub=hub, cutoff_at__gt=now).first()
    if slot is None:
        raise SlotPatternInvalid(field="slot")
    local = _local(slot)
    return slot, local.date(), local.time().replace(second=0, microsecond=0)


def subscription_create(
    *,
    hub,
    user,
    cart: Cart | None,
    slot_id: int,
    details: SubscriptionDetails,
    language: str = "fr",
    now: datetime | None = None,
) -> Subscription:
    """Turn the customer's basket into a recurring basket waiting for its card.

    The first delivery is the chosen slot's day; later ones follow every
    ``every_days`` on the same weekday and time. Raises SubscriptionEmpty
    or SlotPatternInvalid; nothing is created when it raises.
    """
    now = now or clock.now()
    if cart is None or cart.hub_id != hub.pk:
        raise SubscriptionEmpty()
    view = cart_view(cart=cart)
    lines = [line for line in view.lines if line.is_available]
    if not lines:
        raise SubscriptionEmpty()
    slot, first_on, at = _pattern_from_slot(hub=hub, slot_id=slot_id, now=now)
    with transaction.atomic():
        subscription = Subscription.objects.create(
            hub=hub,
            user=user,
            every_days=details.every_days,
            starts_on=first_on,
            slot_kind=slot.kind,
            slot_time=at,
            pickup_point=slot.pickup_point,
            shortage_policy=details.shortage_policy,
            email=user.email,
            first_name=details.first_name.strip()[:100],
            last_name=details.last_name.strip()[:100],
            phone=details.phone.strip()[:30],
            address_line1=details.address_line1.strip()[:200]
            if slot.kind == SlotKind.DELIVERY
            else "",
            address_line2=details.address_line2.strip()[:200]
            if slot.kind == SlotKind.DELIVERY
            else "",
            postal_code=details.postal_code.strip()[:10] if slot.kind == SlotKind.DELIVERY else "",
            city=details.city.strip()[:100] if slot.kind == SlotKind.DELIVERY else "",
            language=language[:8],
            terms_accepted_at=now,
        )
        quantities: dict[int, int] = {}
        for line in lines:
            quantities[line.variant.pk] = quantities.get(line.variant.pk, 0) + line.quantity
        SubscriptionLine.objects.bulk_create(
            SubscriptionLine(subscription=subscription, variant_id=variant_id, quantity=qty)
            for variant_id, qty in quantities.items()
        )
    logger.info(
        "subscription.created", extra={"subscription_id": subscription.pk, "hub_id": hub.pk}
    )
    return subscription


def subscription_estimate_cents(*, subscription: Subscription) -> int:
    """The goods total of one cycle at today's prices."""
    return sum(
        line.quantity * line.variant.price_cents
        for line in subscription.lines.select_related("variant")
    )


def subscription_card_open(*, subscription: Subscription, return_url: str) -> Payment:
    """Open the customer-present payment that authenticates the card.

    The payment is for one box at today's prices, asks the bank for a
    challenge (strong authentication sets up the mandate) and keeps the
    card. Once authorised the hold is released: each cycle, the first one
    included, is charged on its own. Idempotent: a retry reopens the same
    payment until it has failed.
    """
    if subscription.status != SubscriptionStatus.PENDING_CARD:
        raise SubscriptionStateInvalid()
    amount = subscription_estimate_cents(subscription=subscription)
    if amount <= 0:
        raise SubscriptionEmpty()
    reference = f"SUB-{subscription.public_id.hex[:12].upper()}"
    finished = (
        Payment.objects.filter(reference=reference).exclude(status=PaymentStatus.PENDING).count()
    )
    payment = payment_open(
        hub=subscription.hub,
        reference=reference,
        amount_cents=amount,
        idempotency_key=f"{reference}:mandate:{finished + 1}",
        return_url=return_url,
        exemption=Exemption.CHALLENGE,
        save_method=True,
        customer=subscription.user,
    )
    Subscription.objects.filter(pk=subscription.pk).update(setup_payment=payment)
    subscription.setup_payment = payment
    return payment


def subscription_card_returned(*, subscription: Subscription) -> Subscription:
    """Apply the card payment's outcome after the customer came back.

    Authorised: the stored card is linked, the subscription is active and
    the hold is released. Otherwise raises CardNotAuthorised (still
    waiting for a card) and the customer may try again.
    """
    if subscription.status != SubscriptionStatus.PENDING_CARD:
        return subscription
    payment = subscription.setup_payment
    if payment is None:
        raise CardNotAuthorised()
    payment = payment_sync(payment_id=payment.pk)
    method = StoredPaymentMethod.objects.filter(
        first_payment=payment, revoked_at__isnull=True
    ).first()
    if payment.status not in (PaymentStatus.AUTHORISED, PaymentStatus.CAPTURED) or method is None:
        raise CardNotAuthorised()
    with transaction.atomic():
        Subscription.objects.select_for_update().filter(pk=subscription.pk).first()
        updated = Subscription.objects.filter(
            pk=subscription.pk, status=SubscriptionStatus.PENDING_CARD
        ).update(status=SubscriptionStatus.ACTIVE, payment_method=method)
    if updated and payment.status == PaymentStatus.AUTHORISED:
        try:
            payment_void(
                payment_id=payment.pk,
                idempotency_key=f"{payment.reference}:release",
                reason="card set up",
            )
        except (ProviderError, PanierError):
            # The hold lapses by itself at the bank; reconciliation retries.
            logger.warning("subscription.setup_release_failed", extra={"payment_id": payment.pk})
    logger.info("subscription.activated", extra={"subscription_id": subscription.pk})
    subscription.refresh_from_db()
    return subscription


# Customer changes -----------------------------------------------------------


def _open_for_changes(subscription: Subscription) -> None:
    if subscription.status == SubscriptionStatus.CANCELLED:
        raise SubscriptionStateInvalid()


def subscription_upcoming(
    *, subscription: Subscription, today: date, count: int = SKIPPABLE_CYCLES
) -> list[date]:
    """The next cycle dates, today included."""
    return list(
        rules.cycles(
            starts_on=subscription.starts_on,
            every_days=subscription.every_days,
            after=today,
            count=count,
        )
    )


def subscription_skip(
    *, subscription: Subscription, cycle_on: date, today: date
) -> SubscriptionSkip:
    """Skip one upcoming cycle (idempotent). Raises CycleNotSkippable."""
    _open_for_changes(subscription)
    if cycle_on not in subscription_upcoming(subscription=subscription, today=today):
        raise CycleNotSkippable(field="cycle_on")
    if SubscriptionRun.objects.filter(subscription=subscription, cycle_on=cycle_on).exists():
        raise CycleNotSkippable(field="cycle_on")
    try:
        with transaction.atomic():
            return SubscriptionSkip.objects.get_or_create(
                subscription=subscription, cycle_on=cycle_on
            )[0]
    except IntegrityError:
        return SubscriptionSkip.objects.get(subscription=subscription, cycle_on=cycle_on)


def subscription_unskip(*, subscription: Subscription, cycle_on: date) -> None:
    """Take back a skip that has not run yet."""
    SubscriptionSkip.objects.filter(subscription=subscription, cycle_on=cycle_on).delete()


def subscription_pause(*, subscription: Subscription, until: date | None) -> Subscription:
    """Pause deliveries (until a date, inclusive, or until resumed)."""
    if subscription.status not in (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAUSED):
        raise SubscriptionStateInvalid()
    Subscription.objects.filter(pk=subscription.pk).update(
        status=SubscriptionStatus.PAUSED, paused_until=until
    )
    subscription.refresh_from_db()
    return subscription


def subscription_resume(*, subscription: Subscription) -> Subscription:
    if subscription.status != SubscriptionStatus.PAUSED:
        raise SubscriptionStateInvalid()
    Subscription.objects.filter(pk=subscription.pk).update(
        status=SubscriptionStatus.ACTIVE, paused_until=None
    )
    subscription.refresh_from_db()
    return subscription


def subscription_cancel(*, subscription: Subscription) -> Subscription:
    """Stop the subscription; cycles already run keep their orders."""
    Subscription.objects.filter(pk=subscription.pk).update(status=SubscriptionStatus.CANCELLED)
    subscription.refresh_from_db()
    logger.info("subscription.cancelled", extra={"subscription_id": subscription.pk})
    return subscription


def subscription_lines_update(
    *, subscription: Subscription, quantities: Mapping[int, int]
) -> Subscription:
    """Set the quantity of each line (0 removes it). Raises SubscriptionEmpty
    when nothing would be left."""
    _open_for_changes(subscription)
    with transaction.atomic():
        Subscription.objects.select_for_update().filter(pk=subscription.pk).first()
        lines = {line.pk: line for line in subscription.lines.all()}
        keep = {pk: qty for pk, qty in quantities.items() if pk in lines}
        if not any(
            qty > 0
            for qty in {**{pk: line.quantity for pk, line in lines.items()}, **keep}.values()
        ):
            raise SubscriptionEmpty()
        for pk, qty in keep.items():
            if qty <= 0:
                lines[pk].delete()
            elif qty != lines[pk].quantity:
                SubscriptionLine.objects.filter(pk=pk).update(quantity=qty)
    return subscription


def subscription_lines_replace(*, subscription: Subscription, cart: Cart | None) -> Subscription:
    """Replace the recurring basket with the customer's current basket."""
    _open_for_changes(subscription)
    if cart is None or cart.hub_id != subscription.hub_id:
        raise SubscriptionEmpty()
    quantities: dict[int, int] = {}
    for line in cart_view(cart=cart).lines:
        if line.is_available:
            quantities[line.variant.pk] = quantities.get(line.variant.pk, 0) + line.quantity
    if not quantities:
        raise SubscriptionEmpty()
    with transaction.atomic():
        Subscription.objects.select_for_update().filter(pk=subscription.pk).first()
        subscription.lines.all().delete()
        SubscriptionLine.objects.bulk_create(
            SubscriptionLine(subscription=subscription, variant_id=v, quantity=q)
            for v, q in quantities.items()
        )
    return subscription


def subscription_slot_change(
    *, subscription: Subscription, slot_id: int, now: datetime | None = None
) -> Subscription:
    """Move the pattern to another slot: its weekday, time, kind and place.

    Cycles already run are kept; the next one is the chosen slot's day.
    """
    _open_for_changes(subscription)
    now = now or clock.now()
    slot, first_on, at = _pattern_from_slot(hub=subscription.hub, slot_id=slot_id, now=now)
    if slot.kind == SlotKind.DELIVERY and not subscription.address_line1:
        raise SlotPatternInvalid(
            "Delivery needs an address: subscribe again from your basket to give one.", field="slot"
        )
    Subscription.objects.filter(pk=subscription.pk).update(
        starts_on=first_on, slot_time=at, slot_kind=slot.kind, pickup_point=slot.pickup_point
    )
    subscription.refresh_from_db()
    return subscription


# Running cycles -------------------------------------------------------------


def _slot_for(subscription: Subscription, cycle_on: date) -> Slot | None:
    """The hub's slot matching the pattern on ``cycle_on`` (hub time)."""
    tz = ZoneInfo(subscription.hub.timezone)
    start = datetime.combine(cycle_on, time.min, tzinfo=tz)
    slots = Slot.objects.select_related("hub").filter(
        hub_id=subscription.hub_id,
        kind=subscription.slot_kind,
        pickup_point_id=subscription.pickup_point_id,
        starts_at__gte=start,
        starts_at__lt=start + timedelta(days=1),
    )
    for slot in slots.order_by("starts_at", "pk"):
        if _local(slot).time().replace(second=0, microsecond=0) == subscription.slot_time:
            return slot
    return None


def _available(variant_ids) -> dict[int, int]:
    rows = Variant.objects.filter(
        pk__in=variant_ids, is_active=True, product__is_active=True
    ).values_list("pk", "stock__remaining")
    return {pk: remaining or 0 for pk, remaining in rows}


def _finish(
    run: SubscriptionRun,
    status: str,
    *,
    detail: str = "",
    order: Order | None = None,
    redirect_url: str = "",
) -> SubscriptionRun:
    """Record a run's outcome and e-mail the customer after commit (once)."""
    with transaction.atomic():
        locked = SubscriptionRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != RunStatus.STARTED:
            return locked
        locked.status = status
        locked.detail = detail[:200]
        if order is not None:
            locked.order = order
        locked.save(update_fields=["status", "detail", "order", "updated_at"])
        if status not in (RunStatus.SKIPPED, RunStatus.PAUSED):
            sub = locked.subscription
            transaction.on_commit(
                partial(
                    email_send,
                    to=[sub.email],
                    template="subscriptions/email/cycle",
                    context={
                        "run": locked,
                        "subscription": sub,
                        "hub": sub.hub,
                        "order": order,
                        "lines": list(order.lines.all()) if order is not None else [],
                        "redirect_url": redirect_url,
                    },
                    language=sub.language,
                    reply_to=[sub.hub.email],
                )
            )
    logger.info(
        "subscription.cycle_%s",
        status,
        extra={"subscription_id": run.subscription_id, "run_id": run.pk},
    )
    return locked


def _run_claim(subscription: Subscription, cycle_on: date) -> tuple[SubscriptionRun, bool]:
    """Create the cycle's run, or find it. Returns (run, whether to work on it)."""
    run = SubscriptionRun.objects.filter(subscription=subscription, cycle_on=cycle_on).first()
    if run is not None:
        return run, run.status == RunStatus.STARTED
    try:
        with transaction.atomic():
            run = SubscriptionRun.objects.create(subscription=subscription, cycle_on=cycle_on)
    except IntegrityError:
        # Another worker created it at the same moment and works on it.
        return SubscriptionRun.objects.get(subscription=subscription, cycle_on=cycle_on), False
    return run, True


def _place(
    subscription: Subscription,
    run: SubscriptionRun,
    slot: Slot,
    quantities: Mapping[int, int],
    now: datetime,
) -> Order:
    cart = Cart.objects.create(hub=subscription.hub)
    try:
        CartLine.objects.bulk_create(
            CartLine(cart=cart, variant_id=v, quantity=q) for v, q in quantities.items()
        )
        details = CheckoutDetails(
            fulfilment=subscription.slot_kind,
            slot_id=slot.pk,
            email=subscription.email,
            first_name=subscription.first_name,
            last_name=subscription.last_name,
            phone=subscription.phone,
            accepted_terms=True,
            postal_code=subscription.postal_code,
            address_line1=subscription.address_line1,
            address_line2=subscription.address_line2,
            city=subscription.city,
            pickup_point_id=subscription.pickup_point_id,
        )
        return checkout_complete(
            hub=subscription.hub,
            cart=cart,
            details=details,
            checkout_token=run.checkout_token,
            user=subscription.user,
            language=subscription.language,
            now=now,
        )
    finally:
        cart.delete()


def subscription_cycle_run(
    *, subscription_id: int, cycle_on: date, now: datetime | None = None
) -> SubscriptionRun:
    """Run one cycle: place its order, charge the stored card, tell the customer.

    Safe to call again or twice at once: the run row is unique per cycle,
    the order is placed with the run's checkout token and the charge's key
    comes from the order number. A run left "started" by a crash resumes.
    Provider errors propagate (the run stays started and is retried).
    """
    now = now or clock.now()
    subscription = Subscription.objects.select_related("hub", "payment_method").get(
        pk=subscription_id
    )
    if not subscription.is_due(cycle_on) or subscription.status in (
        SubscriptionStatus.PENDING_CARD,
        SubscriptionStatus.CANCELLED,
    ):
        raise SubscriptionStateInvalid("This subscription has no cycle on that date.")
    run, mine = _run_claim(subscription, cycle_on)
    if not mine:
        return run
    if run.order_id is None:
        if SubscriptionSkip.objects.filter(subscription=subscription, cycle_on=cycle_on).exists():
            return _finish(run, RunStatus.SKIPPED)
        paused = subscription.status == SubscriptionStatus.PAUSED and (
            subscription.paused_until is None or cycle_on <= subscription.paused_until
        )
        if paused:
            return _finish(run, RunStatus.PAUSED)
        slot = _slot_for(subscription, cycle_on)
        if slot is None:
            return _finish(run, RunStatus.NO_SLOT, detail="no matching slot")
        wanted = {line.variant_id: line.quantity for line in subscription.lines.all()}
        order = None
        for _attempt in range(2):
            decision = rules.fill(
                wanted=wanted, available=_available(wanted), policy=subscription.shortage_policy
            )
            if decision.is_empty:
                return _finish(run, RunStatus.SHORT, detail="stock short")
            try:
                order = _place(subscription, run, slot, decision.quantities, now)
                break
            except StockInsufficient:
                continue  # someone bought the last units meanwhile: decide again
            except (SlotFull, CutoffPassed, SlotNotFound) as exc:
                return _finish(run, RunStatus.NO_SLOT, detail=exc.code)
            except PanierError as exc:
                # Below the minimum order, a delivery address no longer
                # served…: the customer reads the reason in the e-mail.
                return _finish(run, RunStatus.NOT_PLACED, detail=exc.message)
        if order is None:
            return _finish(run, RunStatus.SHORT, detail="stock short")
        SubscriptionRun.objects.filter(pk=run.pk).update(
            order=order, is_reduced=decision.is_reduced
        )
        run.refresh_from_db()
    order = Order.objects.get(pk=run.order_id)
    return _charge(subscription, run, order)


def _cycle_exemption(subscription: Subscription, order: Order) -> Exemption:
    """Merchant-initiated, flagged recurring only when the amount is the mandate's."""
    mandate_cents = subscription.setup_payment.amount_cents if subscription.setup_payment else None
    context = payment_rules.ScaContext(
        amount_cents=order.total_cents,
        customer_initiated=False,
        same_amount_as_mandate=order.total_cents == mandate_cents,
    )
    return Exemption(payment_rules.sca_exemption(context))


def _charge(subscription: Subscription, run: SubscriptionRun, order: Order) -> SubscriptionRun:
    if order.status != OrderStatus.PENDING_PAYMENT:
        ok = order.status not in (OrderStatus.PAYMENT_FAILED, OrderStatus.CANCELLED)
        return _finish(run, RunStatus.ORDERED if ok else RunStatus.PAYMENT_FAILED, order=order)
    method = subscription.payment_method
    if method is None or method.revoked_at is not None:
        result_payment = None
    else:
        result = payment_charge_stored(
            hub=subscription.hub,
            reference=order.number,
            amount_cents=order.total_cents,
            method=method,
            idempotency_key=f"{order.number}:mit:1",
            exemption=_cycle_exemption(subscription, order),
        )
        if result.needs_customer:
            return _finish(
                run, RunStatus.NEEDS_CUSTOMER, order=order, redirect_url=result.redirect_url
            )
        result_payment = result.payment
    if result_payment is None:
        with transaction.atomic():
            from_status = Order.objects.select_for_update(of=("self",)).get(pk=order.pk).status
        if from_status == OrderStatus.PENDING_PAYMENT:
            order = order_transition(
                order_id=order.pk, target=OrderStatus.PAYMENT_FAILED, note="no stored card"
            )
        return _finish(run, RunStatus.PAYMENT_FAILED, detail="no stored card", order=order)
    order = checkout_payment_returned(payment_public_id=result_payment.public_id)
    if order.status == OrderStatus.PAID:
        return _finish(run, RunStatus.ORDERED, order=order)
    if order.status == OrderStatus.PAYMENT_FAILED:
        return _finish(
            run, RunStatus.PAYMENT_FAILED, detail=result_payment.failure_code, order=order
        )
    # Still pending at the bank: reconciliation settles the order later.
    return _finish(run, RunStatus.PAYMENT_PENDING, order=order)


def subscriptions_due(*, cycle_on: date) -> list[Subscription]:
    """Subscriptions with a cycle on ``cycle_on`` (active or paused)."""
    candidates = Subscription.objects.filter(
        status__in=[SubscriptionStatus.ACTIVE, SubscriptionStatus.PAUSED], starts_on__lte=cycle_on
    ).order_by("pk")
    return [s for s in candidates if s.is_due(cycle_on)]


def subscriptions_run(
    *,
    cycle_on: date,
    now: datetime | None = None,
    progress: Callable[[int, int, SubscriptionRun | None, Subscription], None] | None = None,
) -> dict[str, int]:
    """Run every cycle due on ``cycle_on``; return how many ended in each state.

    A provider error on one subscription is logged and counted as
    ``error`` (its run stays started and the next run resumes it); the
    others go on.
    """
    due = subscriptions_due(cycle_on=cycle_on)
    summary: dict[str, int] = {}
    for index, subscription in enumerate(due, start=1):
        try:
            run = subscription_cycle_run(
                subscription_id=subscription.pk, cycle_on=cycle_on, now=now
            )
            key = run.status
        except ProviderError:
            logger.warning(
                "subscription.cycle_provider_error", extra={"subscription_id": subscription.pk}
            )
            run, key = None, "error"
        summary[key] = summary.get(key, 0) + 1
        if progress is not None:
            progress(index, len(due), run, subscription)
    return summary
