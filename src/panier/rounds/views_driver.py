"""The driver's phone page: the day's rounds, the next stop, delivered or not."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from panier.core.errors import InvalidInput, PanierError
from panier.core.images import image_sanitise
from panier.hubs import access
from panier.hubs.access import hub_access
from panier.orders.backoffice_selectors import local_day
from panier.rounds import selectors as sel
from panier.rounds import services
from panier.rounds.models import Round

PHOTO_MAX_BYTES = 8 * 1024 * 1024


@hub_access(access.ROUNDS_DRIVE)
def index(request: HttpRequest, *, hub) -> HttpResponse:
    today = local_day(timezone.now(), hub.timezone)
    rounds = list(
        Round.objects.filter(plan__hub=hub, plan__day__gte=today)
        .select_related("vehicle", "plan")
        .order_by("plan__day", "vehicle__name")[:20]
    )
    return render(request, "rounds/driver_index.html", {"hub": hub, "rounds": rounds, "today": today})


def _render_round(request, hub, rnd, *, status=200, error=None):
    stop = sel.next_stop(rnd)
    return render(
        request,
        "rounds/driver_round.html",
        {"hub": hub, "round": rnd, "stop": stop, "error": error, "done": [s for s in rnd.stops.all() if s.status != "planned"]},
        status=status,
    )


@hub_access(access.ROUNDS_DRIVE)
def round_page(request: HttpRequest, *, hub, round_id: int) -> HttpResponse:
    rnd = sel.hub_round(hub=hub, round_id=round_id)
    if rnd is None:
        raise Http404("unknown round")
    return _render_round(request, hub, rnd)


@require_POST
@hub_access(access.ROUNDS_DRIVE)
def round_start(request: HttpRequest, *, hub, round_id: int) -> HttpResponse:
    try:
        services.round_start(hub=hub, round_id=round_id, actor=request.user)
    except PanierError as exc:
        raise Http404(exc.message) from exc
    return redirect("driver:round", hub_slug=hub.slug, round_id=round_id)


@require_POST
@hub_access(access.ROUNDS_DRIVE)
def stop_mark(request: HttpRequest, *, hub, round_id: int, stop_id: int) -> HttpResponse:
    rnd = sel.hub_round(hub=hub, round_id=round_id)
    if rnd is None or not any(s.pk == stop_id for s in rnd.stops.all()):
        raise Http404("unknown stop")
    photo = request.FILES.get("photo")
    if photo is not None:
        try:
            photo = image_sanitise(photo, max_bytes=PHOTO_MAX_BYTES)
        except InvalidInput as exc:
            return _render_round(request, hub, rnd, status=400, error=exc.message)
    delivered = request.POST.get("outcome") == "delivered"
    try:
        services.stop_mark(
            hub=hub, stop_id=stop_id, delivered=delivered, reason=request.POST.get("reason", ""), photo=photo,
            actor=request.user,
        )
    except PanierError as exc:
        fresh = sel.hub_round(hub=hub, round_id=round_id)
        return _render_round(request, hub, fresh, status=409 if exc.status == 409 else 400, error=exc.message)
    messages.success(request, _("Delivered.") if delivered else _("Marked as not delivered."))
    return redirect("driver:round", hub_slug=hub.slug, round_id=round_id)
