"""Delivery rules: zones, fees, cut-offs. Pure: no Django."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# ASCII only: \d would also accept full-width and other Unicode digits,
# which no zone lists.
POSTAL_CODE_FR = re.compile(r"[0-9]{5}")


@dataclass(frozen=True)
class Point:
    """A place on the map, in decimal degrees (WGS 84)."""

    lat: float
    lon: float


def normalise_postal_code(raw: str) -> str | None:
    """Return a French postal code without spaces, or None if malformed."""
    code = re.sub(r"\s+", "", raw or "")
    return code if POSTAL_CODE_FR.fullmatch(code) else None


def delivery_fee_cents(*, fee_cents: int, free_above_cents: int | None, goods_cents: int) -> int:
    """Return the delivery fee for a basket: free from the threshold on."""
    if free_above_cents is not None and goods_cents >= free_above_cents:
        return 0
    return fee_cents


def slot_is_open(cutoff_at: datetime, *, now: datetime) -> bool:
    """Tell whether a slot still takes orders at ``now`` (aware datetimes)."""
    if cutoff_at.tzinfo is None or now.tzinfo is None:
        raise ValueError("cut-off and now must be aware datetimes")
    return now < cutoff_at


def cutoff_for(
    slot_day: date, *, days_before: int, at: time, tz: ZoneInfo
) -> datetime:
    """Return the aware instant orders close for a slot on ``slot_day``.

    Cut-offs are set in hub-local time ("Thursday 18:00 for Saturday" is
    ``days_before=2, at=18:00``); the result is correct across DST changes.
    """
    local_day = slot_day - timedelta(days=days_before)
    return datetime.combine(local_day, at, tzinfo=tz)


def local_window(day: date, start: time, end: time, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the aware start and end of a window given in hub-local time."""
    return datetime.combine(day, start, tzinfo=tz), datetime.combine(day, end, tzinfo=tz)


# Local time ----------------------------------------------------------------


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """Return the aware UTC instant of a hub-local wall-clock time.

    A time that does not exist (the hour skipped when clocks go forward)
    lands that far after the change: 02:30 on a spring-forward night is
    03:30 summer time. A time that happens twice (clocks go back) is its
    first occurrence, the earlier instant, which is the safer reading for a
    cut-off.
    """
    local = datetime.combine(day, at, tzinfo=tz)  # fold=0: first occurrence
    return local.astimezone(UTC)


# Schedules -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cutoff:
    """When orders close for a slot: ``days_before`` its day, at ``at`` local time.

    "Thursday 18:00 for Saturday" is ``Cutoff(days_before=2, at=time(18))``.
    """

    days_before: int
    at: time


@dataclass(frozen=True, slots=True)
class Window:
    """One recurring window of a schedule, on each of ``weekdays`` (0 = Monday)."""

    key: str
    kind: str
    pickup_point_id: int | None
    weekdays: frozenset[int]
    start: time
    end: time
    capacity: int
    cutoff: Cutoff
    valid_from: date | None = None
    valid_until: date | None = None


@dataclass(frozen=True, slots=True)
class Closure:
    """Days (inclusive) on which the hub neither delivers nor opens pickups."""

    first_day: date
    last_day: date
    reason: str

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


@dataclass(frozen=True, slots=True)
class SpecialWindow:
    """A one-off window on ``day``; with ``replaces`` it stands in for the
    regular windows of the same kind and pickup point on that day."""

    key: str
    day: date
    kind: str
    pickup_point_id: int | None
    start: time
    end: time
    capacity: int
    cutoff: Cutoff
    replaces: bool = False


@dataclass(frozen=True, slots=True)
class PlannedSlot:
    """A slot that a schedule calls for; instants are aware UTC datetimes."""

    key: str
    kind: str
    pickup_point_id: int | None
    starts_at: datetime
    ends_at: datetime
    cutoff_at: datetime
    capacity: int


