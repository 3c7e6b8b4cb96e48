"""The invoices and credit notes of an order, listed on the order pages of ``orders``.

The orders templates only name these tags; the data comes from the
invoicing selectors, so ``orders`` need not know about invoicing.
"""

from __future__ import annotations

from django import template

from panier.invoicing.selectors import invoices_for_order

register = template.Library()


@register.inclusion_tag("invoicing/_order_documents.html")
def order_documents(order, key="", operator_hub=None):
    """The order's documents, oldest first: the customer's download links or, for staff, PDF and XML."""
    return {
        "order": order,
        "documents": list(invoices_for_order(order=order).select_related("credited_invoice", "preceding_invoice")),
        "key": key,
        "hub": operator_hub,
    }
