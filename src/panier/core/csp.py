"""The Content-Security-Policy header, built once per process for the usual page.

django-csp's middleware builds the header string from the settings on every
response, twice (the policy and the report-only one): it copies every
directive, sorts and joins them, and turns its small record of per-response
parts into a dictionary with ``dataclasses.asdict``. Nearly every Panier
response uses the site-wide policy unchanged (no ``@csp_update`` or
``@csp_replace`` on the view, no nonce asked by the template), so that
string is the same every time. This middleware keeps it, per process, and
falls back to django-csp's own construction for any response that changes
the policy or uses a nonce. A change of the CSP settings (tests use
``override_settings``) forgets what was kept.
"""

from __future__ import annotations

from dataclasses import asdict

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

_SETTINGS = {False: "CONTENT_SECURITY_POLICY", True: "CONTENT_SECURITY_POLICY_REPORT_ONLY"}
_HEADERS = {False: HEADER, True: HEADER_REPORT_ONLY}
_EXEMPT = {False: "_csp_exempt", True: "_csp_exempt_ro"}

#: The site-wide header values of this process: report-only flag → header.
_site_wide: dict[bool, str] = {}


@receiver(setting_changed)
def _forget_on_change(*, setting: str, **kwargs) -> None:
    if setting in _SETTINGS.values():
        _site_wide.clear()


def site_wide_policy(*, report_only: bool) -> str:
    """Return the header value of the settings' policy (or report-only policy), built once."""
    value = _site_wide.get(report_only)
    if value is None:
        value = _site_wide[report_only] = build_policy(report_only=report_only)
    return value


class SiteWideCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with the unchanged site-wide policy built once per process."""

    def _policy(self, request: HttpRequest, response: HttpResponseBase, *, report_only: bool) -> str:
        parts = self.get_policy_parts(request=request, response=response, report_only=report_only)
        if parts == PolicyParts():
            return site_wide_policy(report_only=report_only)
        return build_policy(**asdict(parts), report_only=report_only)

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if settings.DEBUG and response.status_code in (404, 500):
            # Django's debug pages use inline styles and scripts.
            return response
        for report_only in (False, True):
            policy = self._policy(request, response, report_only=report_only)
            if not policy or _HEADERS[report_only] in response or getattr(response, _EXEMPT[report_only], False):
                continue
            prefixes = (getattr(settings, _SETTINGS[report_only], None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if not request.path_info.startswith(tuple(prefixes)):
                response[_HEADERS[report_only]] = policy
        if getattr(request, "_csp_nonce", None) is None:
            # As django-csp: a nonce asked for after the header is written
            # would not be in it, so asking now is an error.
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
