"""Keep sessions that still owe a second factor on the two-factor pages.

Runs after django-otp's ``OTPMiddleware``. A logged-in user who must use
two-factor authentication (staff of a hub or a producer, admin users) or
who turned it on, and whose session is not verified yet, reaches only the
enrolment and verification pages, log-out and the health checks. Every
other page redirects there (the JSON API answers 403
``two_factor_required``). The Django admin is covered like any other page.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode

from panier.accounts.errors import TwoFactorRequired
from panier.accounts.services import two_factor_step

OPEN_URL_NAMES = {
    ("accounts", "two_factor_verify"),
    ("accounts", "two_factor_enrol"),
    ("accounts", "logout"),
    ("", "healthz"),
    ("", "readyz"),
    ("", "set_language"),
}


def _is_open(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return True  # nothing to protect: the 404 page follows
    return (match.namespace, match.url_name) in OPEN_URL_NAMES


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not _is_open(request.path_info)
        ):
            step = two_factor_step(user=user)
            if step is not None:
                return self._refuse(request, step)
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest, step: str) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            return JsonResponse(TwoFactorRequired().as_dict(), status=403)
        name = "accounts:two_factor_verify" if step == "verify" else "accounts:two_factor_enrol"
        target = reverse(name)
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)
