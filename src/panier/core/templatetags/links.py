"""``{% link %}``: ``{% url %}`` for the links every page repeats.

The site header and footer reverse about fifteen URLs on every page, and
reversing is a regular-expression walk each time. A URL depends only on
its name and arguments, the language of the page (``/en/`` prefix) and
the script prefix and URL configuration, so the result is remembered per
process under exactly those.
"""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

register = template.Library()


@lru_cache(maxsize=4096)
def _reverse(name: str, kwargs: tuple[tuple[str, object], ...], language: str | None, prefix: str, urlconf) -> str:
    return reverse(name, kwargs=dict(kwargs))


@register.simple_tag
def link(name: str, **kwargs) -> str:
    """Return the URL of a view, like ``{% url %}`` (same errors for a bad name or argument)."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return _reverse(name, tuple(sorted(kwargs.items())), get_language(), get_script_prefix(), urlconf)
