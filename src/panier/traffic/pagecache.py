"""Anonymous page cache for the catalog pages.

A visitor with no cookie of the shop (no session, so no basket and no
account) sees the same catalog page as any other: that page is stored in
the default cache under the hub's catalog version and served again
without running the view or touching the database (the slug-to-hub map
is kept in process). Anything personal (a session, a login, a response
that sets a cookie) bypasses the cache.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified

from panier.core.cache_versions import catalog_version
from panier.hubs.models import Hub

CACHEABLE = re.compile(
    r"^/(?:en/)?(?P<hub>[-a-z0-9_]+)/(?:|products/|c/[-a-z0-9_]+/|producers/(?:[-a-z0-9_]+/)?|p/[-a-z0-9_]+/)$"
)
_HEADERS_KEPT = ("Content-Type", "Content-Language")
_hub_ids: tuple[float, dict[str, int]] = (0.0, {})


def _hub_id(slug: str) -> int | None:
    global _hub_ids
    loaded_at, ids = _hub_ids
    if time.monotonic() - loaded_at > 60 or slug not in ids:
        ids = dict(Hub.objects.filter(is_active=True).values_list("slug", "pk"))
        _hub_ids = (time.monotonic(), ids)
    return ids.get(slug)


def hub_ids_forget() -> None:
    global _hub_ids
    _hub_ids = (0.0, {})


#: Set by the WSGI gate when it looked the page up and missed: Django's
#: middleware then renders and stores it without a second lookup.
GATE_MISS_KEY = "panier.pagecache.gate_miss"


@dataclass(frozen=True)
class Slot:
    """Where a catalog page is (or would be) kept, and its validator."""

    key: str
    etag: str


def slot_for(path: str, query: str) -> Slot | None:
    """The cache slot of an anonymous GET of ``path``, or None when the page is not cacheable."""
    match = CACHEABLE.match(path)
    if match is None or len(query) > 200:
        return None
    hub_id = _hub_id(match["hub"])
    if hub_id is None:
        return None
    version = catalog_version(hub_id)
    digest = hashlib.sha256(f"{hub_id}:{version}:{path}?{query}".encode()).hexdigest()
    return Slot(key="page:" + digest, etag=f'"{digest[:20]}"')


def shared_headers(etag: str) -> list[tuple[str, str]]:
    """Validator and caching headers of a cacheable catalog page."""
    return [
        ("ETag", etag),
        # Shared caches may keep the page briefly and must revalidate it
        # (a cheap 304 from here) before serving it longer.
        ("Cache-Control", f"public, max-age=0, s-maxage={settings.PANIER_SHARED_CACHE_S}, must-revalidate"),
        ("Vary", "Cookie, Accept-Language"),
    ]


def lookup(slot: Slot, if_none_match: str | None) -> tuple[int, bytes, list[tuple[str, str]]] | None:
    """A stored page as (status, body, headers): 304 when the client's copy is current; None on a miss."""
    stored = cache.get(slot.key)
    if stored is None:
        return None
    if if_none_match == slot.etag:
        return 304, b"", shared_headers(slot.etag)
    content, headers = stored
    return 200, content, [*headers, ("X-Panier-Cache", "hit"), *shared_headers(slot.etag)]


class PageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.PANIER_PAGE_CACHE or request.method not in ("GET", "HEAD") or request.COOKIES:
            return self.get_response(request)
        slot = slot_for(request.path, request.META.get("QUERY_STRING", ""))
        if slot is None:
            return self.get_response(request)
        if not request.META.get(GATE_MISS_KEY):
            found = lookup(slot, request.META.get("HTTP_IF_NONE_MATCH"))
            if found is not None:
                status, content, headers = found
                response = HttpResponseNotModified() if status == 304 else HttpResponse(content, status=200)
                for name, value in headers:
                    response[name] = value
                return response
        response = self.get_response(request)
        if (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not response.has_header("Cache-Control")
        ):
            headers = [(name, response[name]) for name in _HEADERS_KEPT if response.has_header(name)]
            cache.set(slot.key, (response.content, headers), timeout=settings.PANIER_PAGE_CACHE_TTL_S)
            response["X-Panier-Cache"] = "miss"
            for name, value in shared_headers(slot.etag):
                response[name] = value
        return response
