"""The hub's audit log page: filters, a table and a chart of exports per day."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from panier.audit.models import AuditAction
from panier.audit.selectors import (
    AuditFilter,
    audit_entries,
    audit_object_types,
    exports_per_day,
)
from panier.audit.services import audit_record
from panier.hubs import access
from panier.hubs.access import hub_access

CHART_WIDTH = 600
CHART_HEIGHT = 120


def _date(text: str, errors: list[str]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(_("Enter a date like 2025-06-30."))
        return None


def _chart(days) -> dict:
    peak = max((d.rows for d in days), default=0) or 1
    step = CHART_WIDTH / max(len(days), 1)
    bars = []
    for index, day in enumerate(days):
        height = round(day.rows * (CHART_HEIGHT - 20) / peak)
        bars.append({
            "x": round(index * step + 1, 1),
            "y": CHART_HEIGHT - height,
            "width": round(max(step - 2, 1), 1),
            "height": height,
            "day": day.day,
            "rows": day.rows,
            "exports": day.exports,
        })
    return {"bars": bars, "width": CHART_WIDTH, "height": CHART_HEIGHT, "peak": peak}


@require_GET
@hub_access(access.AUDIT_VIEW)
def audit_log(request: HttpRequest, *, hub) -> HttpResponse:
    """The hub's audit log, for its owners; other hubs' staff get 404."""
    # Recorded first, so that the page lists its own visit consistently.
    audit_record(action=AuditAction.VIEW, object_type="audit_log", hub=hub, request=request,
                 fields=["actor", "action", "object", "ip_prefix", "user_agent"])
    errors: list[str] = []
    action = request.GET.get("action", "")
    if action and action not in AuditAction.values:
        errors.append(_("Unknown action."))
        action = ""
    flt = AuditFilter(
        action=action,
        object_type=request.GET.get("object_type", "")[:40],
        actor_email=request.GET.get("actor", "").strip()[:254],
        since=_date(request.GET.get("since", ""), errors),
        until=_date(request.GET.get("until", ""), errors),
    )
    page = Paginator(audit_entries(hub=hub, flt=flt), 50).get_page(request.GET.get("page"))
    days = exports_per_day(hub=hub, today=timezone.localdate(timezone=ZoneInfo(hub.timezone)))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/operator/log.html",
        {
            "hub": hub,
            "page": page,
            "flt": flt,
            "errors": errors,
            "actions": AuditAction.choices,
            "object_types": audit_object_types(hub=hub),
            "chart": _chart(days),
            "query": query.urlencode(),
            "export_total": sum(d.rows for d in days),
        },
        status=400 if errors else 200,
    )
