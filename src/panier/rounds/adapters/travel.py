"""Travel-time sources: straight line (default, offline) and an OSRM server."""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
from collections.abc import Sequence

from panier.rounds import routing
from panier.rounds.errors import RoutingServerUnavailable
from panier.rounds.routing import Point


class StraightLineSource:
    """Great-circle distance × a detour factor at a constant speed: needs no server."""

    def __init__(self, *, speed_kmh: float = 30.0, detour: float = 1.3):
        if speed_kmh <= 0 or detour < 1:
            raise ValueError("the speed must be positive and the detour factor at least 1")
        self.speed_kmh = speed_kmh
        self.detour = detour
        self.name = f"straight-line {speed_kmh:g} km/h"

    def durations(self, points: Sequence[Point]) -> list[list[int]]:
        return routing.straight_line_durations(points, speed_kmh=self.speed_kmh, detour=self.detour)


class OsrmSource:
    """The ``table`` service of an OSRM server (``/table/v1/driving/lon,lat;…``)."""

    name = "osrm"

    def __init__(self, base_url: str, *, timeout_s: float = 5.0, profile: str = "driving"):
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.profile = profile

    def durations(self, points: Sequence[Point]) -> list[list[int]]:
        coords = ";".join(f"{p.lon:.6f},{p.lat:.6f}" for p in points)
        url = f"{self.base_url}/table/v1/{self.profile}/{coords}?annotations=duration"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout_s) as response:  # noqa: S310 (configured URL)
                body = json.loads(response.read())
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise RoutingServerUnavailable(f"OSRM at {self.base_url}: {exc}") from exc
        if body.get("code") != "Ok" or not isinstance(body.get("durations"), list):
            raise RoutingServerUnavailable(f"OSRM at {self.base_url} answered {body.get('code')!r}")
        matrix = body["durations"]
        if len(matrix) != len(points) or any(len(row) != len(points) for row in matrix):
            raise RoutingServerUnavailable(f"OSRM at {self.base_url} answered a matrix of the wrong size")
        out = []
        for row in matrix:
            # OSRM gives null between points it cannot connect: treat as very far, not as zero.
            out.append([math.ceil(v) if isinstance(v, int | float) else 10 * 86400 for v in row])
        return out


class FallbackSource:
    """Try a server first; when it fails, use the fallback and remember why."""

    def __init__(self, primary, fallback):
        self.primary = primary
        self.fallback = fallback
        self.name = primary.name
        self.warning = ""

    def durations(self, points: Sequence[Point]) -> list[list[int]]:
        try:
            return self.primary.durations(points)
        except RoutingServerUnavailable as exc:
            self.warning = exc.message
            self.name = f"{self.fallback.name} (fallback)"
            return self.fallback.durations(points)
