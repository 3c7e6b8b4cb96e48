"""The WSGI gate: the traffic protections before Django, and bounded page work.

Under a surge most answers are tiny (the "wrong shop?" interstitial, the
waiting room), but a server thread runs them in the same interpreter as
the page renders. Behind Django's handler and middleware they waited for
a thread and for the interpreter lock behind every render in progress:
2 ms of work, hundreds of ms of wait. The gate therefore

1. screens the raw WSGI environ with ``middleware.screen`` before Django
   builds a request, and answers from prepared bytes;
2. lets at most ``PANIER_APP_SLOTS`` requests of the process run in the
   application at once. The others wait for a slot without holding the
   interpreter lock, so the server's other threads stay free, and quick,
   for the cheap answers; a request that waits longer than
   ``PANIER_APP_QUEUE_S`` gets the 503 "busy" page. Requests waiting or
   running count as in flight: the waiting room opens on that figure and
   shedding refuses past ``PANIER_MAX_IN_FLIGHT``;
3. shortens the interpreter's switch interval (``PANIER_GIL_SWITCH_MS``)
   so that a thread holding a cheap answer gets the lock back sooner from
   a render.

``TrafficMiddleware`` sees the mark the gate leaves in the environ and
does not screen the request again.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Iterable
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.handlers.wsgi import get_path_info, get_script_name
from django.db import connections
from django.http import parse_cookie

from panier.traffic import pagecache
from panier.traffic.geoip import geoip_get
from panier.traffic.middleware import (
    EXEMPT_PREFIXES,
    IN_FLIGHT,
    SCREENED_KEY,
    Answer,
    CookieSet,
    Visit,
    _count,
    busy_answer,
    screen,
)

logger = logging.getLogger(__name__)
StartResponse = Callable[..., Any]
_REASONS = {200: "200 OK", 304: "304 Not Modified", 403: "403 Forbidden", 429: "429 Too Many Requests", 503: "503 Service Unavailable"}


def cookie_header(cookie: CookieSet, *, secure: bool) -> str:
    """Return the Set-Cookie value Django's ``set_cookie``/``delete_cookie`` would write."""
    jar: SimpleCookie = SimpleCookie()
    jar[cookie.name] = cookie.value
    morsel = jar[cookie.name]
    morsel["path"] = "/"
    if cookie.max_age:
        morsel["max-age"] = cookie.max_age
        morsel["httponly"] = True
        morsel["samesite"] = "Lax"
        if secure:
            morsel["secure"] = True
    else:
        morsel["max-age"] = 0
        morsel["expires"] = "Thu, 01 Jan 1970 00:00:00 GMT"
    return morsel.OutputString()


def _is_secure(environ: dict) -> bool:
    proxy = settings.SECURE_PROXY_SSL_HEADER
    if proxy:
        header, secure_value = proxy
        value = environ.get(header)
        if value is not None:
            return value.split(",", 1)[0].strip() == secure_value
    return environ.get("wsgi.url_scheme") == "https"


def visit_from_environ(environ: dict) -> Visit:
    """Read the fields the protections need from a WSGI environ."""
    path_info = get_path_info(environ) or "/"
    script_name = get_script_name(environ)
    path = "{}/{}".format(script_name.rstrip("/"), path_info.replace("/", "", 1))
    query = environ.get("QUERY_STRING", "")
    geo_continue = False
    if "geo=" in query:
        values = [value for key, value in parse_qsl(query, keep_blank_values=True) if key == "geo"]
        geo_continue = bool(values) and values[-1] == "continue"
    return Visit(
        path=path,
        cookies=parse_cookie(environ.get("HTTP_COOKIE", "")),
        remote_addr=environ.get("REMOTE_ADDR", ""),
        forwarded_for=environ.get("HTTP_X_FORWARDED_FOR", ""),
        user_agent=environ.get("HTTP_USER_AGENT", ""),
        geo_continue=geo_continue,
        secure=_is_secure(environ),
    )


def _release_connections() -> None:
    # A policy reload may have opened a connection outside Django's request
    # cycle: hand it back (to the pool) at once.
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and not conn.in_atomic_block:
            conn.close()


