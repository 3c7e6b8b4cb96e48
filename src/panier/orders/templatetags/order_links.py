"""Absolute links for e-mails, which are rendered without a request."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def site_url() -> str:
    """Return the site's base URL, without a trailing slash.

    ``PANIER_SITE_URL`` (e.g. https://shop.example.org) when set, else the
    first allowed host over HTTPS (HTTP in DEBUG).
    """
    base = getattr(settings, "PANIER_SITE_URL", "")
    if not base:
        hosts = [h for h in settings.ALLOWED_HOSTS if h and h != "*" and not h.startswith(".")]
        host = hosts[0] if hosts else "localhost"
        base = f"{'http' if settings.DEBUG else 'https'}://{host}"
    return base.rstrip("/")
