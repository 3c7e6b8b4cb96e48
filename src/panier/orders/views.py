"""Customer order pages: an order's detail and the online withdrawal function.

The withdrawal function follows C. conso L221-21 (in force 19 June 2026):
a clearly labelled link, a first step asking only name, order reference
and e-mail, a separate confirmation step, then an acknowledgement on a
durable medium (the receipt e-mail) stating its content, date and time.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from panier.core.errors import Conflict, PanierError
from panier.orders.forms import WithdrawalForm
from panier.orders.models import OrderStatus
from panier.orders.selectors import order_for_customer, order_for_withdrawal, withdrawal_get
from panier.orders.services import withdrawal_confirm, withdrawal_start

#: Session key the checkout keeps the access keys of a guest's orders under.
ORDER_KEYS = "panier_order_keys"

#: States in which the online withdrawal function is offered for an order.
WITHDRAWABLE = frozenset(
    {
        OrderStatus.PAID,
        OrderStatus.IN_PREPARATION,
        OrderStatus.READY,
        OrderStatus.OUT_FOR_DELIVERY,
        OrderStatus.READY_FOR_PICKUP,
        OrderStatus.DELIVERED,
    }
)
_LABELS = dict(OrderStatus.choices)


@never_cache
@require_GET
def detail(request: HttpRequest, number: str) -> HttpResponse:
    """An order for its customer: the owner, or a guest with the order's key."""
    key = request.GET.get("key") or request.session.get(ORDER_KEYS, {}).get(number)
    order = order_for_customer(number=number, user=request.user, access_key=key)
    if order is None:
        raise Http404("unknown order")
    request.hub = order.hub  # type: ignore[attr-defined]
    # Events that keep the status (a withdrawal request) are listed apart.
    history = [
        {
            "at": event.created_at,
            "status": _("Order placed") if not event.from_status else _LABELS.get(event.to_status, event.to_status),
        }
        for event in order.events.all()
        if event.from_status != event.to_status
    ]
    lines = list(order.lines.all())
    context = {
        "hub": order.hub,
        "order": order,
        "history": history,
        "key": key if not (request.user.is_authenticated and order.user_id == request.user.pk) else "",
        "can_withdraw": order.status in WITHDRAWABLE,
        "has_no_withdrawal_lines": any(not line.has_withdrawal_right for line in lines),
    }
    return render(request, "orders/shop/detail.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def withdraw_start(request: HttpRequest) -> HttpResponse:
    """Step 1 of the withdrawal function: name, order number, e-mail."""
    status = 200
    if request.method == "POST":
        form = WithdrawalForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            order = order_for_withdrawal(number=data["number"], email=data["email"], user=request.user)
            if order is None:
                form.add_error(
                    "number", _("No order matches this number and e-mail address. Please check them.")
                )
                status = 400
            else:
                try:
                    withdrawal = withdrawal_start(order=order, name=data["name"], email=data["email"])
                except PanierError as exc:
                    form.add_error(None, exc.message)
                    status = 409 if isinstance(exc, Conflict) else 400
                else:
                    return redirect("orders:withdraw_confirm", token=withdrawal.token)
        else:
            status = 400
    else:
        user = request.user
        initial = {"number": request.GET.get("number", "")[:30]}
        if user.is_authenticated:
            initial.update(name=f"{user.first_name} {user.last_name}".strip(), email=user.email)
        form = WithdrawalForm(initial=initial)
    return render(request, "orders/shop/withdraw_start.html", {"form": form}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def withdraw_confirm(request: HttpRequest, token) -> HttpResponse:
    """Step 2: the separate "Confirm withdrawal" button."""
    withdrawal = withdrawal_get(token=token)
    if withdrawal is None:
        raise Http404("unknown withdrawal")
    if withdrawal.confirmed_at is not None:
        return redirect("orders:withdraw_done", token=withdrawal.token)
    if request.method == "POST":
        withdrawal_confirm(token=str(withdrawal.token))
        return redirect("orders:withdraw_done", token=withdrawal.token)
    order = withdrawal.order
    request.hub = order.hub  # type: ignore[attr-defined]
    lines = list(order.lines.all())
    context = {
        "withdrawal": withdrawal,
        "order": order,
        "hub": order.hub,
        "excluded_lines": [line for line in lines if not line.has_withdrawal_right],
    }
    return render(request, "orders/shop/withdraw_confirm.html", context)


@never_cache
@require_GET
def withdraw_done(request: HttpRequest, token) -> HttpResponse:
    """The acknowledgement: what was recorded, with its date and time."""
    withdrawal = withdrawal_get(token=token)
    if withdrawal is None:
        raise Http404("unknown withdrawal")
    if withdrawal.confirmed_at is None:
        return redirect("orders:withdraw_confirm", token=withdrawal.token)
    request.hub = withdrawal.order.hub  # type: ignore[attr-defined]
    context = {"withdrawal": withdrawal, "order": withdrawal.order, "hub": withdrawal.order.hub}
    return render(request, "orders/shop/withdraw_done.html", context)
