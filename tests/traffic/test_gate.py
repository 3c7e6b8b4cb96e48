"""The WSGI gate answers the tiny pages before Django and bounds the page work."""

import sys
import threading
import time

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory

from panier.traffic import middleware
from panier.traffic.counters import counters_get
from panier.traffic.gate import TrafficGate, cookie_header, visit_from_environ
from panier.traffic.middleware import CookieSet
from panier.traffic.models import AdmissionMode, CountryRule, HubGeoPolicy, TrafficSettings
from panier.traffic.policy import admission_mode, hub_policies
from tests import factories

US = "203.0.113.9"
FR = "192.0.2.10"


@pytest.fixture(autouse=True)
def _keep_test_process_state():
    """The gate shortens the switch interval of its process, and Django's real handler closes
    connections around each request: both are undone for the test process."""
    interval = sys.getswitchinterval()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    sys.setswitchinterval(interval)


class App:
    """A WSGI application that records its calls and can be held mid-request."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.release = threading.Event()
        self.release.set()
        self.entered = threading.Event()

    def __call__(self, environ, start_response):
        self.calls.append(environ)
        self.entered.set()
        self.release.wait(10)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"application"]


def call(gate, path, **extra):
    """Send one request through the gate; return (status line, headers, body)."""
    environ = RequestFactory().get(path, **extra).environ
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, headers

    body = b"".join(gate(environ, start_response))
    return seen["status"], seen["headers"], body


def warm_policies():
    """Load the cached policies in the test's thread (the threads cannot share its database)."""
    hub_policies()
    admission_mode()


def header(headers, name):
    return [value for key, value in headers if key.lower() == name.lower()]


@pytest.fixture
def hub(db):
    h = factories.hub()
    policy = HubGeoPolicy.objects.create(
        hub=h, default_action="allow", delivery_area="Nice", other_site_label="Panier USA",
        other_site_url="https://example.com/",
    )
    CountryRule.objects.create(policy=policy, country="US", action="interstitial")
    return h


def test_interstitial_is_answered_without_calling_the_application(hub, geo, settings):
    """A visitor from abroad gets the interstitial from the gate, with the CSP header and no Django work."""
    app = App()
    gate = TrafficGate(app)

    status, headers, body = call(gate, f"/{hub.slug}/", REMOTE_ADDR=US)

    assert status == "200 OK"
    assert app.calls == []
    assert "https://example.com/" in body.decode()
    assert header(headers, "Content-Length") == [str(len(body))]
    assert header(headers, "Cache-Control") == ["private, max-age=300"]
    assert "style-src 'self' 'sha256-" in header(headers, "Content-Security-Policy")[0]
    assert header(headers, "X-Content-Type-Options") == ["nosniff"]


def test_geo_continue_passes_and_sets_the_consent_cookie_on_the_application_answer(hub, geo):
    """'Continue to the shop' reaches the application, marked as screened, and its answer carries the cookie."""
    app = App()
    gate = TrafficGate(app)

    status, headers, body = call(gate, f"/{hub.slug}/?geo=continue", REMOTE_ADDR=US)

    assert (status, body) == ("200 OK", b"application")
    assert app.calls[0][middleware.SCREENED_KEY] is True
    cookies = header(headers, "Set-Cookie")
    assert len(cookies) == 1
    assert cookies[0].startswith(f"{middleware.GEO_OK_COOKIE}=1;")
    assert "HttpOnly" in cookies[0]
    assert "Max-Age=2592000" in cookies[0]


def test_health_checks_are_never_screened(hub, geo, settings):
    """/healthz from a refused country goes straight to the application, even with the process full."""
    settings.PANIER_MAX_IN_FLIGHT = 1
    middleware.IN_FLIGHT.count = 1
    app = App()

    status, _, body = call(TrafficGate(app), "/healthz", REMOTE_ADDR=US)

    assert (status, body) == ("200 OK", b"application")
    assert middleware.SCREENED_KEY not in app.calls[0]


