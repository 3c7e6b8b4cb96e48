"""Anonymous page cache for the catalog pages.

A visitor with no cookie of the shop (no session, so no basket and no
account) sees the same catalog page as any other: that page is stored in
the default cache under the hub's catalog version and served again
without running the view or touching the database (the slug-to-hub map
is kept in process). A visitor whose only cookie is the waiting room's
gets the same page. A login, a message waiting to be shown, any other
cookie or a response that sets a cookie bypasses the cache.

A guest with a session (a basket, a checkout started) gets the same
stored page with its one personal part, the basket count of the
navigation, written in: the count comes from ``guest_basket_count``,
which the web app sets at start-up (this package imports no shop
domain). Such a page is private to its visitor (``Cache-Control:
private``) and has its own validator.

Each worker process also keeps the pages it served last in memory
(``PANIER_PAGE_MEMORY_MB``), under the same versioned key: a hit then
costs one read of the hub's version in the shared cache instead of two
reads and the unpickling of the page. A saved change moves the version,
so a page kept in memory is never served after it.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified

from panier.core.cache_versions import catalog_version
from panier.hubs.models import Hub
from panier.traffic.middleware import ADMITTED_COOKIE, TICKET_COOKIE

CACHEABLE = re.compile(
    r"^/(?:en/)?(?P<hub>[-a-z0-9_]+)/(?:|products/|c/[-a-z0-9_]+/|producers/(?:[-a-z0-9_]+/)?|p/[-a-z0-9_]+/)$"
)
_HEADERS_KEPT = ("Content-Type", "Content-Language")
_hub_ids: tuple[float, dict[str, int]] = (0.0, {})


#: The hubs are read again after this long, and an unknown slug (a hub
#: opened meanwhile, or a path that names no hub) reads them again at most
#: this often: a flood of made-up paths costs one query a second, not one
#: per request.
_HUB_IDS_TTL_S = 60.0
_HUB_IDS_MISS_S = 1.0


def _hub_id(slug: str) -> int | None:
    global _hub_ids
    loaded_at, ids = _hub_ids
    age = time.monotonic() - loaded_at
    if age > _HUB_IDS_TTL_S or (slug not in ids and age > _HUB_IDS_MISS_S):
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
    hub_id: int


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
    return Slot(key="page:" + digest, etag=f'"{digest[:20]}"', hub_id=hub_id)


def shared_headers(etag: str) -> list[tuple[str, str]]:
    """Validator and caching headers of a cacheable catalog page."""
    return [
        ("ETag", etag),
        # Shared caches may keep the page briefly and must revalidate it
        # (a cheap 304 from here) before serving it longer.
        ("Cache-Control", f"public, max-age=0, s-maxage={settings.PANIER_SHARED_CACHE_S}, must-revalidate"),
        ("Vary", "Cookie, Accept-Language"),
    ]


class LocalPages:
    """The pages a worker served last, by key, within a byte budget (least recently used go first).

    Entries expire after ``ttl_s`` like the shared copy, so a page that
    shows something time-dependent is rendered again as often in memory
    as in the shared cache.
    """

    def __init__(self, budget_bytes: int, ttl_s: float) -> None:
        self.budget = budget_bytes
        self.ttl_s = ttl_s
        self.used = 0
        self._pages: OrderedDict[str, tuple[float, bytes, list[tuple[str, str]]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, *, now: float | None = None) -> tuple[bytes, list[tuple[str, str]]] | None:
        now = time.monotonic() if now is None else now
        with self._lock:
            entry = self._pages.get(key)
            if entry is None:
                return None
            if entry[0] <= now:
                self._drop(key)
                return None
            self._pages.move_to_end(key)
            return entry[1], entry[2]

    def put(self, key: str, content: bytes, headers: list[tuple[str, str]], *, now: float | None = None) -> None:
        size = len(content) + len(key)
        if size > self.budget:
            return
        now = time.monotonic() if now is None else now
        with self._lock:
            if key in self._pages:
                self._drop(key)
            self._pages[key] = (now + self.ttl_s, content, headers)
            self.used += size
            while self.used > self.budget:
                self._drop(next(iter(self._pages)))

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self.used = 0

    def __len__(self) -> int:
        return len(self._pages)

    def _drop(self, key: str) -> None:
        _, content, _ = self._pages.pop(key)
        self.used -= len(content) + len(key)


_local: LocalPages | None = None


def local_pages() -> LocalPages:
    """This process's copy of the hot pages (sized from the settings on first use)."""
    global _local
    if _local is None:
        _local = LocalPages(int(settings.PANIER_PAGE_MEMORY_MB * 1024 * 1024), settings.PANIER_PAGE_CACHE_TTL_S)
    return _local


def local_pages_forget() -> None:
    global _local
    _local = None


def store(slot: Slot, content: bytes, headers: list[tuple[str, str]]) -> None:
    """Keep a rendered page in the shared cache and in this process."""
    cache.set(slot.key, (content, headers), timeout=settings.PANIER_PAGE_CACHE_TTL_S)
    local_pages().put(slot.key, content, headers)


