"""The packing screen and the bag labels, for the hub's staff."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from panier.core.errors import PanierError
from panier.fulfilment import documents, rules
from panier.fulfilment import selectors as sel
from panier.fulfilment.errors import PackingExceedsAuthorised
from panier.fulfilment.services import LineResult, order_packing_finish
from panier.hubs import access
from panier.hubs.access import hub_access
from panier.orders.backoffice_selectors import local_day


def _day(request: HttpRequest, hub) -> tuple[date, bool]:
    raw = request.GET.get("day")
    if not raw:
        return local_day(timezone.now(), hub.timezone), True
    try:
        return date.fromisoformat(raw), True
    except ValueError:
        return local_day(timezone.now(), hub.timezone), False


@hub_access(access.ORDERS_MANAGE)
def day(request: HttpRequest, *, hub) -> HttpResponse:
    when, ok = _day(request, hub)
    if not ok:
        messages.error(request, _("Enter a date like 2025-06-30."))
    orders = sel.packing_day_orders(hub=hub, day=when)
    done = sum(1 for o in orders if hasattr(o, "packing"))
    return render(
        request,
        "fulfilment/day.html",
        {"hub": hub, "day": when, "orders": orders, "done": done},
        status=200 if ok else 400,
    )


def _render_order(request, hub, order, *, status=200, error=None, posted=None, over=False):
    posted = posted or {}
    # Entries typed before a refusal are shown again, so nothing has to be weighed twice.
    for line in order.lines.all():
        line.form_outcome = posted.get(f"outcome-{line.pk}", rules.PACKED)
        line.form_qty = posted.get(f"qty-{line.pk}", line.quantity)
        line.form_weight = posted.get(f"weight-{line.pk}", "")
        line.form_substitute = posted.get(f"substitute-{line.pk}", "")
    return render(
        request,
        "fulfilment/order.html",
        {
            "hub": hub,
            "order": order,
            "error": error,
            "posted": posted or {},
            "over": over,
            "outcomes": [(rules.PACKED, _("Packed")), (rules.MISSING, _("Missing")), (rules.SUBSTITUTED, _("Substituted"))],
            "packable": order.status in ("paid", "in_preparation"),
        },
        status=status,
    )


@hub_access(access.ORDERS_MANAGE)
def order(request: HttpRequest, *, hub, number: str) -> HttpResponse:
    found = sel.packing_order(hub=hub, number=number)
    if found is None:
        raise Http404("unknown order")
    return _render_order(request, hub, found)


def _int(text: str | None) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return -1  # refused by the service with a clear message


@require_POST
@hub_access(access.ORDERS_MANAGE)
def order_finish(request: HttpRequest, *, hub, number: str) -> HttpResponse:
    """Finish packing; any refusal re-shows the form with the entries and the reason."""
    found = sel.packing_order(hub=hub, number=number)
    if found is None:
        raise Http404("unknown order")
    post = request.POST
    results = []
    for line in found.lines.all():
        results.append(
            LineResult(
                line_id=line.pk,
                outcome=post.get(f"outcome-{line.pk}", rules.PACKED),
                packed_quantity=_int(post.get(f"qty-{line.pk}")),
                weight_g=_int(post.get(f"weight-{line.pk}")),
                substitute=post.get(f"substitute-{line.pk}", "").strip(),
            )
        )
    bags = _int(post.get("bags"))
    try:
        order_packing_finish(
            order_id=found.pk,
            lines=results,
            bags=bags if bags is not None else 1,
            has_cold_items=post.get("cold") == "on",
            actor=request.user,
            allow_over_authorised=post.get("confirm_over") == "on",
        )
    except PanierError as exc:
        fresh = sel.packing_order(hub=hub, number=number)
        status = 409 if exc.status == 409 else 400
        return _render_order(
            request, hub, fresh, status=status, error=exc.message, posted=post,
            over=isinstance(exc, PackingExceedsAuthorised),
        )
    messages.success(request, _("Order %(number)s is packed and ready.") % {"number": number})
    return redirect(f"{_day_url(hub)}?day={local_day(found.slot.starts_at, hub.timezone).isoformat()}")


def _day_url(hub) -> str:
    from django.urls import reverse

    return reverse("packing:day", kwargs={"hub_slug": hub.slug})


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@hub_access(access.ORDERS_MANAGE)
def order_labels(request: HttpRequest, *, hub, number: str) -> HttpResponse:
    found = sel.packing_order(hub=hub, number=number)
    if found is None:
        raise Http404("unknown order")
    pdf = documents.labels_pdf(hub=hub, labels=sel.labels_for_orders([found]))
    return _pdf(pdf, f"labels-{number}.pdf")


@hub_access(access.ORDERS_MANAGE)
def day_labels(request: HttpRequest, *, hub) -> HttpResponse:
    when, ok = _day(request, hub)
    if not ok:
        return HttpResponse(_("Enter a date like 2025-06-30."), status=400, content_type="text/plain")
    orders = list(sel.labels_day_orders(hub=hub, day=when))
    pdf = documents.labels_pdf(hub=hub, labels=sel.labels_for_orders(orders))
    return _pdf(pdf, f"labels-{hub.slug}-{when.isoformat()}.pdf")
