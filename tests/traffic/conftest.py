import pytest
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from panier.traffic import middleware
from panier.traffic.counters import LocalCounters, counters_reset
from panier.traffic.geoip import MmdbGeoIP, geoip_reset
from panier.traffic.policy import policy_cache_clear


@pytest.fixture(autouse=True)
def _fresh_traffic_state(settings):
    """Each test starts with empty counters, no cached policy and no GeoIP."""
    counters_reset(LocalCounters())
    policy_cache_clear()
    geoip_reset()
    middleware.IN_FLIGHT.count = 0
    yield
    counters_reset(None)
    policy_cache_clear()
    geoip_reset()
    middleware.IN_FLIGHT.count = 0


@pytest.fixture
def test_mmdb(tmp_path):
    """A small GeoIP2-Country database: 203.0.113.0/24 is US, 198.51.100.0/24 is RU,
    192.0.2.0/24 is FR, 2001:db8::/32 is US."""
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoIP2-Country", languages=["en"])
    writer.insert_network(IPSet(["203.0.113.0/24", "2001:db8::/32"]), {"country": {"iso_code": "US"}})
    writer.insert_network(IPSet(["198.51.100.0/24"]), {"country": {"iso_code": "RU"}})
    writer.insert_network(IPSet(["192.0.2.0/24"]), {"country": {"iso_code": "FR"}})
    path = tmp_path / "test-country.mmdb"
    writer.to_db_file(str(path))
    return path


@pytest.fixture
def geo(test_mmdb):
    geoip_reset(MmdbGeoIP(test_mmdb))
    return test_mmdb
