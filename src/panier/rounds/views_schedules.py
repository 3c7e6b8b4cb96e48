"""Delivery set-up for the hub's staff: schedules, closures, special days,
zones, and slot generation (under /operator/rounds/<hub>/schedules/)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import ProtectedError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from panier.core.errors import PanierError
from panier.delivery.forms import ClosureForm, ScheduleForm, SpecialDayForm, ZoneForm
from panier.delivery.models import Closure, Schedule, Slot, SpecialDay, Zone
from panier.delivery.services import slots_generate
from panier.hubs import access
from panier.hubs.access import hub_access

#: What each section of the page manages: model and form.
SECTIONS = {
    "schedule": (Schedule, ScheduleForm),
    "closure": (Closure, ClosureForm),
    "special": (SpecialDay, SpecialDayForm),
    "zone": (Zone, ZoneForm),
}


def _render(request: HttpRequest, hub, *, status: int = 200, bound=None) -> HttpResponse:
    forms = {name: form_class(hub=hub, prefix=name) for name, (_model, form_class) in SECTIONS.items()}
    if bound is not None:
        forms[bound.prefix] = bound
    now = timezone.now()
    context = {
        "hub": hub,
        "forms": forms,
        "schedules": Schedule.objects.filter(hub=hub).select_related("pickup_point"),
        "closures": Closure.objects.filter(hub=hub, last_day__gte=timezone.localdate(now)),
        "specials": SpecialDay.objects.filter(hub=hub, day__gte=timezone.localdate(now)).select_related("pickup_point"),
        "zones": Zone.objects.filter(hub=hub),
        "upcoming_slots": Slot.objects.filter(hub=hub, starts_at__gte=now).count(),
    }
    return render(request, "rounds/schedules.html", context, status=status)


def _back(hub) -> HttpResponse:
    return redirect("rounds:schedules", hub_slug=hub.slug)


@hub_access(access.ROUNDS_MANAGE)
def schedules(request: HttpRequest, *, hub) -> HttpResponse:
    return _render(request, hub)


@require_POST
@hub_access(access.ROUNDS_MANAGE)
def item_add(request: HttpRequest, *, hub, section: str) -> HttpResponse:
    if section not in SECTIONS:
        raise Http404("unknown section")
    _model, form_class = SECTIONS[section]
    form = form_class(request.POST, hub=hub, prefix=section)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below."))
        return _render(request, hub, status=400, bound=form)
    form.save()
    messages.success(request, _("Saved. Generate the slots to apply it to the coming weeks."))
    return _back(hub)


@require_POST
@hub_access(access.ROUNDS_MANAGE)
def item_delete(request: HttpRequest, *, hub, section: str, pk: int) -> HttpResponse:
    if section not in SECTIONS:
        raise Http404("unknown section")
    model, _form = SECTIONS[section]
    item = model.objects.filter(hub=hub, pk=pk).first()
    if item is None:
        raise Http404("unknown item")
    try:
        item.delete()
    except ProtectedError:
        messages.error(request, _("Orders use this zone: it cannot be deleted."))
        return _render(request, hub, status=409)
    messages.success(request, _("Deleted. Generate the slots to apply it to the coming weeks."))
    return _back(hub)


@require_POST
@hub_access(access.ROUNDS_MANAGE)
def generate(request: HttpRequest, *, hub) -> HttpResponse:
    try:
        weeks = int(request.POST.get("weeks", "4"))
    except ValueError:
        weeks = 0
    try:
        report = slots_generate(hub=hub, weeks=weeks, now=timezone.now())
    except PanierError as exc:
        messages.error(request, exc.message)
        return _render(request, hub, status=400)
    messages.success(
        request,
        _("Slots: %(created)s created, %(updated)s updated, %(removed)s removed, %(kept)s kept because they hold orders.")
        % {
            "created": report.created,
            "updated": report.updated,
            "removed": report.removed,
            "kept": len(report.kept_with_orders),
        },
    )
    return _back(hub)
