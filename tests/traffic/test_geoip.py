import ipaddress

from panier.traffic.geoip import MmdbGeoIP, NoGeoIP, RangeFileGeoIP


def test_mmdb_lookup_finds_countries(test_mmdb):
    """A .mmdb file answers the country of IPv4 and IPv6 addresses, None elsewhere."""
    geo = MmdbGeoIP(test_mmdb)

    assert geo.country("203.0.113.9") == "US"
    assert geo.country("198.51.100.1") == "RU"
    assert geo.country("2001:db8::1") == "US"
    assert geo.country("8.8.8.8") is None
    assert geo.country("not an ip") is None


def test_range_file_lookup_uses_the_tor_geoip_layout(tmp_path):
    """tor-geoipdb ranges (start,end,CC with integer IPv4 bounds) are searched by bisection."""
    v4 = tmp_path / "geoip"
    v4.write_text(
        "# comment\n"
        f"{int.from_bytes(bytes([203, 0, 113, 0]), 'big')},{int.from_bytes(bytes([203, 0, 113, 255]), 'big')},US\n"
        f"{int.from_bytes(bytes([192, 0, 2, 0]), 'big')},{int.from_bytes(bytes([192, 0, 2, 255]), 'big')},FR\n"
        "broken line\n"
    )
    v6 = tmp_path / "geoip6"
    v6.write_text("2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,DE\n")

    geo = RangeFileGeoIP(v4, v6)

    assert len(geo) == 3
    assert geo.country("203.0.113.200") == "US"
    assert geo.country("192.0.2.1") == "FR"
    assert geo.country("192.0.3.1") is None
    assert geo.country("2001:db8::5") == "DE"
    assert geo.country("::ffff:192.0.2.7") == "FR"


def test_without_a_database_every_country_is_unknown():
    """No file configured: the policy has nothing to act on."""
    assert NoGeoIP().country("203.0.113.9") is None


def test_a_full_size_range_file_stays_compact_in_memory(tmp_path):
    """385,000 IPv4 ranges (tor-geoipdb's size) take under 16 MB in a worker and are still found."""
    import random
    import tracemalloc

    rng = random.Random(7)
    codes = ["FR", "US", "DE", "BE", "CH", "IT", "ES", "GB", "NL", "??"]
    path = tmp_path / "geoip"
    rows, start = [], 16_777_216
    for _ in range(385_000):
        size = rng.randint(1, 4000)
        rows.append(f"{start},{start + size - 1},{rng.choice(codes)}\n")
        start += size + rng.randint(0, 500)
    path.write_text("# tor-geoipdb layout\n" + "".join(rows))
    probe_start, probe_end, probe_code = rows[200_000].strip().split(",")
    del rows

    tracemalloc.start()
    try:
        geo = RangeFileGeoIP(path)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert len(geo) == 385_000
    assert held < 16 * 1024 * 1024
    expected = None if probe_code == "??" else probe_code
    assert geo.country(str(ipaddress.IPv4Address((int(probe_start) + int(probe_end)) // 2))) == expected
    assert geo.country("0.0.0.1") is None
