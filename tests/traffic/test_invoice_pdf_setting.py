"""Busy shops keep the invoice PDF off the request that confirms a payment."""

from panier.invoicing.models import Invoice
from panier.orders.models import OrderStatus
from tests import factories


def test_invoice_is_numbered_but_not_rendered_when_the_setting_is_off(
    shop, settings, django_capture_on_commit_callbacks
):
    """With PANIER_INVOICE_PDF_ON_PAYMENT off, the paid order has its invoice number and no PDF yet."""
    settings.PANIER_INVOICE_PDF_ON_PAYMENT = False

    with django_capture_on_commit_callbacks(execute=True):
        order = factories.order_paid_by_card(shop, [(0, 2), (1, 1)])

    assert order.status == OrderStatus.PAID
    invoices = list(Invoice.objects.filter(order=order))
    assert invoices
    assert all(invoice.number and invoice.pdf is None for invoice in invoices)

