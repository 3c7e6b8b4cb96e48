import pytest

from panier.traffic import middleware
from panier.traffic.counters import counters_get
from panier.traffic.models import AdmissionMode, CountryRule, HubGeoPolicy, TrafficSettings
from tests import factories

US = "203.0.113.9"
RU = "198.51.100.1"
FR = "192.0.2.10"


@pytest.fixture
def hub(db):
    h = factories.hub()
    policy = HubGeoPolicy.objects.create(
        hub=h, default_action="allow", delivery_area="Nice", other_site_label="Panier USA",
        other_site_url="https://example.com/",
    )
    CountryRule.objects.create(policy=policy, country="US", action="interstitial")
    CountryRule.objects.create(policy=policy, country="RU", action="refuse")
    return h


def test_interstitial_for_a_country_outside_the_delivery_area(client, hub, geo):
    """A new visitor from a listed country sees a small cacheable 'wrong shop?' page with the operator's link."""
    response = client.get(f"/{hub.slug}/", REMOTE_ADDR=US)

    assert response.status_code == 200
    body = response.content.decode()
    assert "https://example.com/" in body
    assert "Nice" in body
    assert len(response.content) < 4096
    assert response["Cache-Control"] == "private, max-age=300"


def test_continue_link_lets_the_visitor_in_and_remembers_it(client, hub, geo):
    """Following 'continue to the shop' admits the visitor now and on later visits."""
    first = client.get(f"/{hub.slug}/?geo=continue", REMOTE_ADDR=US)
    later = client.get(f"/{hub.slug}/", REMOTE_ADDR=US)

    assert middleware.GEO_OK_COOKIE in first.cookies
    assert "Panier USA" not in later.content.decode()


def test_refused_country_gets_403_but_not_health_checks_crawlers_or_customers(client, hub, geo):
    """Refusal never applies to /healthz, search-engine crawlers or visitors with a session."""
    assert client.get(f"/{hub.slug}/", REMOTE_ADDR=RU).status_code == 403
    assert client.get("/healthz", REMOTE_ADDR=RU).status_code == 200
    crawler = client.get(f"/{hub.slug}/", REMOTE_ADDR=RU, HTTP_USER_AGENT="Mozilla/5.0 (compatible; Googlebot/2.1)")
    assert crawler.status_code == 200
    client.cookies["sessionid"] = "existing-customer-session"
    assert client.get(f"/{hub.slug}/", REMOTE_ADDR=RU).status_code == 200


def test_visitors_from_the_delivery_area_are_allowed(client, hub, geo):
    """A French visitor sees the shop."""
    assert client.get(f"/{hub.slug}/", REMOTE_ADDR=FR).status_code == 200


def test_without_geoip_database_the_policy_is_off(client, hub):
    """No database file: nobody is stopped."""
    assert client.get(f"/{hub.slug}/", REMOTE_ADDR=RU).status_code == 200


def test_rate_limit_answers_429_with_retry_after_per_address(client, db, settings):
    """Past the limit of a class of endpoints, a client gets 429 and Retry-After; others are not affected."""
    settings.PANIER_RATE_LIMITS = {"search": (3, 100, 60)}
    hub = factories.hub()

    statuses = [client.get(f"/{hub.slug}/search/?q=miel", REMOTE_ADDR=US).status_code for _ in range(4)]
    other = client.get(f"/{hub.slug}/search/?q=miel", REMOTE_ADDR=FR)

    assert 429 not in statuses[:3]
    assert statuses[3] == 429
    assert other.status_code != 429
    blocked = client.get(f"/{hub.slug}/search/?q=miel", REMOTE_ADDR=US)
    assert 1 <= int(blocked["Retry-After"]) <= 60


def test_rate_limit_per_network_catches_a_spread_of_addresses(client, db, settings):
    """Many addresses of one /24 share the network limit."""
    settings.PANIER_RATE_LIMITS = {"login": (100, 5, 60)}

    statuses = [client.get("/accounts/login/", REMOTE_ADDR=f"203.0.113.{i}").status_code for i in range(1, 8)]

    assert statuses.count(429) == 2


def test_api_rate_limit_answers_json(client, db, settings):
    """The API's 429 is JSON with a stable code."""
    settings.PANIER_RATE_LIMITS = {"api": (1, 100, 60)}
    client.get("/api/v1/hubs", REMOTE_ADDR=US)

    response = client.get("/api/v1/hubs", REMOTE_ADDR=US)

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert "Retry-After" in response


def test_load_shedding_answers_503_at_once_but_never_for_health_checks(client, db, settings):
    """With the process at its limit of requests in flight, new requests get 503 + Retry-After."""
    settings.PANIER_MAX_IN_FLIGHT = 4
    middleware.IN_FLIGHT.count = 4

    response = client.get("/", REMOTE_ADDR=FR)
    health = client.get("/healthz", REMOTE_ADDR=FR)

    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert health.status_code == 200


def test_waiting_room_queues_new_visitors_and_admits_them_in_order(client, db, settings):
    """Forced on, a new visitor gets a signed ticket and a tiny page; admitted once their turn comes."""
    TrafficSettings.objects.create(admission_mode=AdmissionMode.FORCED_ON)
    settings.PANIER_ADMISSION_RATE_PER_S = 1
    hub = factories.hub()

    waiting = client.get(f"/{hub.slug}/", REMOTE_ADDR=FR)

    assert waiting.status_code == 200
    assert len(waiting.content) < 4096
    assert "file d'attente" in waiting.content.decode()
    assert middleware.TICKET_COOKIE in waiting.cookies
    counters = counters_get()
    counters._last_admit -= 5  # five seconds pass
    admitted = client.get(f"/{hub.slug}/", REMOTE_ADDR=FR)
    assert "file d'attente" not in admitted.content.decode()
    assert middleware.ADMITTED_COOKIE in admitted.cookies


def test_waiting_room_never_stops_customers_or_checkout(client, db):
    """Visitors with a session, and checkout or payment pages, pass even when the room is forced on."""
    TrafficSettings.objects.create(admission_mode=AdmissionMode.FORCED_ON)
    hub = factories.hub()

    checkout = client.get(f"/{hub.slug}/checkout/", REMOTE_ADDR=FR)
    client.cookies["sessionid"] = "existing"
    with_session = client.get(f"/{hub.slug}/", REMOTE_ADDR=FR)

    assert "file d'attente" not in checkout.content.decode()
    assert "file d'attente" not in with_session.content.decode()


def test_a_forged_ticket_gets_a_new_place_at_the_back(client, db):
    """Editing the ticket cookie does not jump the queue."""
    TrafficSettings.objects.create(admission_mode=AdmissionMode.FORCED_ON)
    hub = factories.hub()
    client.get(f"/{hub.slug}/", REMOTE_ADDR=FR)
    client.cookies[middleware.TICKET_COOKIE] = "0.1700000000.forged"

    response = client.get(f"/{hub.slug}/", REMOTE_ADDR=FR)

    assert "file d'attente" in response.content.decode()
    assert response.cookies[middleware.TICKET_COOKIE].value.split(".")[0] == "2"
