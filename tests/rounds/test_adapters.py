import pytest

from panier.rounds.adapters.geocoding import BanGeocoder, NoGeocoder
from panier.rounds.adapters.travel import FallbackSource, OsrmSource, StraightLineSource
from panier.rounds.errors import AddressNotFound, GeocoderUnavailable, RoutingServerUnavailable
from panier.rounds.routing import Point
from tests.rounds.servers import ban_answer, closed_port_url, osrm_answer, serving

pytestmark = pytest.mark.usefixtures("english")

NICE = Point(43.7102, 7.2620)
PORT = Point(43.6960, 7.2850)


def test_osrm_table_is_read():
    """Given an OSRM server, its table answer becomes a whole-second matrix (rounded up)."""
    with serving(osrm_answer) as url:
        matrix = OsrmSource(url).durations([NICE, PORT])
    assert matrix[0][0] == 0
    assert matrix[0][1] == matrix[1][0]
    assert 230 < matrix[0][1] < 260


def test_osrm_down_or_wrong_gives_clear_error():
    """A refused connection, an error status or an answer that is not a table raise RoutingServerUnavailable."""
    with pytest.raises(RoutingServerUnavailable, match="OSRM at http://127.0.0.1"):
        OsrmSource(closed_port_url(), timeout_s=1).durations([NICE, PORT])
    with serving(lambda p, q: (500, b"oops")) as url, pytest.raises(RoutingServerUnavailable):
        OsrmSource(url).durations([NICE, PORT])
    with serving(lambda p, q: (200, {"code": "NoTable"})) as url, pytest.raises(RoutingServerUnavailable, match="NoTable"):
        OsrmSource(url).durations([NICE, PORT])
    with serving(lambda p, q: (200, {"code": "Ok", "durations": [[0]]})) as url, pytest.raises(RoutingServerUnavailable, match="size"):
        OsrmSource(url).durations([NICE, PORT])


def test_fallback_to_straight_line_when_server_is_down():
    """When the routing server is down, the straight-line matrix is used and the reason kept as a warning."""
    straight = StraightLineSource(speed_kmh=30)
    source = FallbackSource(OsrmSource(closed_port_url(), timeout_s=1), straight)
    assert source.durations([NICE, PORT]) == straight.durations([NICE, PORT])
    assert source.name == "straight-line 30 km/h (fallback)"
    assert source.warning.startswith("OSRM at http://127.0.0.1")


def test_address_api_geocodes():
    """Given the address API, a known street gets its coordinates."""
    with serving(ban_answer) as url:
        point = BanGeocoder(url).locate(address="5 rue Rossini", postal_code="06000", city="Nice")
    assert point == Point(43.7003, 7.2620)


def test_address_api_poor_match_or_none():
    """No feature, or a best match scoring under 0.5, is 'address not found' (enter coordinates by hand)."""
    with serving(ban_answer) as url:
        with pytest.raises(AddressNotFound):
            BanGeocoder(url).locate(address="nowhere", postal_code="06000", city="Nice")
        with pytest.raises(AddressNotFound):
            BanGeocoder(url).locate(address="1 rue Inconnue", postal_code="06000", city="Nice")


def test_address_api_unreachable_or_not_configured():
    """A refused connection or no geocoder configured raise GeocoderUnavailable with an instruction."""
    with pytest.raises(GeocoderUnavailable) as exc:
        BanGeocoder(closed_port_url(), timeout_s=1).locate(address="5 rue Rossini", postal_code="06000", city="Nice")
    assert "enter coordinates" in exc.value.message
    with serving(lambda p, q: (200, b"<html>")) as url, pytest.raises(GeocoderUnavailable):
        BanGeocoder(url).locate(address="5 rue Rossini", postal_code="06000", city="Nice")
    with pytest.raises(GeocoderUnavailable):
        NoGeocoder().locate(address="5 rue Rossini", postal_code="06000", city="Nice")
