"""Version numbers of cached content, per hub.

A page cached under version N of its hub's catalog is never served once
the version moved to N+1, so a saved price or a changed stock band shows
at once without deleting keys one by one. The versions live in the
default cache (Redis in production, shared by every worker).
"""

from __future__ import annotations

import time

from django.core.cache import cache


def version_start() -> int:
    """A first version no earlier life of the cache has used (microseconds since the epoch).

    Counting from 1 again after the shared cache was emptied (a Redis
    restart) would give old numbers back, and a worker that still keeps a
    page of that old number in memory would serve it.
    """
    return time.time_ns() // 1000


def _key(hub_id: int) -> str:
    return f"catalog-version:{hub_id}"


def catalog_version(hub_id: int) -> int:
    """Return the current catalog version of a hub."""
    version = cache.get(_key(hub_id))
    if version is None:
        start = version_start()
        cache.add(_key(hub_id), start, timeout=None)
        version = cache.get(_key(hub_id), start)
    return int(version)


def catalog_version_bump(hub_id: int) -> None:
    """Invalidate every cached page of a hub's catalog."""
    try:
        cache.incr(_key(hub_id))
    except ValueError:
        cache.set(_key(hub_id), version_start(), timeout=None)
