"""Country of an IP address, from a GeoIP database file.

Two sources are supported behind one small interface:

* a MaxMind or DB-IP ``.mmdb`` file (GeoIP2/GeoLite2 Country layout),
  read with the ``geoip2`` library;
* the IP-range files of Debian's ``tor-geoipdb`` package
  (``/usr/share/tor/geoip`` and ``geoip6``: ``start,end,CC`` lines, openly
  licensed), loaded once into sorted arrays and searched with bisect.

Without a file the lookup answers None and the geo policy is off.
"""

from __future__ import annotations

import bisect
import ipaddress
import logging
import threading
from array import array
from pathlib import Path
from typing import Protocol

logger = logging.getLogger(__name__)


class GeoIP(Protocol):
    def country(self, ip: str) -> str | None:
        """Return the ISO 3166 alpha-2 country code of an address, or None."""
        ...


class NoGeoIP:
    """No database configured: every country is unknown."""

    def country(self, ip: str) -> str | None:
        return None


class MmdbGeoIP:
    def __init__(self, path: str | Path) -> None:
        import geoip2.database

        self._reader = geoip2.database.Reader(str(path))

    def country(self, ip: str) -> str | None:
        import geoip2.errors

        try:
            return self._reader.country(ip).country.iso_code
        except (geoip2.errors.AddressNotFoundError, ValueError):
            return None


def _reordered(values, order: list[int]):
    picked = [values[i] for i in order]
    return array(values.typecode, picked) if isinstance(values, array) else picked


class RangeFileGeoIP:
    """Sorted IP ranges from tor-geoipdb files (IPv4 as integers, IPv6 as text).

    Every served worker holds the whole table, so it is kept compact: IPv4
    bounds in 64-bit arrays and each country as a 2-byte index into the
    few distinct codes (about 16 MB for the 385,000 IPv4 ranges, where
    a list of tuples and one string per row took 85 MB).
    """

    def __init__(self, ipv4_path: str | Path | None, ipv6_path: str | Path | None = None) -> None:
        self._names: list[str] = []
        self._ids: dict[str, int] = {}
        self._starts4 = array("Q")
        self._ends4 = array("Q")
        self._codes4 = array("H")
        self._starts6: list[int] = []
        self._ends6: list[int] = []
        self._codes6 = array("H")
        if ipv4_path:
            self._load(Path(ipv4_path), v6=False)
        if ipv6_path and Path(ipv6_path).exists():
            self._load(Path(ipv6_path), v6=True)

    def _code_id(self, code: str) -> int:
        index = self._ids.get(code)
        if index is None:
            index = self._ids[code] = len(self._names)
            self._names.append(code)
        return index

    def _load(self, path: Path, *, v6: bool) -> None:
        starts, ends, codes = (self._starts6, self._ends6, self._codes6) if v6 else (self._starts4, self._ends4, self._codes4)
        with path.open(encoding="ascii", errors="replace") as handle:
            for line in handle:
                if not line or line[0] == "#":
                    continue
                parts = line.strip().split(",")
                if len(parts) != 3:
                    continue
                try:
                    if v6:
                        start = int(ipaddress.IPv6Address(parts[0]))
                        end = int(ipaddress.IPv6Address(parts[1]))
                    else:
                        start, end = int(parts[0]), int(parts[1])
                except ValueError:
                    continue
                starts.append(start)
                ends.append(end)
                codes.append(self._code_id(parts[2].upper()))
        if any(starts[i] < starts[i - 1] for i in range(1, len(starts))):
            order = sorted(range(len(starts)), key=starts.__getitem__)
            starts[:] = _reordered(starts, order)
            ends[:] = _reordered(ends, order)
            codes[:] = _reordered(codes, order)

    def __len__(self) -> int:
        return len(self._codes4) + len(self._codes6)

    def country(self, ip: str) -> str | None:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return None
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        value = int(address)
        if address.version == 4:
            starts, ends, codes = self._starts4, self._ends4, self._codes4
        else:
            starts, ends, codes = self._starts6, self._ends6, self._codes6
        index = bisect.bisect_right(starts, value) - 1
        if index >= 0 and value <= ends[index]:
            code = self._names[codes[index]]
            return None if code in ("??", "") else code
        return None


_geoip: GeoIP | None = None


_geoip_lock = threading.Lock()


def geoip_get() -> GeoIP:
    """Return the configured database (loaded once per process, by one thread)."""
    global _geoip
    if _geoip is not None:
        return _geoip
    with _geoip_lock:
        if _geoip is not None:
            return _geoip
        from django.conf import settings

        path = getattr(settings, "PANIER_GEOIP_PATH", "")
        if not path:
            geoip: GeoIP = NoGeoIP()
        elif path.endswith(".mmdb"):
            geoip = MmdbGeoIP(path)
        else:
            geoip = RangeFileGeoIP(path, getattr(settings, "PANIER_GEOIP6_PATH", "") or None)
        logger.info("traffic.geoip_loaded", extra={"source": type(geoip).__name__})
        _geoip = geoip
        return geoip


def geoip_reset(geoip: GeoIP | None = None) -> None:
    global _geoip
    _geoip = geoip
