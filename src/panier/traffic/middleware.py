"""Protections in front of the shop, cheapest first.

1. Rate limits on expensive endpoints, per client address and per network
   (/24, /48): 429 with Retry-After.
2. Geo policy per hub: allow, a "wrong shop?" interstitial, or 403.
3. Admission control (waiting room): under overload, new visitors get a
   signed FIFO ticket and a tiny waiting page; visitors with a session,
   a basket, an admission or in checkout always pass.
4. Load shedding: a bounded number of requests in flight per process
   towards the application; beyond it an immediate 503 with Retry-After
   instead of a queue that times out.

The decisions are taken by ``screen`` on a ``Visit`` (the few request
fields they read). In production ``panier.traffic.gate.TrafficGate``
calls it on the raw WSGI environ before Django builds a request, so the
cheap answers never wait behind a page render; ``TrafficMiddleware`` does
the same for any other entry point (ASGI, the test client) and steps
aside when the gate has already screened the request.

None of it touches the database on the request path: policies are cached
in process for a few seconds and counters live in Redis or in process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from panier.traffic import pages, rules
from panier.traffic.counters import ADMIT, PASS, counters_get
from panier.traffic.geoip import NoGeoIP, geoip_get
from panier.traffic.models import AdmissionMode
from panier.traffic.policy import admission_mode, hub_policies

logger = logging.getLogger(__name__)

TICKET_COOKIE = "panier_ticket"
ADMITTED_COOKIE = "panier_admitted"
GEO_OK_COOKIE = "panier_geo_ok"
# Set in the WSGI environ by the gate once it has screened the request.
SCREENED_KEY = "panier.traffic.screened"

EXEMPT_PREFIXES = ("/healthz", "/readyz", "/static/", "/media/", "/favicon.ico", "/robots.txt")
# Paths whose visitors are always admitted: they are buying or managing.
ALWAYS_ADMITTED_MARKERS = ("/checkout/", "/basket/", "/pay/", "/accounts/", "/orders/", "/producer/",
                           "/operator/", "/admin/", "/api/")
HTML = "text/html; charset=utf-8"
_INTERSTITIAL_CACHE_MAX = 2048


def _rate_class(path: str) -> str | None:
    if path.startswith("/api/"):
        return "api"
    if "/search/" in path:
        return "search"
    if "/basket/" in path:
        return "basket"
    if "/checkout/" in path or path.startswith(("/pay/", "/en/pay/")):
        return "checkout"
    if "/accounts/login" in path:
        return "login"
    return None


def _hub_slug(path: str) -> str | None:
    parts = [p for p in path.split("/") if p]
    if parts and parts[0] == "en":
        parts = parts[1:]
    return parts[0] if parts else None


@dataclass(frozen=True, slots=True)
class Visit:
    """The request fields the protections read."""

    path: str
    cookies: Mapping[str, str]
    remote_addr: str = ""
    forwarded_for: str = ""
    user_agent: str = ""
    geo_continue: bool = False
    secure: bool = False


@dataclass(frozen=True, slots=True)
class CookieSet:
    """A cookie to set (``max_age`` > 0) or delete (``max_age`` == 0) on the answer."""

    name: str
    value: str
    max_age: int


@dataclass(slots=True)
class Answer:
    """A complete answer given in place of the application's."""

    status: int
    body: bytes
    content_type: str = HTML
    headers: dict[str, str] = field(default_factory=dict)
    cookies: list[CookieSet] = field(default_factory=list)


@dataclass(slots=True)
class Outcome:
    """What ``screen`` decided: an answer, or cookies to add to the application's response."""

    answer: Answer | None = None
    cookies: list[CookieSet] = field(default_factory=list)


class _InFlight:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def enter(self, limit: int) -> bool:
        with self._lock:
            if limit and self.count >= limit:
                return False
            self.count += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self.count -= 1


# Requests of this process on their way to the application (running, or
# waiting for one of the application slots of the gate).
IN_FLIGHT = _InFlight()


def busy_answer() -> Answer:
    return Answer(503, _busy_body(), headers={"Retry-After": "2", "Cache-Control": "no-store"})


_busy_bytes: bytes | None = None


def _busy_body() -> bytes:
    global _busy_bytes
    if _busy_bytes is None:
        _busy_bytes = pages.busy_page().encode()
    return _busy_bytes


