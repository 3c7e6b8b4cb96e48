"""The hub order board: orders per delivery day and slot, and their states.

Only the hub's staff (or a superuser) get in; another hub, or an order of
another hub, answers 404.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from panier.audit.services import audit_record
from panier.hubs import access
from panier.hubs.access import hub_access, hubs_for_user
from panier.orders import backoffice_selectors as sel
from panier.orders import rules
from panier.orders.forms_refund import RefundForm
from panier.orders.models import OrderStatus
from panier.orders.payment_services import order_payment


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Go to the user's hub, or let them pick one."""
    hubs = list(hubs_for_user(request.user, access.ORDERS_VIEW))
    if not hubs:
        raise PermissionDenied
    if len(hubs) == 1:
        return redirect("operator:board", hub_slug=hubs[0].slug)
    return render(request, "orders/operator/index.html", {"hubs": hubs})


def _parse_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@hub_access(access.ORDERS_VIEW)
def board(request: HttpRequest, *, hub) -> HttpResponse:
    today = sel.local_day(timezone.now(), hub.timezone)
    raw_day = request.GET.get("day")
    day = _parse_day(raw_day)
    status_code = 200
    if raw_day and day is None:
        messages.error(request, _("Enter a date like 2025-06-30."))
        status_code = 400
    day = day or today
    status = request.GET.get("status", "")
    if status not in rules.TRANSITIONS:
        status = ""
    result = sel.operator_board(hub=hub, day=day, status=status)
    return render(
        request,
        "orders/operator/board.html",
        {
            "hub": hub,
            "board": result,
            "day": day,
            "previous_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
            "status": status,
            "statuses": OrderStatus.choices,
        },
        status=status_code,
    )


def order_page(request, hub, order, *, status=200, error=None, refund_form=None) -> HttpResponse:
    """The operator's order page; actions that fail render it again with their error."""
    targets = [
        (target, OrderStatus(target).label) for target in rules.allowed_transitions(order.status, is_pickup=order.is_pickup)
    ]
    labels = dict(OrderStatus.choices)
    events = [(ev, labels.get(ev.from_status, ev.from_status), labels.get(ev.to_status, ev.to_status)) for ev in order.events.all()]
    return render(
        request,
        "orders/operator/order_detail.html",
        {
            "hub": hub, "order": order, "targets": targets, "error": error, "events": events,
            "payment": order_payment(order=order),
            "refund_form": refund_form or RefundForm(order=order),
        },
        status=status,
    )


@hub_access(access.ORDERS_VIEW)
def order_detail(request: HttpRequest, *, hub, number: str) -> HttpResponse:
    order = sel.operator_order(hub=hub, number=number)
    if order is None:
        raise Http404("unknown order")
    audit_record(action="view", object_type="order", object_id=order.number, hub=hub, request=request,
                 fields=["customer", "email", "phone", "address", "lines"])
    return order_page(request, hub, order)
