"""Recurring baskets through their services, with the sandbox provider."""

from datetime import timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from panier.inventory.models import Stock
from panier.orders.models import Order, OrderStatus
from panier.payments.models import Payment, PaymentStatus, SandboxMethod
from panier.payments.services import payment_method_revoke
from panier.subscriptions.errors import (
    CardNotAuthorised,
    CycleNotSkippable,
    SlotPatternInvalid,
    SubscriptionEmpty,
    SubscriptionStateInvalid,
)
from panier.subscriptions.models import RunStatus, SubscriptionStatus
from panier.subscriptions.services import (
    subscription_cancel,
    subscription_cycle_run,
    subscription_lines_update,
    subscription_pause,
    subscription_resume,
    subscription_skip,
    subscription_slot_change,
    subscription_unskip,
    subscriptions_due,
)
from tests.subscriptions.helpers import CARD_SOFT_DECLINE, slot_weeks_later, subscribe

pytestmark = pytest.mark.usefixtures("english")


def _remaining(shop, index):
    return Stock.objects.get(variant=shop.variant(index)).remaining


def test_checked_card_activates_the_subscription_and_releases_the_hold(shop):
    """The first payment is authenticated (challenge), keeps the card, and its hold is released."""
    subscription = subscribe(shop)

    assert subscription.status == SubscriptionStatus.ACTIVE
    assert subscription.payment_method.first_payment == subscription.setup_payment
    setup = Payment.objects.get(pk=subscription.setup_payment_id)
    assert (setup.exemption, setup.save_method, setup.status) == (
        "challenge",
        True,
        PaymentStatus.CANCELLED,
    )
    assert setup.amount_cents == 2 * 650 + 1055


def test_refused_card_leaves_the_subscription_waiting(shop):
    """A declined card gives a clear error and no active subscription."""
    with pytest.raises(CardNotAuthorised):
        subscribe(shop, card="4000 0000 0000 9995")


def test_empty_basket_cannot_become_a_subscription(shop):
    with pytest.raises(SubscriptionEmpty):
        subscribe(shop, items=())


def test_cycle_places_a_paid_order_charged_as_recurring(shop, django_capture_on_commit_callbacks):
    """A due cycle becomes a normal paid order in the pattern's slot, charged off-session, and the customer hears of it."""
    subscription = subscribe(shop)
    booked = shop.pickup_slot.booked
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        run = subscription_cycle_run(
            subscription_id=subscription.pk, cycle_on=subscription.starts_on
        )

    assert run.status == RunStatus.ORDERED
    order = run.order
    assert (order.status, order.user, order.slot_id) == (
        OrderStatus.PAID,
        subscription.user,
        shop.pickup_slot.pk,
    )
    assert order.goods_cents == 2 * 650 + 1055
    payment = Payment.objects.get(reference=order.number)
    assert (payment.status, payment.exemption, payment.method_id) == (
        PaymentStatus.AUTHORISED,
        "recurring",
        subscription.payment_method_id,
    )
    assert (_remaining(shop, 0), _remaining(shop, 1)) == (8, 4)
    shop.pickup_slot.refresh_from_db()
    assert shop.pickup_slot.booked == booked + 1
    subjects = [m.subject for m in mail.outbox]
    assert any("panier récurrent" in s and "est commandé" in s for s in subjects)


def test_running_a_cycle_again_places_and_charges_once(shop):
    """A second run of the same cycle returns the first run: one order, one charge."""
    subscription = subscribe(shop)

    first = subscription_cycle_run(subscription_id=subscription.pk, cycle_on=subscription.starts_on)
    second = subscription_cycle_run(
        subscription_id=subscription.pk, cycle_on=subscription.starts_on
    )

    assert first.pk == second.pk
    assert Order.objects.filter(user=subscription.user).count() == 1
    assert Payment.objects.filter(reference=first.order.number).count() == 1


def test_skipped_and_paused_cycles_place_nothing(shop):
    """A skipped cycle and a paused one leave no order and charge nothing."""
    subscription = subscribe(shop)
    next_week = subscription.starts_on + timedelta(days=7)
    slot_weeks_later(shop.pickup_slot, 1)
    today = subscription.starts_on - timedelta(days=3)

    subscription_skip(subscription=subscription, cycle_on=subscription.starts_on, today=today)
    skipped = subscription_cycle_run(
        subscription_id=subscription.pk, cycle_on=subscription.starts_on
    )
    subscription_pause(subscription=subscription, until=next_week)
    paused = subscription_cycle_run(subscription_id=subscription.pk, cycle_on=next_week)

    assert (skipped.status, paused.status) == (RunStatus.SKIPPED, RunStatus.PAUSED)
    assert Order.objects.filter(user=subscription.user).count() == 0


