import pytest
from hypothesis import given
from hypothesis import strategies as st

from panier.traffic import rules

SECRET = b"test-secret"


def test_network_of_groups_addresses_by_slash24_and_slash48():
    """Rate limits per network use the /24 of IPv4 and the /48 of IPv6."""
    assert rules.network_of("203.0.113.77") == "203.0.113.0/24"
    assert rules.network_of("2001:db8:abcd:12::1") == "2001:db8:abcd::/48"
    assert rules.network_of("::ffff:198.51.100.9") == "198.51.100.0/24"
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6 address"):
        rules.network_of("not-an-ip")


def test_client_ip_trusts_only_the_configured_proxy_hops():
    """With one trusted proxy the client is the last X-Forwarded-For entry; spoofed entries to its left are ignored."""
    assert rules.client_ip("10.0.0.1", "6.6.6.6, 203.0.113.5", 1) == "203.0.113.5"
    assert rules.client_ip("10.0.0.1", "6.6.6.6, 203.0.113.5", 0) == "10.0.0.1"
    assert rules.client_ip("10.0.0.1", "garbage", 1) == "10.0.0.1"
    assert rules.client_ip("10.0.0.1", "", 2) == "10.0.0.1"


def test_retry_after_counts_to_the_end_of_the_window():
    """Retry-After is the time left in the current window, at least one second."""
    assert rules.retry_after_s(120.0, 60) == 60
    assert rules.retry_after_s(179.5, 60) == 1
    assert rules.retry_after_s(150.0, 60) == 30


@given(st.integers(0, 10**9), st.integers(1_600_000_000, 1_900_000_000))
def test_ticket_round_trips_when_untouched(number, issued):
    """A ticket decodes to itself while it is fresh."""
    ticket = rules.Ticket(number=number, issued_at=issued)

    value = rules.ticket_encode(ticket, SECRET)

    assert rules.ticket_decode(value, SECRET, now_s=issued + 10, max_age_s=3600) == ticket


@given(st.integers(1, 10**6), st.integers(1, 10**6))
def test_a_forged_ticket_is_refused(number, other):
    """Changing the number, or signing with another key, gives no ticket."""
    value = rules.ticket_encode(rules.Ticket(number=number, issued_at=1_700_000_000), SECRET)
    forged = value.replace(f"{number}.", f"{number + other}.", 1)

    assert rules.ticket_decode(forged, SECRET, now_s=1_700_000_010, max_age_s=3600) is None
    assert rules.ticket_decode(value, b"other", now_s=1_700_000_010, max_age_s=3600) is None


def test_an_old_or_malformed_ticket_is_refused():
    """Tickets expire, and garbage is not a ticket."""
    value = rules.ticket_encode(rules.Ticket(number=3, issued_at=1000), SECRET)

    assert rules.ticket_decode(value, SECRET, now_s=1000 + 3601, max_age_s=3600) is None
    assert rules.ticket_decode("abc", SECRET, now_s=0, max_age_s=10) is None
    assert rules.ticket_decode("1.2.3.4", SECRET, now_s=0, max_age_s=10) is None


@given(st.lists(st.integers(1, 1000), min_size=2, max_size=50, unique=True), st.integers(0, 1000))
def test_queue_is_first_in_first_out(numbers, admitted):
    """An earlier ticket never waits behind a later one."""
    positions = {n: rules.queue_position(n, admitted) for n in numbers}

    for a in numbers:
        for b in numbers:
            if a < b:
                assert positions[a] <= positions[b]


def test_geo_decision_exempts_customers_crawlers_and_health_checks():
    """Known customers, crawlers and exempt paths are always allowed; others follow the policy."""
    policy = {"US": rules.INTERSTITIAL, "RU": rules.REFUSE}

    def decide(country, **kw):
        context = rules.GeoContext(country=country, is_crawler=kw.get("crawler", False),
                                   is_known_customer=kw.get("known", False), is_exempt_path=kw.get("exempt", False))
        return rules.geo_decision(context, policy)

    assert decide("US") == rules.INTERSTITIAL
    assert decide("RU") == rules.REFUSE
    assert decide("FR") == rules.ALLOW
    assert decide(None) == rules.ALLOW
    assert decide("US", known=True) == rules.ALLOW
    assert decide("RU", crawler=True) == rules.ALLOW
    assert decide("RU", exempt=True) == rules.ALLOW
    assert rules.is_crawler("Mozilla/5.0 (compatible; Googlebot/2.1)") is True
    assert rules.is_crawler("Mozilla/5.0 (X11; Linux x86_64) Firefox/130") is False
