"""Operator privacy pages: the customer export and the breach register."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from panier.audit.errors import ExportCapReached
from panier.audit.models import AuditAction
from panier.audit.services import audit_record
from panier.hubs import access
from panier.hubs.access import hub_access
from panier.privacy import rules
from panier.privacy.forms import BreachForm
from panier.privacy.selectors import breaches_for_hub
from panier.privacy.services import breach_save, customer_export_csv


@require_http_methods(["GET", "POST"])
@hub_access(access.CUSTOMERS_EXPORT)
def customer_export(request: HttpRequest, *, hub) -> HttpResponse:
    """Download the hub's customers as CSV, within the daily caps."""
    if request.method == "POST":
        try:
            content = customer_export_csv(hub=hub, actor=request.user, request=request)
        except ExportCapReached as exc:
            return render(request, "privacy/operator/export.html", {"hub": hub, "error": exc.message}, status=429)
        response = HttpResponse(content.encode("utf-8"), content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="customers-{hub.slug}-{stamp}.csv"'
        response["Cache-Control"] = "private, no-store"
        return response
    return render(request, "privacy/operator/export.html", {"hub": hub})


def _rows(breaches, now):
    rows = []
    for breach in breaches:
        clock = rules.breach_clock(detected_at=breach.detected_at, notified_at=breach.cnil_notified_at, now=now)
        hours, minutes = rules.duration_text_parts(clock.seconds_left)
        rows.append({"breach": breach, "clock": clock, "hours": hours, "minutes": minutes})
    return rows


@require_http_methods(["GET"])
@hub_access(access.BREACHES_MANAGE)
def breach_list(request: HttpRequest, *, hub) -> HttpResponse:
    """The breach register, with each breach's 72-hour deadline and the time left."""
    breaches = list(breaches_for_hub(hub=hub))
    audit_record(action=AuditAction.VIEW, object_type="breach_register", hub=hub, request=request,
                 rows=len(breaches))
    return render(request, "privacy/operator/breaches.html", {"hub": hub, "rows": _rows(breaches, timezone.now())})


@require_http_methods(["GET", "POST"])
@hub_access(access.BREACHES_MANAGE)
def breach_edit(request: HttpRequest, pk: int | None = None, *, hub) -> HttpResponse:
    breach = None
    if pk is not None:
        breach = breaches_for_hub(hub=hub).filter(pk=pk).first()
        if breach is None:
            raise Http404("unknown breach")
    form = BreachForm(request.POST or None, instance=breach)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "privacy/operator/breach_form.html", {"hub": hub, "form": form, "breach": breach},
                          status=400)
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        breach_save(hub=hub, actor=request.user, data=data, breach=breach, request=request)
        messages.success(request, _("The breach register is up to date."))
        return redirect("privacy_operator:breaches", hub_slug=hub.slug)
    return render(request, "privacy/operator/breach_form.html", {"hub": hub, "form": form, "breach": breach})