def test_pause_ends_on_its_date_and_resume_restarts(shop):
    """After the pause's last day cycles run again; resuming clears the pause."""
    subscription = subscribe(shop)
    subscription_pause(subscription=subscription, until=subscription.starts_on - timedelta(days=1))

    run = subscription_cycle_run(subscription_id=subscription.pk, cycle_on=subscription.starts_on)
    subscription = subscription_resume(subscription=subscription)

    assert run.status == RunStatus.ORDERED
    assert (subscription.status, subscription.paused_until) == (SubscriptionStatus.ACTIVE, None)


def test_skip_refuses_a_day_without_delivery(shop):
    subscription = subscribe(shop)

    with pytest.raises(CycleNotSkippable):
        subscription_skip(
            subscription=subscription,
            cycle_on=subscription.starts_on + timedelta(days=1),
            today=subscription.starts_on,
        )
    subscription_skip(
        subscription=subscription, cycle_on=subscription.starts_on, today=subscription.starts_on
    )
    subscription_unskip(subscription=subscription, cycle_on=subscription.starts_on)
    assert subscription.skips.count() == 0


def test_short_stock_skips_when_asked(shop, django_capture_on_commit_callbacks):
    """With the skip policy a missing product skips the cycle and tells the customer."""
    subscription = subscribe(shop, items=((1, 2),), policy="skip")
    Stock.objects.filter(variant=shop.variant(1)).update(remaining=1)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        run = subscription_cycle_run(
            subscription_id=subscription.pk, cycle_on=subscription.starts_on
        )

    assert run.status == RunStatus.SHORT
    assert run.order is None
    assert _remaining(shop, 1) == 1
    assert "ne sont pas disponibles" in mail.outbox[-1].body


def test_short_stock_reduces_when_asked(shop):
    """With the reduce policy the order holds what is left."""
    subscription = subscribe(shop, items=((0, 2), (1, 2)), policy="reduce")
    Stock.objects.filter(variant=shop.variant(1)).update(remaining=1)

    run = subscription_cycle_run(subscription_id=subscription.pk, cycle_on=subscription.starts_on)

    assert (run.status, run.is_reduced) == (RunStatus.ORDERED, True)
    assert Payment.objects.get(reference=run.order.number).exemption == "merchant_initiated"
    assert {line.variant_id: line.quantity for line in run.order.lines.all()} == {
        shop.variant(0).pk: 2,
        shop.variant(1).pk: 1,
    }
    assert _remaining(shop, 1) == 0


def test_full_slot_skips_the_cycle(shop):
    """A full slot is respected: no order, the customer is told."""
    subscription = subscribe(shop)
    type(shop.pickup_slot).objects.filter(pk=shop.pickup_slot.pk).update(capacity=1, booked=1)

    run = subscription_cycle_run(subscription_id=subscription.pk, cycle_on=subscription.starts_on)

    assert (run.status, run.detail) == (RunStatus.NO_SLOT, "slot_full")
    assert _remaining(shop, 0) == 10


def test_missing_slot_skips_the_cycle(shop):
    """No slot at the pattern's time that week: the cycle is skipped."""
    subscription = subscribe(shop)

    run = subscription_cycle_run(
        subscription_id=subscription.pk, cycle_on=subscription.starts_on + timedelta(days=7)
    )

    assert run.status == RunStatus.NO_SLOT


def test_bank_asking_for_the_customer_leaves_the_order_waiting(
    shop, django_capture_on_commit_callbacks
):
    """A soft decline on the stored card asks the customer to confirm; nothing is captured."""
    subscription = subscribe(shop, card=CARD_SOFT_DECLINE)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        run = subscription_cycle_run(
            subscription_id=subscription.pk, cycle_on=subscription.starts_on
        )

    assert run.status == RunStatus.NEEDS_CUSTOMER
    assert run.order.status == OrderStatus.PENDING_PAYMENT
    assert Payment.objects.get(reference=run.order.number).status == PaymentStatus.PENDING
    assert "confirm" in mail.outbox[-1].body


