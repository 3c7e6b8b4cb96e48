"""The operator order page's actions that move money: status changes (cancel) and refunds.

They render the order page of ``orders`` again when refused, and credit
the order's invoices when they succeed.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from panier.aftersales.services import order_cancel, order_refund_credited
from panier.audit.services import audit_record
from panier.core.errors import PanierError
from panier.core.templatetags.money import format_cents
from panier.hubs import access
from panier.hubs.access import hub_access
from panier.orders import backoffice_selectors as sel
from panier.orders.forms_refund import RefundForm
from panier.orders.models import OrderStatus
from panier.orders.services import order_transition
from panier.orders.views_operator import order_page
from panier.payments.adapters.base import ProviderError


@require_POST
@hub_access(access.ORDERS_MANAGE)
def order_change(request: HttpRequest, *, hub, number: str) -> HttpResponse:
    """Move an order to another state; a refused move shows why (409).

    Cancelling releases or refunds the payment and credits the invoices.
    """
    order = sel.operator_order(hub=hub, number=number)
    if order is None:
        raise Http404("unknown order")
    target = request.POST.get("target", "")
    note = request.POST.get("note", "").strip()[:300]
    try:
        if target == OrderStatus.CANCELLED:
            order_cancel(order_id=order.pk, actor=request.user, note=note)
        else:
            order_transition(order_id=order.pk, target=target, actor=request.user, note=note)
        audit_record(action="change", object_type="order", object_id=order.number, hub=hub, request=request,
                     fields=["status"], changes={"status": [order.status, target]})
    except PanierError as exc:
        fresh = sel.operator_order(hub=hub, number=number)
        return order_page(request, hub, fresh, status=exc.status if exc.status in (400, 404, 409) else 400,
                          error=exc.message)
    label = OrderStatus(target).label
    messages.success(request, _("Order %(number)s is now: %(status)s.") % {"number": number, "status": label})
    return redirect("operator:order_detail", hub_slug=hub.slug, number=number)


@require_POST
@hub_access(access.ORDERS_REFUND)
def order_refund_view(request: HttpRequest, *, hub, number: str) -> HttpResponse:
    """Refund the whole order or some lines, with a reason, and credit it; errors re-render the page."""
    order = sel.operator_order(hub=hub, number=number)
    if order is None:
        raise Http404("unknown order")
    form = RefundForm(request.POST, order=order)
    if not form.is_valid():
        return order_page(request, hub, order, status=400, refund_form=form)
    data = form.cleaned_data
    try:
        done = order_refund_credited(
            order_id=order.pk,
            whole=data["scope"] == "whole",
            line_ids=data["lines"],
            reason=data["reason"],
            actor=request.user,
            idempotency_key=f"{order.number}:refund:{data['token']}",
        )
    except PanierError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        status = 502 if isinstance(exc, ProviderError) else (exc.status if exc.status in (400, 404, 409) else 400)
        return order_page(request, hub, sel.operator_order(hub=hub, number=number), status=status,
                          refund_form=form)
    messages.success(
        request, _("Refunded %(amount)s.") % {"amount": format_cents(done.amount_cents, order.currency)}
    )
    return redirect("operator:order_detail", hub_slug=hub.slug, number=number)