def slot_times(
    day: date, start: time, end: time, cutoff: Cutoff, tz: ZoneInfo
) -> tuple[datetime, datetime, datetime]:
    """Return (starts_at, ends_at, cutoff_at) in UTC for a window on ``day``.

    Raises ValueError for a window that does not end after it starts (in
    wall-clock time) or a negative ``days_before``. A cut-off set after the
    start on the same day is brought back to the start: a slot never takes
    orders once it has begun.
    """
    if end <= start:
        raise ValueError("a window must end after it starts")
    if cutoff.days_before < 0:
        raise ValueError("days_before cannot be negative")
    starts_at = local_instant(day, start, tz)
    ends_at = local_instant(day, end, tz)
    if ends_at <= starts_at:
        # Both ends fell into the same skipped hour: keep the window's length.
        ends_at = starts_at + (
            datetime.combine(day, end) - datetime.combine(day, start)
        )
    cutoff_at = local_instant(day - timedelta(days=cutoff.days_before), cutoff.at, tz)
    return starts_at, ends_at, min(cutoff_at, starts_at)


def _window_applies(window: Window, day: date) -> bool:
    if day.weekday() not in window.weekdays:
        return False
    if window.valid_from is not None and day < window.valid_from:
        return False
    return window.valid_until is None or day <= window.valid_until


