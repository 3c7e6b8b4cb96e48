"""Security headers and cookie attributes on real responses."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
}


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    directives = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in directives}


def test_shop_page_carries_every_security_header(client, shop):
    """A catalogue page served over HTTPS sends CSP, HSTS, nosniff, frame
    denial, a referrer policy and an opener policy."""

    response = client.get(reverse("catalog:product_list", kwargs={"hub_slug": shop.hub.slug}), secure=True)

    assert response.status_code == 200
    policy = _policy(response)
    assert {name: policy.get(name) for name in POLICY} == POLICY
    assert policy["style-src"].split()[0] == "'self'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert response["Strict-Transport-Security"] == "max-age=31536000"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_hsts_is_not_sent_over_plain_http(client, shop):
    """HSTS only means something over HTTPS, so a plain HTTP answer omits it."""

    response = client.get(reverse("catalog:product_list", kwargs={"hub_slug": shop.hub.slug}))

    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response
    assert "Content-Security-Policy" in response


def test_api_and_error_answers_carry_the_policy(client, shop):
    """JSON answers and 404 pages get the same headers as HTML pages."""

    api = client.get(f"/api/v1/hubs/{shop.hub.slug}/products", secure=True)
    missing = client.get("/no-such-hub/p/nothing/", secure=True)

    assert api.status_code == 200
    assert missing.status_code == 404
    for response in (api, missing):
        assert _policy(response)["default-src"] == "'self'"
        assert response["X-Content-Type-Options"] == "nosniff"


def test_waiting_room_page_allows_only_its_own_inline_style(client, settings, shop):
    """The waiting room, answered before any view runs, still has a policy,
    and the policy allows exactly its inline style block by hash."""
    import base64
    import hashlib
    import re

    from panier.traffic.counters import LocalCounters, counters_reset

    settings.PANIER_ADMISSION_IN_FLIGHT = 0
    settings.PANIER_ADMISSION_ARRIVALS_PER_S = 0
    settings.PANIER_ADMISSION_RATE_PER_S = 0.0001
    counters_reset(LocalCounters())

    response = client.get(reverse("catalog:product_list", kwargs={"hub_slug": shop.hub.slug}), secure=True)

    body = response.content.decode()
    assert "file d'attente" in body.lower()
    style = re.search(r"<style>(.*?)</style>", body, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in _policy(response)["style-src"].split()


def test_session_cookie_is_secure_httponly_and_samesite(client):
    """Logging in over HTTPS sets a session cookie that scripts cannot read,
    that travels over HTTPS only and not on cross-site sub-requests."""
    user = factories.user(email="secure@example.org")

    response = client.post(
        reverse("accounts:login"),
        {"username": user.email, "password": "correct horse battery"},
        secure=True,
    )

    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_csrf_and_language_cookies_are_secure_and_httponly(client):
    """The CSRF cookie of a form page and the language cookie are HTTPS-only
    and hidden from scripts (no script of the site reads them)."""

    form = client.get(reverse("accounts:login"), secure=True)
    language = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, secure=True)

    assert form.status_code == 200
    csrf = form.cookies["csrftoken"]
    assert (csrf["secure"], csrf["httponly"], csrf["samesite"]) == (True, True, "Lax")
    assert language.status_code == 302
    lang = language.cookies["django_language"]
    assert (lang["secure"], lang["httponly"], lang["samesite"]) == (True, True, "Lax")
