"""The operator's view of backups: last good backup and drill, against the RPO."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache

from panier.backups.adapters.registry import configured_urls
from panier.backups.selectors import backup_status
from panier.hubs import access
from panier.hubs.access import platform_access_or_404


def _login_url() -> str:
    try:
        return reverse(settings.LOGIN_URL)
    except NoReverseMatch:
        return reverse("admin:login")


@never_cache
def backup_dashboard(request: HttpRequest) -> HttpResponse:
    """Show whether the shop could be rebuilt now; staff only (others get a 404)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), _login_url())
    platform_access_or_404(request.user, access.BACKUPS_VIEW)
    return render(
        request,
        "web/operator/backups.html",
        {"status": backup_status(), "destinations": configured_urls()},
    )
backup_dashboard.access_permission = access.BACKUPS_VIEW  # type: ignore[attr-defined]