class TrafficGate:
    """WSGI middleware wrapping Django's handler (``panier.config.wsgi``)."""

    def __init__(self, app: Callable[[dict, StartResponse], Iterable[bytes]]) -> None:
        self.app = app
        slots = settings.PANIER_APP_SLOTS
        self.slots = threading.BoundedSemaphore(slots) if slots > 0 else None
        if settings.PANIER_GIL_SWITCH_MS > 0:
            sys.setswitchinterval(settings.PANIER_GIL_SWITCH_MS / 1000)
        self._static_headers: list[tuple[str, str]] | None = None
        # Load the GeoIP table when the worker starts, not on its first visitor.
        try:
            geoip_get()
        except Exception:  # noqa: BLE001 - retried, and reported, on the first request
            logger.exception("traffic.geoip_unavailable")

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        visit = visit_from_environ(environ)
        if visit.path.startswith(EXEMPT_PREFIXES):
            return self.app(environ, start_response)
        environ[SCREENED_KEY] = True
        try:
            outcome = screen(visit)
            cached = None
            if outcome.answer is None and not outcome.cookies:
                cached = self._cached_page(environ, visit.path)
        finally:
            _release_connections()
        if outcome.answer is not None:
            return self._answer(outcome.answer, start_response, secure=visit.secure)
        if cached is not None:
            status, body, headers = cached
            start_response(_REASONS.get(status, f"{status} Not Modified"), [*headers, *self._headers()])
            return [body]
        if not IN_FLIGHT.enter(settings.PANIER_MAX_IN_FLIGHT):
            _count("shed")
            return self._answer(busy_answer(), start_response, secure=visit.secure)
        try:
            if self.slots is not None and not self.slots.acquire(timeout=settings.PANIER_APP_QUEUE_S):
                _count("shed")
                return self._answer(busy_answer(), start_response, secure=visit.secure)
            try:
                return self.app(environ, self._with_cookies(start_response, outcome.cookies, visit.secure))
            finally:
                if self.slots is not None:
                    self.slots.release()
        finally:
            IN_FLIGHT.leave()

    @staticmethod
    def _cached_page(environ: dict, path: str) -> tuple[int, bytes, list[tuple[str, str]]] | None:
        """A page-cache hit for an anonymous GET, answered here without Django; None otherwise.

        The same slot and headers as ``PageCacheMiddleware``; on a miss the
        environ says so, and Django renders and stores the page.
        """
        if not settings.PANIER_PAGE_CACHE or environ.get("REQUEST_METHOD") != "GET" or environ.get("HTTP_COOKIE"):
            return None
        try:
            slot = pagecache.slot_for(path, environ.get("QUERY_STRING", ""))
            found = pagecache.lookup(slot, environ.get("HTTP_IF_NONE_MATCH")) if slot is not None else None
        except Exception:  # noqa: BLE001 - a cache outage: Django renders the page
            logger.warning("traffic.pagecache_unavailable", exc_info=True)
            return None
        if slot is not None and found is None:
            environ[pagecache.GATE_MISS_KEY] = True
        if found is None:
            return None
        status, body, headers = found
        return status, body, [*headers, ("Content-Length", str(len(body)))] if status == 200 else headers

    @staticmethod
    def _with_cookies(start_response: StartResponse, cookies: list[CookieSet], secure: bool) -> StartResponse:
        if not cookies:
            return start_response
        extra = [("Set-Cookie", cookie_header(cookie, secure=secure)) for cookie in cookies]

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, *extra], exc_info)

        return start

    def _headers(self) -> list[tuple[str, str]]:
        # The headers Django's middleware would add to these pages, computed once.
        if self._static_headers is None:
            from csp.utils import build_policy

            self._static_headers = [
                ("Content-Security-Policy", build_policy()),
                ("X-Content-Type-Options", "nosniff"),
                ("Referrer-Policy", settings.SECURE_REFERRER_POLICY or "same-origin"),
                ("X-Frame-Options", settings.X_FRAME_OPTIONS),
            ]
        return self._static_headers

    def _answer(self, answer: Answer, start_response: StartResponse, *, secure: bool) -> list[bytes]:
        headers = [
            ("Content-Type", answer.content_type),
            ("Content-Length", str(len(answer.body))),
            *self._headers(),
            *answer.headers.items(),
            *(("Set-Cookie", cookie_header(cookie, secure=secure)) for cookie in answer.cookies),
        ]
        start_response(_REASONS.get(answer.status, f"{answer.status} Status"), headers)
        return [answer.body]
