"""The rounds of a delivery day for the hub's staff: plan, adjust, print."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from panier.core.errors import PanierError
from panier.hubs import access
from panier.hubs.access import hub_access
from panier.orders.backoffice_selectors import local_day
from panier.orders.models import Order
from panier.rounds import documents, services
from panier.rounds import selectors as sel
from panier.rounds.forms import VehicleForm
from panier.rounds.maps import day_map


def _parse_day(text: str | None, hub) -> date | None:
    if not text:
        return local_day(timezone.now(), hub.timezone)
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _back(hub, day: date) -> HttpResponse:
    return redirect(reverse("rounds:day", kwargs={"hub_slug": hub.slug}) + f"?day={day.isoformat()}")


def _render_day(request, hub, day, *, status=200, vehicle_form=None):
    data = sel.day_rounds(hub=hub, day=day)
    return render(
        request,
        "rounds/day.html",
        {
            "hub": hub,
            "day": day,
            "data": data,
            "map": day_map(hub=hub, rounds=data.rounds, tile_url=settings.PANIER_MAP_TILE_URL),
            "vehicle_form": vehicle_form or VehicleForm(),
        },
        status=status,
    )


@hub_access(access.ROUNDS_MANAGE)
def day(request: HttpRequest, *, hub) -> HttpResponse:
    when = _parse_day(request.GET.get("day"), hub)
    if when is None:
        messages.error(request, _("Enter a date like 2025-06-30."))
        return _render_day(request, hub, local_day(timezone.now(), hub.timezone), status=400)
    return _render_day(request, hub, when)


def _posted_day(request, hub) -> date:
    when = _parse_day(request.POST.get("day"), hub)
    if when is None:
        raise Http404("bad date")
    return when


@require_POST
@hub_access(access.ROUNDS_MANAGE)
def plan(request: HttpRequest, *, hub) -> HttpResponse:
    when = _parse_day(request.POST.get("day"), hub)
    if when is None:
        messages.error(request, _("Enter a date like 2025-06-30."))
        return _render_day(request, hub, local_day(timezone.now(), hub.timezone), status=400)
    try:
        result = services.rounds_plan(hub=hub, day=when)
    except PanierError as exc:
        messages.error(request, exc.message)
        return _render_day(request, hub, when, status=exc.status if exc.status in (400, 409) else 400)
    messages.success(
        request,
        _("%(served)s stops planned in %(rounds)s rounds; %(unserved)s not served.")
        % {"served": result.solution.served, "rounds": len(result.solution.routes), "unserved": len(result.solution.unserved)},
    )
    return _back(hub, when)


@require_POST
@hub_access(access.ROUNDS_MANAGE)
def stop_move(request: HttpRequest, *, hub, stop_id: int) -> HttpResponse:
    when = _posted_day(request, hub)
    try:
        round_id = int(request.POST.get("round", ""))
        services.stop_move(hub=hub, stop_id=stop_id, round_id=round_id)
    except ValueError:
        messages.error(request, _("Choose a round."))
        return _render_day(request, hub, when, status=400)
    except PanierError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        messages.error(request, exc.message)
        return _render_day(request, hub, when, status=409)
    messages.success(request, _("Stop moved. Re-optimise the round to find the best order."))
    return _back(hub, when)


@require_POST
@hub_access(access.ROUNDS_MANAGE)
def round_reoptimise(request: HttpRequest, *, hub, round_id: int) -> HttpResponse:
    when = _posted_day(request, hub)
    try:
        services.round_reoptimise(hub=hub, round_id=round_id)
    except PanierError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        messages.error(request, exc.message)
        return _render_day(request, hub, when, status=409)
    messages.success(request, _("Round re-optimised."))
    return _back(hub, when)


@require_POST
@hub_access(access.ROUNDS_MANAGE)
def order_coordinates(request: HttpRequest, *, hub, number: str) -> HttpResponse:
    """Geocode an address, or store coordinates typed by the operator."""
    when = _posted_day(request, hub)
    order = Order.objects.filter(hub=hub, number=number, fulfilment="delivery").first()
    if order is None:
        raise Http404("unknown order")
    try:
        if "geocode" in request.POST:
            services.order_geocode(order=order)
        else:
            services.order_set_coordinates(
                order=order, latitude=request.POST.get("latitude", ""), longitude=request.POST.get("longitude", "")
            )
    except PanierError as exc:
        messages.error(request, f"{number}: {exc.message}")
        return _render_day(request, hub, when, status=400 if exc.status < 500 else 503)
    messages.success(request, _("Coordinates of %(number)s saved. Plan again to include it.") % {"number": number})
    return _back(hub, when)


@require_POST
@hub_access(access.ROUNDS_MANAGE)
def geocode_day(request: HttpRequest, *, hub) -> HttpResponse:
    when = _posted_day(request, hub)
    report = services.orders_geocode_day(hub=hub, day=when)
    if report.located:
        messages.success(request, _("Located: %(numbers)s. Plan again to include them.") % {"numbers": ", ".join(report.located)})
    if report.not_found:
        messages.warning(request, _("Not found, enter coordinates: %(numbers)s.") % {"numbers": ", ".join(report.not_found)})
    if report.error:
        messages.error(request, report.error)
        return _render_day(request, hub, when, status=503)
    return _back(hub, when)


@require_POST
@hub_access(access.ROUNDS_MANAGE)
def vehicle_add(request: HttpRequest, *, hub) -> HttpResponse:
    when = _posted_day(request, hub)
    form = VehicleForm(request.POST)
    if not form.is_valid():
        return _render_day(request, hub, when, status=400, vehicle_form=form)
    vehicle = form.save(commit=False)
    vehicle.hub = hub
    vehicle.save()
    messages.success(request, _("Vehicle %(name)s added.") % {"name": vehicle.name})
    return _back(hub, when)


@hub_access(access.ROUNDS_MANAGE)
def round_sheet(request: HttpRequest, *, hub, round_id: int) -> HttpResponse:
    rnd = sel.hub_round(hub=hub, round_id=round_id)
    if rnd is None:
        raise Http404("unknown round")
    response = HttpResponse(documents.round_sheet_pdf(hub=hub, rnd=rnd), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="round-{rnd.plan.day.isoformat()}-{rnd.pk}.pdf"'
    return response
