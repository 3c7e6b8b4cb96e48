"""The day's rounds drawn as SVG from the stored coordinates: no map tiles needed."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from panier.hubs.models import Hub
from panier.rounds.models import Round

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]


@dataclass
class MapRound:
    name: str
    colour: str
    path: str
    points: list[tuple[float, float, str]]


@dataclass(frozen=True)
class Projection:
    """Equirectangular projection of (lat, lon) into SVG units, and back.

    ``x0`` is the smallest ``lon * k`` and ``y0`` the largest latitude of the
    area shown; ``span`` is its side in degrees, drawn over ``scale`` units.
    """

    k: float
    x0: float
    y0: float
    span: float
    pad: float
    scale: float

    def project(self, lat: float, lon: float) -> tuple[float, float]:
        return (
            round(self.pad + (lon * self.k - self.x0) / self.span * self.scale, 1),
            round(self.pad + (self.y0 - lat) / self.span * self.scale, 1),
        )

    def unproject(self, x: float, y: float) -> tuple[float, float]:
        """Return the (lat, lon) under an SVG point, as the click script computes it."""
        lat = self.y0 - (y - self.pad) / self.scale * self.span
        lon = ((x - self.pad) / self.scale * self.span + self.x0) / self.k
        return lat, lon


@dataclass(frozen=True)
class Tile:
    href: str
    x: float
    y: float
    width: float
    height: float


@dataclass
class DayMap:
    width: int
    height: int
    depot: tuple[float, float] | None
    rounds: list[MapRound]
    projection: Projection | None = None
    tiles: list[Tile] = field(default_factory=list)

    @property
    def depot_box(self) -> tuple[float, float]:
        return (self.depot[0] - 6, self.depot[1] - 6)


#: Smallest area shown, in degrees (about 2 km): a day with one stop, or
#: none, still gives room to place a pin around the hub.
MIN_SPAN = 0.02


def _tile_xy(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    n = 2**zoom
    x = (lon + 180.0) / 360.0 * n
    y = (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n
    return x, y


def _tile_corner(x: int, y: int, zoom: int) -> tuple[float, float]:
    n = 2**zoom
    lon = x / n * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
    return lat, lon


def map_tiles(projection: Projection, *, url: str, size: int, max_tiles: int = 36) -> list[Tile]:
    """Return the slippy-map tiles (``{z}/{x}/{y}`` URL template) under the drawn area.

    The zoom is the highest that covers the area with at most ``max_tiles``
    tiles. Each tile is drawn into the box its corners project to, so it
    lines up with the equirectangular drawing at city scale.
    """
    top_lat, left_lon = projection.unproject(0, 0)
    bottom_lat, right_lon = projection.unproject(size, size)
    for zoom in range(18, 0, -1):
        x1, y1 = _tile_xy(top_lat, left_lon, zoom)
        x2, y2 = _tile_xy(bottom_lat, right_lon, zoom)
        cols = range(int(math.floor(x1)), int(math.floor(x2)) + 1)
        rows = range(int(math.floor(y1)), int(math.floor(y2)) + 1)
        if len(cols) * len(rows) <= max_tiles:
            break
    tiles = []
    for tx in cols:
        for ty in rows:
            lat_a, lon_a = _tile_corner(tx, ty, zoom)
            lat_b, lon_b = _tile_corner(tx + 1, ty + 1, zoom)
            xa, ya = projection.project(lat_a, lon_a)
            xb, yb = projection.project(lat_b, lon_b)
            href = url.replace("{z}", str(zoom)).replace("{x}", str(tx)).replace("{y}", str(ty))
            tiles.append(Tile(href, xa, ya, round(xb - xa, 1), round(yb - ya, 1)))
    return tiles


def day_map(
    *, hub: Hub, rounds: list[Round], width: int = 640, height: int = 480, tile_url: str = ""
) -> DayMap | None:
    """Project hub and stops (equirectangular, fine at city scale) into an SVG box."""
    if hub.latitude is None or hub.longitude is None:
        return None
    depot = (float(hub.latitude), float(hub.longitude))
    coords = [depot]
    for r in rounds:
        for s in r.stops.all():
            if s.order.latitude is not None:
                coords.append((float(s.order.latitude), float(s.order.longitude)))
    k = math.cos(math.radians(depot[0]))
    xs = [lon * k for _, lon in coords]
    ys = [lat for lat, _ in coords]
    span = max(max(xs) - min(xs), max(ys) - min(ys), MIN_SPAN)
    pad = 20
    scale = min(width, height) - 2 * pad
    # Centre the area when it is smaller than the span shown.
    x0 = (min(xs) + max(xs)) / 2 - span / 2
    y0 = (min(ys) + max(ys)) / 2 + span / 2
    proj = Projection(k=k, x0=x0, y0=y0, span=span, pad=pad, scale=scale)
    project = proj.project

    d = project(*depot)
    out = []
    for n, r in enumerate(rounds):
        pts = [
            (*project(float(s.order.latitude), float(s.order.longitude)), f"{s.position}. {s.order.number}")
            for s in r.stops.all()
            if s.order.latitude is not None
        ]
        path = " ".join([f"M{d[0]},{d[1]}"] + [f"L{x},{y}" for x, y, _ in pts] + [f"L{d[0]},{d[1]}"])
        out.append(MapRound(r.vehicle.name, COLOURS[n % len(COLOURS)], path, pts))
    tiles = map_tiles(proj, url=tile_url, size=min(width, height)) if tile_url else []
    return DayMap(width=width, height=height, depot=d, rounds=out, projection=proj, tiles=tiles)