def screen(visit: Visit, *, now: float | None = None) -> Outcome:
    """Decide whether a request goes on to the application.

    Returns an ``Outcome`` with the answer to send instead (429, the
    interstitial, 403, the waiting room), or with the cookies to add to
    the application's response (admission, geo consent). Load shedding is
    left to the caller, which knows how many requests it is running.
    Never raises for a counter outage: the shop stays open.
    """
    path = visit.path
    now = time.time() if now is None else now
    ip = rules.client_ip(visit.remote_addr, visit.forwarded_for, settings.PANIER_TRUSTED_PROXIES)
    limited = _rate_limit(path, ip, now)
    if limited is not None:
        return Outcome(answer=limited)
    cookies = visit.cookies
    known = bool(cookies.get(settings.SESSION_COOKIE_NAME) or cookies.get(ADMITTED_COOKIE))
    crawler = rules.is_crawler(visit.user_agent)
    outcome = Outcome()
    geo = _geo(visit, outcome, ip, known=known, crawler=crawler)
    if geo is not None:
        return Outcome(answer=geo)
    if not (known or crawler or any(m in path for m in ALWAYS_ADMITTED_MARKERS)):
        waiting = _admission(visit, outcome, now)
        if waiting is not None:
            return Outcome(answer=waiting)
    return outcome


# -- rate limits -------------------------------------------------------------
def _rate_limit(path: str, ip: str, now: float) -> Answer | None:
    kind = _rate_class(path)
    if kind is None or not ip:
        return None
    limits = settings.PANIER_RATE_LIMITS.get(kind)
    if not limits:
        return None
    per_ip, per_net, window = limits
    counters = counters_get()
    try:
        network = rules.network_of(ip)
    except ValueError:
        network = ip
    try:
        over_ip = counters.hit(f"rl:{kind}:ip:{ip}", window, now) > per_ip
        over_net = counters.hit(f"rl:{kind}:net:{network}", window, now) > per_net
    except Exception:  # noqa: BLE001 - a counter outage must not take the shop down
        logger.warning("traffic.counters_unavailable", exc_info=True)
        return None
    if not (over_ip or over_net):
        return None
    _count("rate_limited")
    retry = str(rules.retry_after_s(now, window))
    if path.startswith("/api/"):
        return Answer(
            429,
            b'{"code": "rate_limited", "message": "Too many requests; retry later."}',
            content_type="application/json",
            headers={"Retry-After": retry},
        )
    body = pages.too_many_page(int(retry)).encode()
    return Answer(429, body, headers={"Retry-After": retry, "Cache-Control": "no-store"})


# -- geo policy ----------------------------------------------------------------
_interstitials: dict[tuple[str, str], tuple[object, bytes]] = {}


def _geo(visit: Visit, outcome: Outcome, ip: str, *, known: bool, crawler: bool) -> Answer | None:
    path = visit.path
    slug = _hub_slug(path)
    if not slug or path.startswith(("/api/", "/admin/")):
        return None
    geoip = geoip_get()
    if isinstance(geoip, NoGeoIP):
        return None
    policy = hub_policies().get(slug)
    if policy is None:
        return None
    if visit.geo_continue:
        outcome.cookies.append(CookieSet(GEO_OK_COOKIE, "1", 30 * 86400))
        return None
    if visit.cookies.get(GEO_OK_COOKIE):
        return None
    context = rules.GeoContext(
        country=geoip.country(ip) if ip else None,
        is_crawler=crawler,
        is_known_customer=known,
        is_exempt_path=any(m in path for m in ALWAYS_ADMITTED_MARKERS),
    )
    decision = rules.geo_decision(context, policy.countries, default=policy.default_action)
    if decision == rules.INTERSTITIAL:
        _count("interstitial")
        # The page depends only on the policy and the path: kept as bytes.
        key = (policy.hub_slug, path)
        cached = _interstitials.get(key)
        body = cached[1] if cached is not None and cached[0] is policy else None
        if body is None:
            body = pages.interstitial_page(
                hub_name=policy.hub_name,
                delivery_area=policy.delivery_area,
                other_label=policy.other_site_label,
                other_url=policy.other_site_url,
                continue_url=f"{path}?geo=continue",
            ).encode()
            if len(_interstitials) >= _INTERSTITIAL_CACHE_MAX:
                _interstitials.clear()
            _interstitials[key] = (policy, body)
        return Answer(200, body, headers={"Cache-Control": "private, max-age=300"})
    if decision == rules.REFUSE:
        _count("refused")
        body = pages.refused_page(hub_name=policy.hub_name, delivery_area=policy.delivery_area).encode()
        return Answer(403, body, headers={"Cache-Control": "private, max-age=300"})
    return None