def slots_plan(
    *,
    windows: list[Window],
    closures: list[Closure],
    specials: list[SpecialWindow],
    tz: ZoneInfo,
    first_day: date,
    days: int,
    now: datetime,
) -> list[PlannedSlot]:
    """Return the slots the schedules call for from ``first_day`` on, for ``days`` days.

    Priority, from strongest: a special day, then a closure, then the
    regular windows. A closure removes every regular window of its days; a
    special window still opens on a closed day (that is how a hub opens
    once during its holidays). A special window with ``replaces`` removes
    the regular windows of its kind and pickup point on its day. Slots whose
    cut-off is at or before ``now`` are left out: nobody could book them.
    Keys are unique and stable, so planning twice gives the same slots.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    planned: dict[str, PlannedSlot] = {}

    def add(key, kind, point, day, start, end, capacity, cutoff) -> None:
        starts_at, ends_at, cutoff_at = slot_times(day, start, end, cutoff, tz)
        if cutoff_at <= now:
            return
        planned[key] = PlannedSlot(key, kind, point, starts_at, ends_at, cutoff_at, capacity)

    for offset in range(days):
        day = first_day + timedelta(days=offset)
        todays = [s for s in specials if s.day == day]
        replaced = {(s.kind, s.pickup_point_id) for s in todays if s.replaces}
        closed = any(c.covers(day) for c in closures)
        if not closed:
            for w in windows:
                if _window_applies(w, day) and (w.kind, w.pickup_point_id) not in replaced:
                    add(f"{w.key}:{day.isoformat()}", w.kind, w.pickup_point_id, day,
                        w.start, w.end, w.capacity, w.cutoff)
        for s in todays:
            add(s.key, s.kind, s.pickup_point_id, day, s.start, s.end, s.capacity, s.cutoff)
    return sorted(planned.values(), key=lambda p: (p.starts_at, p.key))


def closure_on(day: date, closures: list[Closure]) -> Closure | None:
    """Return the closure covering ``day``, if any (the first listed)."""
    return next((c for c in closures if c.covers(day)), None)


# Zones: geometry ---------------------------------------------------------------

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance in metres between two points (degrees)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def within_radius(
    point: tuple[float, float], centre: tuple[float, float], radius_m: float
) -> bool:
    """Tell whether ``point`` lies within ``radius_m`` of ``centre`` (edge included)."""
    return haversine_m(*point, *centre) <= radius_m


def point_in_polygon(point: tuple[float, float], polygon: list[tuple[float, float]]) -> bool:
    """Tell whether ``point`` (lat, lon) lies inside ``polygon`` (list of (lat, lon)).

    Ray casting on plain coordinates, which is exact enough for an area the
    size of a town. A point on an edge or a vertex counts as inside, so
    two zones that share a border both claim it (the zone priority decides).
    The ring may be given closed or open.
    """
    ring = list(polygon)
    if len(ring) >= 2 and ring[0] == ring[-1]:
        ring.pop()
    if len(ring) < 3:
        return False
    y, x = point
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        yi, xi = ring[i]
        yj, xj = ring[j]
        if _on_segment(y, x, yi, xi, yj, xj):
            return True
        if (yi > y) != (yj > y):
            x_cross = xi + (y - yi) * (xj - xi) / (yj - yi)
            if x < x_cross:
                inside = not inside
        j = i
    return inside


def _on_segment(y: float, x: float, y1: float, x1: float, y2: float, x2: float) -> bool:
    cross = (x - x1) * (y2 - y1) - (y - y1) * (x2 - x1)
    if abs(cross) > 1e-12:
        return False
    return min(x1, x2) - 1e-12 <= x <= max(x1, x2) + 1e-12 and min(y1, y2) - 1e-12 <= y <= max(y1, y2) + 1e-12


def parse_polygon(text: str) -> list[tuple[float, float]]:
    """Read a polygon typed as "lat, lon" pairs, one per line or separated by ";".

    Raises ValueError with a short reason for anything that is not at least
    three valid points.
    """
    points: list[tuple[float, float]] = []
    for raw in re.split(r"[;\n]+", text or ""):
        raw = raw.strip()
        if not raw:
            continue
        parts = [p for p in re.split(r"[,\s]+", raw) if p]
        if len(parts) != 2:
            raise ValueError(f"not a 'latitude, longitude' pair: {raw!r}")
        try:
            lat, lon = float(parts[0]), float(parts[1])
        except ValueError:
            raise ValueError(f"not a number: {raw!r}") from None
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError(f"out of range: {raw!r}")
        points.append((lat, lon))
    if len(points) >= 2 and points[0] == points[-1]:
        points.pop()
    if len(points) < 3:
        raise ValueError("a polygon needs at least three points")
    return points


# Zones: matching -----------------------------------------------------------------

POSTAL = "postal_codes"
POLYGON = "polygon"
RADIUS = "radius"
#: On equal priority, the more precise shape wins.
KIND_ORDER = {POLYGON: 0, RADIUS: 1, POSTAL: 2}


@dataclass(frozen=True, slots=True)
class ZoneShape:
    """What a zone covers: postal codes, a polygon, or a radius around the hub."""

    key: int
    kind: str
    priority: int = 100
    postal_codes: frozenset[str] = frozenset()
    polygon: tuple[tuple[float, float], ...] = ()
    centre: tuple[float, float] | None = None
    radius_m: int = 0

    def covers(self, *, postal_code: str | None, point: tuple[float, float] | None) -> bool:
        if self.kind == POSTAL:
            return postal_code is not None and postal_code in self.postal_codes
        if point is None:
            return False
        if self.kind == POLYGON:
            return point_in_polygon(point, list(self.polygon))
        if self.kind == RADIUS:
            return self.centre is not None and within_radius(point, self.centre, self.radius_m)
        return False


def zone_match(
    zones: list[ZoneShape], *, postal_code: str | None, point: tuple[float, float] | None
) -> ZoneShape | None:
    """Return the zone serving an address, or None.

    Every zone that covers the address is a candidate: a postal-code zone by
    its list, a polygon or radius zone by the address's coordinates (an
    address without coordinates only matches by postal code). The lowest
    ``priority`` wins; on a tie a polygon beats a radius, which beats a
    postal-code list; then the lowest key (the oldest zone).
    """
    candidates = [z for z in zones if z.covers(postal_code=postal_code, point=point)]
    if not candidates:
        return None
    return min(candidates, key=lambda z: (z.priority, KIND_ORDER.get(z.kind, 9), z.key))
