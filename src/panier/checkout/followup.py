"""What follows a confirmed payment: the confirmation e-mail and the invoice PDFs.

With ``PANIER_ORDER_FOLLOWUP_DEFERRED`` on, the payment's transaction
queues ``order_paid_followup_task`` (django-tasks, database backend): the
task row is written in the same transaction as the paid status, so it
exists exactly when the payment was applied and survives a process that
dies right after the commit; a ``panier db_worker`` then sends the e-mail
and renders the PDFs, off the customer's request. With it off, both
happen after commit in the request, as before.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django_tasks import task

from panier.core.sqlcache import KeptQuery
from panier.invoicing.models import DocumentKind, Invoice
from panier.invoicing.services import invoice_document_ensure
from panier.notifications.services import email_send, email_send_on_commit
from panier.orders.models import Order
from panier.orders.selectors import order_detail_queryset

logger = logging.getLogger(__name__)


_CONFIRMATION_ORDER = KeptQuery(
    "checkout.confirmation", lambda p: order_detail_queryset(events=False).filter(pk=p.int("order"))
)


def _confirmation_kwargs(order_id: int) -> dict:
    # Two queries in all: the order with its hub, slot and place, then its
    # lines with their producers. Both bodies read the same prefetched lines
    # (the HTML recap through ``order.lines.all``), so the templates load
    # nothing more; the SQL of both is compiled once per process, as the
    # worker sends one of these per paid order.
    order = _CONFIRMATION_ORDER(order=order_id).get()
    return {
        "to": [order.email],
        "template": "orders/email/confirmation",
        "context": {"order": order, "hub": order.hub, "lines": list(order.lines.all())},
        "language": order.language,
        "reply_to": [order.hub.email],
    }


def order_confirmation_send(*, order: Order) -> None:
    """E-mail the contract recap (durable medium, C. conso L221-13) after commit."""
    email_send_on_commit(**_confirmation_kwargs(order.pk))


def order_paid_followup_queue(*, order: Order) -> None:
    """Queue the e-mail and the PDFs of a paid order in the caller's transaction.

    Call it in the transaction that marks the order paid: the task row
    commits or rolls back with it.
    """
    order_paid_followup_task.enqueue(order_id=order.pk)


def order_paid_followup(*, order_id: int) -> None:
    """Send the confirmation e-mail, then render the invoice PDFs still missing.

    Rendering failures are logged and left for the first download, which
    renders the document again; the e-mail is not sent twice.
    """
    email_send(**_confirmation_kwargs(order_id))
    if not settings.PANIER_INVOICE_PDF_ON_PAYMENT:
        return
    pending = Invoice.objects.filter(order_id=order_id, kind=DocumentKind.INVOICE, pdf=None).values_list("pk", flat=True)
    for invoice_id in list(pending):
        try:
            invoice_document_ensure(invoice_id=invoice_id)
        except Exception:
            # The document is rendered again on first download.
            logger.exception("invoice.render_failed", extra={"invoice_id": invoice_id})


@task()
def order_paid_followup_task(order_id: int) -> None:
    """Send a paid order's confirmation e-mail and render its invoice PDFs."""
    order_paid_followup(order_id=order_id)
