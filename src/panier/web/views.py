"""Site shell views: health checks."""

import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from panier.hubs.selectors import hub_list_open

logger = logging.getLogger(__name__)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and answers."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """The database answers: the process can take traffic."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("readyz.database_unreachable")
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def home(request: HttpRequest):
    """List the open hubs; go straight to the shop when there is only one."""
    hubs = list(hub_list_open())
    default = settings.PANIER_DEFAULT_HUB
    if default and any(h.slug == default for h in hubs):
        return redirect("catalog:hub_home", hub_slug=default)
    if len(hubs) == 1:
        return redirect("catalog:hub_home", hub_slug=hubs[0].slug)
    return render(request, "web/home.html", {"hubs": hubs})
