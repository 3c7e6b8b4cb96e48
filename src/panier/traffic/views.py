"""Operator page: live traffic figures and the waiting-room switch."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from panier.hubs import access
from panier.hubs.access import platform_access
from panier.traffic.models import AdmissionMode
from panier.traffic.services import admission_mode_set, traffic_figures


@never_cache
@platform_access(access.TRAFFIC_MANAGE)
def traffic_board(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        mode = request.POST.get("mode", "")
        if mode in AdmissionMode.values:
            admission_mode_set(mode=mode)
            messages.success(request, _("Waiting room: %(mode)s.") % {"mode": AdmissionMode(mode).label})
        else:
            messages.error(request, _("Unknown waiting-room mode."))
        return redirect("traffic:board")
    figures = traffic_figures()
    peak = max([1] + [now for now, _ in figures.per_minute.values()] + [prev for _, prev in figures.per_minute.values()])
    return render(
        request,
        "traffic/board.html",
        {"figures": figures, "modes": AdmissionMode.choices, "peak": peak, "refresh_s": 10},
    )
