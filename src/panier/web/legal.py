"""A hub's legal pages: terms of sale, legal notice, privacy, withdrawal.

Everything is filled from the hub's own records, so each hub publishes
its identity (LCEN art. 1-1 and 19 as renumbered by the SREN law), the
pre-contractual information of C. conso L221-5 and its GDPR notice.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from panier.delivery.models import Zone
from panier.delivery.selectors import pickup_point_list
from panier.hubs.decorators import hub_view
from panier.hubs.models import Hub, SellingMode


def _context(hub: Hub) -> dict:
    return {"hub": hub, "is_marketplace": hub.selling_mode == SellingMode.MARKETPLACE}


@require_GET
@hub_view
def terms(request: HttpRequest, *, hub: Hub) -> HttpResponse:
    """Terms of sale (CGV) with all of L221-5: delivery zones and fees included."""
    context = _context(hub)
    context["zones"] = list(Zone.objects.filter(hub=hub).order_by("name"))
    context["pickup_points"] = list(pickup_point_list(hub=hub))
    return render(request, "web/legal/terms.html", context)


@require_GET
@hub_view
def legal_notice(request: HttpRequest, *, hub: Hub) -> HttpResponse:
    """Legal notice (mentions légales): publisher, director, host."""
    return render(request, "web/legal/legal_notice.html", _context(hub))


@require_GET
@hub_view
def privacy(request: HttpRequest, *, hub: Hub) -> HttpResponse:
    """Privacy notice (GDPR art. 13) and why there is no cookie banner."""
    return render(request, "web/legal/privacy.html", _context(hub))


@require_GET
@hub_view
def withdrawal(request: HttpRequest, *, hub: Hub) -> HttpResponse:
    """Withdrawal information, the online function and the model form."""
    return render(request, "web/legal/withdrawal.html", _context(hub))