def test_cheap_answers_do_not_wait_for_a_busy_application_slot(hub, geo, settings):
    """With the only slot held by a slow page, the interstitial still comes at once, and a second page waits."""
    settings.PANIER_APP_SLOTS = 1
    settings.PANIER_APP_QUEUE_S = 0.3
    app = App()
    gate = TrafficGate(app)
    warm_policies()
    app.release.clear()
    slow = threading.Thread(target=call, args=(gate, f"/{hub.slug}/"), kwargs={"REMOTE_ADDR": FR})
    slow.start()
    assert app.entered.wait(5)

    started = time.monotonic()
    interstitial = call(gate, f"/{hub.slug}/", REMOTE_ADDR=US)
    interstitial_s = time.monotonic() - started
    in_flight_while_held = middleware.IN_FLIGHT.count
    refused = call(gate, f"/{hub.slug}/products/", REMOTE_ADDR=FR)
    app.release.set()
    slow.join(5)

    assert interstitial[0] == "200 OK"
    assert interstitial_s < 0.2
    assert in_flight_while_held == 1
    assert refused[0] == "503 Service Unavailable"
    assert header(refused[1], "Retry-After") == ["2"]
    assert len(app.calls) == 1
    assert middleware.IN_FLIGHT.count == 0


def test_a_request_waiting_for_a_slot_gets_it_when_the_page_before_ends(hub, settings):
    """Requests beyond the slots queue rather than fail while the wait stays short."""
    settings.PANIER_APP_SLOTS = 1
    settings.PANIER_APP_QUEUE_S = 5
    app = App()
    gate = TrafficGate(app)
    warm_policies()
    app.release.clear()
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(call(gate, f"/{hub.slug}/", REMOTE_ADDR=FR)))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    assert app.entered.wait(5)
    time.sleep(0.1)
    queued = middleware.IN_FLIGHT.count

    app.release.set()
    for thread in threads:
        thread.join(5)

    assert queued == 3
    assert len(app.calls) == 3
    assert [status for status, _, _ in results] == ["200 OK"] * 3


def test_waiting_room_through_the_gate_and_django_counts_each_arrival_once(db, settings):
    """Through the gate and the real Django handler, a new visitor is queued once, with a signed ticket."""
    TrafficSettings.objects.create(admission_mode=AdmissionMode.FORCED_ON)
    hub = factories.hub()
    gate = TrafficGate(WSGIHandler())
    now = time.time()

    status, headers, body = call(gate, f"/{hub.slug}/", REMOTE_ADDR=FR)

    assert status == "200 OK"
    assert "file d'attente" in body.decode()
    assert header(headers, "Cache-Control") == ["no-store"]
    ticket = header(headers, "Set-Cookie")[0]
    assert ticket.startswith(f"{middleware.TICKET_COOKIE}=1.")
    assert counters_get().peek("arrivals", 1, now) + counters_get().peek("arrivals", 1, now + 1) == 1


def test_admitted_visitor_reaches_django_once_with_its_cookies(db, settings):
    """A ticket whose turn came passes through the gate; Django's middleware does not screen it again."""
    TrafficSettings.objects.create(admission_mode=AdmissionMode.FORCED_ON)
    settings.PANIER_ADMISSION_RATE_PER_S = 1
    hub = factories.hub()
    gate = TrafficGate(WSGIHandler())
    _, headers, _ = call(gate, f"/{hub.slug}/", REMOTE_ADDR=FR)
    ticket = header(headers, "Set-Cookie")[0].split(";")[0]
    counters_get()._last_admit -= 5  # five seconds pass

    status, headers, body = call(gate, f"/{hub.slug}/", REMOTE_ADDR=FR, HTTP_COOKIE=ticket)

    assert status == "200 OK"
    assert "file d'attente" not in body.decode()
    cookies = header(headers, "Set-Cookie")
    assert any(c.startswith(f"{middleware.ADMITTED_COOKIE}=1;") for c in cookies)
    assert any(c.startswith(f'{middleware.TICKET_COOKIE}="";') and "Max-Age=0" in c for c in cookies)
    assert counters_get().peek("stats:admitted", 60, time.time()) == 1


