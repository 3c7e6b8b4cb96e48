"""Version numbers of cached content, per hub.

A page cached under version N of its hub's catalog is never served once
the version moved to N+1, so a saved price or a changed stock band shows
at once without deleting keys one by one. The versions live in the
default cache (Redis in production, shared by every worker).
"""

from __future__ import annotations

from django.core.cache import cache


def _key(hub_id: int) -> str:
    return f"catalog-version:{hub_id}"


def catalog_version(hub_id: int) -> int:
    """Return the current catalog version of a hub."""
    version = cache.get(_key(hub_id))
    if version is None:
        cache.add(_key(hub_id), 1, timeout=None)
        version = cache.get(_key(hub_id), 1)
    return int(version)


def catalog_version_bump(hub_id: int) -> None:
    """Invalidate every cached page of a hub's catalog."""
    try:
        cache.incr(_key(hub_id))
    except ValueError:
        cache.set(_key(hub_id), 2, timeout=None)