def test_revoked_card_fails_the_cycle_and_frees_stock(shop):
    """Without a usable card the order fails and gives its stock back; nothing is charged."""
    subscription = subscribe(shop)
    payment_method_revoke(method=subscription.payment_method)

    run = subscription_cycle_run(subscription_id=subscription.pk, cycle_on=subscription.starts_on)

    assert run.status == RunStatus.PAYMENT_FAILED
    assert run.order.status == OrderStatus.PAYMENT_FAILED
    assert not Payment.objects.filter(reference=run.order.number).exists()
    assert _remaining(shop, 0) == 10


def test_cancelled_or_unchecked_subscriptions_do_not_run(shop):
    waiting = subscribe(shop, activate=False)
    cancelled = subscription_cancel(subscription=subscribe(shop))

    for sub in (waiting, cancelled):
        with pytest.raises(SubscriptionStateInvalid):
            subscription_cycle_run(subscription_id=sub.pk, cycle_on=sub.starts_on)
    assert subscriptions_due(cycle_on=cancelled.starts_on) == []


def test_quantities_change_and_cannot_empty_the_basket(shop):
    subscription = subscribe(shop)
    first, second = subscription.lines.all()

    subscription_lines_update(subscription=subscription, quantities={first.pk: 3, second.pk: 0})
    with pytest.raises(SubscriptionEmpty):
        subscription_lines_update(subscription=subscription, quantities={first.pk: 0})

    assert [(line.variant_id, line.quantity) for line in subscription.lines.all()] == [
        (first.variant_id, 3)
    ]


def test_slot_change_moves_the_pattern(shop):
    """Choosing another slot moves the weekday, time and place of the next deliveries."""
    subscription = subscribe(shop)
    later = slot_weeks_later(shop.pickup_slot, 1)
    later.starts_at += timedelta(days=1, hours=1)
    later.ends_at += timedelta(days=1, hours=1)
    later.save()

    subscription = subscription_slot_change(subscription=subscription, slot_id=later.pk)

    local = later.starts_at.astimezone(ZoneInfo(shop.hub.timezone))
    assert (subscription.starts_on, subscription.slot_time) == (
        local.date(),
        local.time().replace(second=0),
    )
    run = subscription_cycle_run(subscription_id=subscription.pk, cycle_on=subscription.starts_on)
    assert run.order.slot_id == later.pk
    with pytest.raises(SlotPatternInvalid):
        subscription_slot_change(subscription=subscription, slot_id=shop.delivery_slot.pk)


def test_command_runs_due_cycles_with_progress_and_summary(shop):
    """The command reports each subscription and a summary; a second run changes nothing."""
    subscription = subscribe(shop)
    out = StringIO()
    call_command("subscriptions", "run", "--date", subscription.starts_on.isoformat(), stdout=out)
    again = StringIO()
    call_command("subscriptions", "run", "--date", subscription.starts_on.isoformat(), stdout=again)

    assert f"[1/1] subscription {subscription.pk}: ordered" in out.getvalue()
    assert "1 cycle(s): 1 ordered" in out.getvalue()
    assert "1 cycle(s): 1 ordered" in again.getvalue()
    assert Order.objects.filter(user=subscription.user).count() == 1


def test_command_refuses_a_bad_date(db):
    with pytest.raises(CommandError, match="--date"):
        call_command("subscriptions", "run", "--date", "30/05/2026")


def test_order_refused_by_checkout_is_reported(shop, django_capture_on_commit_callbacks):
    """An order checkout refuses (below the shop's minimum) is not placed, and the e-mail says why."""
    subscription = subscribe(shop)
    type(shop.hub).objects.filter(pk=shop.hub.pk).update(min_order_cents=100_000)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        run = subscription_cycle_run(
            subscription_id=subscription.pk, cycle_on=subscription.starts_on
        )

    assert run.status == RunStatus.NOT_PLACED
    assert "minimum order amount" in run.detail
    assert run.detail in mail.outbox[-1].body
    assert _remaining(shop, 0) == 10


def test_payment_still_processing_keeps_the_order_waiting(shop, django_capture_on_commit_callbacks):
    """A bank that has not answered yet leaves the order waiting, and the customer is told so."""
    subscription = subscribe(shop)
    SandboxMethod.objects.filter(pk=subscription.payment_method.method_ref).update(
        card="4000000000000119"
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        run = subscription_cycle_run(
            subscription_id=subscription.pk, cycle_on=subscription.starts_on
        )

    assert run.status == RunStatus.PAYMENT_PENDING
    assert run.order.status == OrderStatus.PENDING_PAYMENT
    assert "traite encore le paiement" in mail.outbox[-1].body