def test_visit_is_read_from_the_environ_like_django_reads_the_request():
    """Path, cookies, addresses, the geo consent and https behind the trusted proxy header."""
    environ = RequestFactory().get(
        "/en/nice/products/?page=2&geo=continue", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=US,
        HTTP_COOKIE="sessionid=abc; panier_ticket=3.17.x", HTTP_USER_AGENT="Googlebot",
    ).environ

    visit = visit_from_environ(environ)

    assert visit.path == "/en/nice/products/"
    assert dict(visit.cookies) == {"sessionid": "abc", "panier_ticket": "3.17.x"}
    assert (visit.remote_addr, visit.forwarded_for, visit.user_agent) == ("10.0.0.1", US, "Googlebot")
    assert visit.geo_continue is True
    assert visit.secure is False
    assert visit_from_environ(RequestFactory().get("/nice/?geo=other").environ).geo_continue is False


def test_cookie_headers_match_what_django_writes():
    """Set and delete headers carry the attributes of Django's set_cookie/delete_cookie."""
    assert cookie_header(CookieSet("panier_admitted", "1", 3600), secure=True) == (
        "panier_admitted=1; HttpOnly; Max-Age=3600; Path=/; SameSite=Lax; Secure"
    )
    assert cookie_header(CookieSet("panier_ticket", "", 0), secure=False) == (
        'panier_ticket=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/'
    )


def _page_cache_on(settings):
    from django.core.cache import cache

    from panier.traffic.pagecache import hub_ids_forget

    settings.PANIER_PAGE_CACHE = True
    cache.clear()
    hub_ids_forget()


def test_page_cache_hits_are_answered_by_the_gate_without_django(db, settings, django_assert_num_queries):
    """The first anonymous visit is rendered by Django and stored; the next is served from the gate alone."""
    _page_cache_on(settings)
    hub = factories.hub()
    django = WSGIHandler()
    first = call(TrafficGate(django), f"/{hub.slug}/", REMOTE_ADDR=FR)
    app = App()
    gate = TrafficGate(app)

    with django_assert_num_queries(0):
        status, headers, body = call(gate, f"/{hub.slug}/", REMOTE_ADDR=FR)

    assert header(first[1], "X-Panier-Cache") == ["miss"]
    assert status == "200 OK"
    assert app.calls == []
    assert body == first[2]
    assert header(headers, "X-Panier-Cache") == ["hit"]
    assert header(headers, "ETag") == header(first[1], "ETag")
    assert header(headers, "Content-Length") == [str(len(body))]
    assert header(headers, "Content-Type") == header(first[1], "Content-Type")
    assert "s-maxage" in header(headers, "Cache-Control")[0]
    assert header(headers, "Content-Security-Policy")


def test_page_cache_in_the_gate_revalidates_and_steps_aside_for_cookies_and_misses(db, settings):
    """304 for a current ETag; a visitor with a cookie, or a page not stored yet, goes to the application."""
    _page_cache_on(settings)
    hub = factories.hub()
    _, stored, _ = call(TrafficGate(WSGIHandler()), f"/{hub.slug}/", REMOTE_ADDR=FR)
    app = App()
    gate = TrafficGate(app)

    not_modified = call(gate, f"/{hub.slug}/", REMOTE_ADDR=FR, HTTP_IF_NONE_MATCH=header(stored, "ETag")[0])
    personal = call(gate, f"/{hub.slug}/", REMOTE_ADDR=FR, HTTP_COOKIE="sessionid=abc")
    missing = call(gate, f"/{hub.slug}/products/", REMOTE_ADDR=FR)

    assert not_modified[0] == "304 Not Modified"
    assert not_modified[2] == b""
    assert personal[2] == b"application"
    assert missing[2] == b"application"
    assert len(app.calls) == 2
    assert "panier.pagecache.gate_miss" not in app.calls[0]
    assert app.calls[1]["panier.pagecache.gate_miss"] is True


def test_a_miss_seen_by_the_gate_is_rendered_and_stored_once_by_django(db, settings):
    """After the gate's miss Django renders without looking again, stores the page, and the gate serves it next."""
    _page_cache_on(settings)
    hub = factories.hub()
    gate = TrafficGate(WSGIHandler())

    first = call(gate, f"/{hub.slug}/products/", REMOTE_ADDR=FR)
    second = call(gate, f"/{hub.slug}/products/", REMOTE_ADDR=FR)

    assert header(first[1], "X-Panier-Cache") == ["miss"]
    assert header(second[1], "X-Panier-Cache") == ["hit"]
    assert second[2] == first[2]