# -- waiting room --------------------------------------------------------------
def _admission(visit: Visit, outcome: Outcome, now: float) -> Answer | None:
    mode = admission_mode()
    if mode == AdmissionMode.OFF:
        return None
    counters = counters_get()
    secret = settings.SECRET_KEY.encode()
    raw = visit.cookies.get(TICKET_COOKIE)
    ticket = rules.ticket_decode(raw, secret, now_s=now, max_age_s=3600) if raw else None
    rate = settings.PANIER_ADMISSION_RATE_PER_S
    try:
        arrival = counters.arrive(
            now_s=now,
            threshold=settings.PANIER_ADMISSION_ARRIVALS_PER_S,
            busy=mode == AdmissionMode.FORCED_ON or IN_FLIGHT.count > settings.PANIER_ADMISSION_IN_FLIGHT,
            ticket=ticket.number if ticket is not None else None,
            rate_per_s=rate,
        )
    except Exception:  # noqa: BLE001 - a counter outage must not take the shop down
        logger.warning("traffic.counters_unavailable", exc_info=True)
        return None
    if arrival.verdict == PASS:
        return None
    if arrival.verdict == ADMIT:
        outcome.cookies.append(CookieSet(ADMITTED_COOKIE, "1", 3600))
        outcome.cookies.append(CookieSet(TICKET_COOKIE, "", 0))
        _count("admitted")
        return None
    if ticket is None:
        ticket = rules.Ticket(number=arrival.ticket, issued_at=int(now))
    admitted = arrival.admitted
    position = rules.queue_position(ticket.number, admitted)
    _count("waiting")
    body = pages.waiting_page(position=position, eta_s=rules.eta_s(position, rate), refresh_s=10).encode()
    return Answer(
        200,
        body,
        headers={"Cache-Control": "no-store"},
        cookies=[CookieSet(TICKET_COOKIE, rules.ticket_encode(ticket, secret), 3600)],
    )


def _count(event: str) -> None:
    """Count a protection event per minute, for the operator's live figures."""
    try:
        counters_get().count_event(f"stats:{event}", 60, time.time())
    except Exception:  # noqa: BLE001 - figures are best effort, never a failure
        logger.debug("traffic.stats_unavailable", exc_info=True)


# -- the Django middleware -------------------------------------------------------
def _set_cookie(response: HttpResponse, cookie: CookieSet, *, secure: bool) -> None:
    if cookie.max_age:
        response.set_cookie(cookie.name, cookie.value, max_age=cookie.max_age, httponly=True, samesite="Lax",
                            secure=secure)
    else:
        response.delete_cookie(cookie.name)


def _response(answer: Answer, *, secure: bool) -> HttpResponse:
    response = HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)
    for name, value in answer.headers.items():
        response[name] = value
    for cookie in answer.cookies:
        _set_cookie(response, cookie, secure=secure)
    return response


def visit_of(request: HttpRequest) -> Visit:
    return Visit(
        path=request.path,
        cookies=request.COOKIES,
        remote_addr=request.META.get("REMOTE_ADDR", ""),
        forwarded_for=request.META.get("HTTP_X_FORWARDED_FOR", ""),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        geo_continue=request.GET.get("geo") == "continue",
        secure=request.is_secure(),
    )


class TrafficMiddleware:
    """Screens requests that did not come through the WSGI gate (ASGI, tests)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if request.META.get(SCREENED_KEY) or path.startswith(EXEMPT_PREFIXES):
            return self.get_response(request)
        visit = visit_of(request)
        outcome = screen(visit)
        if outcome.answer is not None:
            return _response(outcome.answer, secure=visit.secure)
        if not IN_FLIGHT.enter(settings.PANIER_MAX_IN_FLIGHT):
            _count("shed")
            return _response(busy_answer(), secure=visit.secure)
        try:
            response = self.get_response(request)
        finally:
            IN_FLIGHT.leave()
        for cookie in outcome.cookies:
            _set_cookie(response, cookie, secure=visit.secure)
        return response
