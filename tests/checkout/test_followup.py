"""The confirmation e-mail and invoice PDF of a paid order, queued as a task."""

import uuid

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from panier.checkout.services import checkout_complete, checkout_pay, checkout_payment_returned
from panier.invoicing.models import Invoice
from panier.orders.models import Order, OrderStatus
from panier.payments.adapters.sandbox import sandbox_pay
from tests.checkout.test_services import basket, details

FOLLOWUP = "panier.checkout.followup.order_paid_followup_task"


@pytest.fixture
def deferred(settings):
    settings.PANIER_ORDER_FOLLOWUP_DEFERRED = True
    settings.PANIER_INVOICE_PDF_ON_PAYMENT = True


def _paid_by_card(shop):
    cart = basket(shop, (0, 2), (1, 1))
    order = checkout_complete(hub=shop.hub, cart=cart, details=details(shop), checkout_token=uuid.uuid4())
    payment = checkout_pay(order=order, return_url="/return")
    sandbox_pay(intent_id=payment.provider_ref, card_number="4242 4242 4242 4242")
    return order, payment


# The worker closes its database connection after each task, as in
# production: the test commits for real instead of running in a rolled-back
# transaction.
@pytest.mark.django_db(transaction=True)
def test_a_paid_order_queues_its_followup_and_the_worker_sends_it(shop, deferred, django_capture_on_commit_callbacks):
    """The return marks the order paid and queues one task; the worker e-mails the recap and renders the PDF."""
    order, payment = _paid_by_card(shop)

    with django_capture_on_commit_callbacks(execute=True):
        order = checkout_payment_returned(payment_public_id=payment.public_id)
    with django_capture_on_commit_callbacks(execute=True):
        checkout_payment_returned(payment_public_id=payment.public_id)

    assert order.status == OrderStatus.PAID
    assert mail.outbox == []
    queued = DBTaskResult.objects.filter(task_path=FOLLOWUP)
    assert queued.count() == 1
    assert queued.get().args_kwargs["kwargs"] == {"order_id": order.pk}
    invoice = Invoice.objects.get(order=order)
    assert invoice.number
    assert invoice.pdf is None

    call_command("db_worker", "--batch", "--no-startup-delay", "--nice", "0", verbosity=0)

    assert queued.get().status == "SUCCESSFUL"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.org"]
    assert order.number in mail.outbox[0].subject
    invoice.refresh_from_db()
    assert bytes(invoice.pdf).startswith(b"%PDF")


def test_the_task_is_not_queued_when_the_payment_transaction_rolls_back(shop, deferred):
    """The task row belongs to the payment's transaction: no paid order, no task."""
    order, payment = _paid_by_card(shop)

    def pay_then_die():
        with transaction.atomic():
            checkout_payment_returned(payment_public_id=payment.public_id)
            queued_inside.append(DBTaskResult.objects.filter(task_path=FOLLOWUP).count())
            raise RuntimeError("the process dies before the commit")

    queued_inside = []
    with pytest.raises(RuntimeError):
        pay_then_die()

    assert queued_inside == [1]
    assert DBTaskResult.objects.filter(task_path=FOLLOWUP).count() == 0
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT
    assert mail.outbox == []


def test_without_deferral_the_recap_leaves_after_commit(shop, settings, django_capture_on_commit_callbacks):
    """With the setting off, the request itself sends the e-mail after commit and queues nothing."""
    settings.PANIER_ORDER_FOLLOWUP_DEFERRED = False
    order, payment = _paid_by_card(shop)

    with django_capture_on_commit_callbacks(execute=True):
        checkout_payment_returned(payment_public_id=payment.public_id)

    assert len(mail.outbox) == 1
    assert not DBTaskResult.objects.filter(task_path=FOLLOWUP).exists()
