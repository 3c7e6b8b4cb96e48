"""The Content-Security-Policy header: built once per process, exactly as django-csp builds it."""

import pytest
from csp.constants import NONCE, NONE, SELF
from csp.decorators import csp_exempt, csp_replace, csp_update
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory

from panier.core import csp as panier_csp
from panier.core.csp import SiteWideCSPMiddleware, site_wide_policy


def _ok(request):
    return HttpResponse("ok")


def _headers(middleware_class, view=_ok, path="/nice/", nonce=False):
    request = RequestFactory().get(path)
    middleware = middleware_class(view)
    if nonce:
        def view_with_nonce(req):
            str(req.csp_nonce)
            return view(req)
        middleware = middleware_class(view_with_nonce)
    response = middleware(request)
    return {name: response.get(name) for name in ("Content-Security-Policy", "Content-Security-Policy-Report-Only")}


def _directives(value):
    # django-csp joins a set of directives: their order may differ between processes.
    return None if value is None else sorted(part.strip() for part in value.split(";"))


def _same(ours, theirs):
    assert {k: _directives(v) for k, v in ours.items()} == {k: _directives(v) for k, v in theirs.items()}


def test_the_usual_page_gets_the_header_django_csp_would_write():
    ours, theirs = _headers(SiteWideCSPMiddleware), _headers(CSPMiddleware)
    _same(ours, theirs)
    assert "default-src 'self'" in ours["Content-Security-Policy"]
    assert ours["Content-Security-Policy-Report-Only"] is None


def test_the_site_wide_header_is_built_once_and_reused():
    panier_csp._site_wide.clear()
    first = _headers(SiteWideCSPMiddleware)["Content-Security-Policy"]
    assert panier_csp._site_wide[False] == first
    assert _headers(SiteWideCSPMiddleware)["Content-Security-Policy"] is first


@pytest.mark.parametrize(
    "decorate",
    [
        csp_update({"img-src": ["https://tiles.example.org"]}),
        csp_replace({"frame-ancestors": [SELF]}),
        csp_exempt(),
    ],
    ids=["update", "replace", "exempt"],
)
def test_a_view_that_changes_its_policy_gets_its_own_header(decorate):
    view = decorate(_ok)
    _same(_headers(SiteWideCSPMiddleware, view), _headers(CSPMiddleware, view))


def test_a_page_that_asks_for_a_nonce_gets_it_in_its_header(settings):
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {**directives, "script-src": [SELF, NONCE]}}
    ours = _headers(SiteWideCSPMiddleware, nonce=True)["Content-Security-Policy"]
    assert "'nonce-" in ours
    assert "'nonce-" not in site_wide_policy(report_only=False)
    assert _headers(SiteWideCSPMiddleware, nonce=True)["Content-Security-Policy"] != ours


def test_a_change_of_the_settings_shows_at_once(settings):
    _headers(SiteWideCSPMiddleware)
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": [NONE]}}
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"default-src": [SELF]}}
    headers = _headers(SiteWideCSPMiddleware)
    assert headers["Content-Security-Policy"] == "default-src 'none'"
    assert headers["Content-Security-Policy-Report-Only"] == "default-src 'self'"
    _same(headers, _headers(CSPMiddleware))


def test_excluded_prefixes_get_no_header(settings):
    settings.CONTENT_SECURITY_POLICY = {**settings.CONTENT_SECURITY_POLICY, "EXCLUDE_URL_PREFIXES": ["/legacy/"]}
    assert _headers(SiteWideCSPMiddleware, path="/legacy/page")["Content-Security-Policy"] is None
    assert _headers(SiteWideCSPMiddleware, path="/nice/")["Content-Security-Policy"]


def test_a_nonce_asked_for_after_the_header_is_written_is_an_error():
    from csp.exceptions import CSPNonceError

    request = RequestFactory().get("/nice/")
    SiteWideCSPMiddleware(_ok)(request)
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)