def _stored(slot: Slot) -> tuple[bytes, list[tuple[str, str]]] | None:
    """A stored page's body and headers, from this process's memory or the shared cache."""
    local = local_pages()
    stored = local.get(slot.key)
    if stored is None:
        stored = cache.get(slot.key)
        if stored is not None:
            local.put(slot.key, *stored)
    return stored


def lookup(slot: Slot, if_none_match: str | None) -> tuple[int, bytes, list[tuple[str, str]]] | None:
    """A stored page as (status, body, headers): 304 when the client's copy is current; None on a miss."""
    stored = _stored(slot)
    if stored is None:
        return None
    if if_none_match == slot.etag:
        return 304, b"", shared_headers(slot.etag)
    content, headers = stored
    return 200, content, [*headers, ("X-Panier-Cache", "hit"), *shared_headers(slot.etag)]


#: (session data, hub id, page language) -> the basket count's text, e.g.
#: "(2 articles)"; set by ``panier.web`` when the apps are ready. None:
#: guests with a session always get a rendered page.
guest_basket_count: Callable[[dict, int, str], str] | None = None

#: The navigation's basket count in a stored page (rendered for a visitor
#: with no session, so always the empty basket's text).
_BASKET_COUNT = re.compile(rb'<span class="basket-count">[^<]*</span>')


def _guest_session(request: HttpRequest) -> dict | None:
    """The session data of a visitor whose pages can come from the cache, else None.

    Only the session, language and CSRF cookies and the waiting room's may
    be present; a logged-in session or one holding messages to show gets a
    rendered page. A visitor with no session (admitted from the waiting
    room, say) has empty data.
    """
    allowed = {
        settings.SESSION_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME, settings.CSRF_COOKIE_NAME,
        ADMITTED_COOKIE, TICKET_COOKIE,
    }
    # An emptied cookie (a deletion some clients keep sending) counts as none.
    if not {name for name, value in request.COOKIES.items() if value} <= allowed:
        return None
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not key:
        return {}
    data = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key).load()
    if "_auth_user_id" in data or "_messages" in data:
        return None
    return data


def lookup_for_guest(
    slot: Slot, data: dict, if_none_match: str | None
) -> tuple[int, bytes, list[tuple[str, str]]] | None:
    """A stored page with the guest's basket count written in; None on a miss."""
    stored = _stored(slot)
    if stored is None:
        return None
    content, headers = stored
    language = next((value for name, value in headers if name == "Content-Language"), settings.LANGUAGE_CODE)
    count = guest_basket_count(data, slot.hub_id, language).encode()
    content = _BASKET_COUNT.sub(lambda _: b'<span class="basket-count">' + count + b"</span>", content, count=1)
    etag = f'"{slot.etag[1:-1]}-{hashlib.sha256(count).hexdigest()[:8]}"'
    private = [("ETag", etag), ("Cache-Control", "private, no-cache"), ("Vary", "Cookie, Accept-Language")]
    if if_none_match == etag:
        return 304, b"", private
    return 200, content, [*headers, ("X-Panier-Cache", "hit-guest"), *private]


def _response(found: tuple[int, bytes, list[tuple[str, str]]]) -> HttpResponse:
    """A Django response for a page found in the cache (or its 304)."""
    status, content, headers = found
    response = HttpResponseNotModified() if status == 304 else HttpResponse(content, status=200)
    for name, value in headers:
        response[name] = value
    return response


class PageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.PANIER_PAGE_CACHE or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        if request.COOKIES:
            return self._for_guest(request)
        slot = slot_for(request.path, request.META.get("QUERY_STRING", ""))
        if slot is None:
            return self.get_response(request)
        if not request.META.get(GATE_MISS_KEY):
            found = lookup(slot, request.META.get("HTTP_IF_NONE_MATCH"))
            if found is not None:
                return _response(found)
        response = self.get_response(request)
        if (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not response.has_header("Cache-Control")
        ):
            headers = [(name, response[name]) for name in _HEADERS_KEPT if response.has_header(name)]
            store(slot, response.content, headers)
            response["X-Panier-Cache"] = "miss"
            for name, value in shared_headers(slot.etag):
                response[name] = value
        return response

    def _for_guest(self, request: HttpRequest) -> HttpResponse:
        """A visitor with cookies: the stored page (with a guest's basket count), or a rendered page."""
        slot = slot_for(request.path, request.META.get("QUERY_STRING", ""))
        if slot is None:
            return self.get_response(request)
        data = _guest_session(request)
        if data is None:
            return self.get_response(request)
        if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
        if request.COOKIES.get(settings.SESSION_COOKIE_NAME):
            if guest_basket_count is None:
                return self.get_response(request)
            found = lookup_for_guest(slot, data, if_none_match)
        else:
            # No session, so no basket: the page every visitor gets.
            found = lookup(slot, if_none_match)
        if found is None:
            # Not stored yet: rendered for this guest (and not stored, since
            # the page holds their basket).
            return self.get_response(request)
        return _response(found)
