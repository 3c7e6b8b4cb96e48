"""Delivery reads: zones, pickup points, open slots."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import F, QuerySet

from panier.core.cached_rows import read_through
from panier.core.sqlcache import reuse_sql
from panier.delivery import rules
from panier.delivery.errors import AddressNotServed, PostalCodeNotServed
from panier.delivery.models import Closure, PickupPoint, Slot, SlotKind, Zone, ZoneKind
from panier.hubs.models import Hub

#: Seconds a hub's zones are kept in the shared cache; every save or
#: deletion of a zone drops them at once (``delivery.signals``), this only
#: bounds a missed drop.
ZONES_CACHE_S = 300


def zones_cache_key(hub_id: int) -> str:
    return f"zones:{hub_id}"


def zone_list(*, hub: Hub) -> list[Zone]:
    """The hub's delivery zones, from the shared cache when they are there.

    Every checkout step matches the address against them; they change
    rarely, and each change drops the cached copy.
    """
    zones = read_through(
        zones_cache_key(hub.pk), lambda: list(Zone.objects.filter(hub=hub).order_by("pk")), timeout=ZONES_CACHE_S
    )
    for zone in zones:
        # The caller's hub, not a copy pickled with the zones.
        zone.hub = hub
    return zones


def zone_for_postal_code(*, hub: Hub, postal_code: str) -> Zone:
    """Return the hub's zone that serves a postal code.

    Raises PostalCodeNotServed for a malformed or unserved code.
    """
    return zone_for_address(hub=hub, postal_code=postal_code)


def zone_for_address(
    *, hub: Hub, postal_code: str, latitude: float | None = None, longitude: float | None = None
) -> Zone:
    """Return the hub's zone that serves an address, by coordinates or postal code.

    Postal-code zones match by the code; polygon and radius zones match by
    the coordinates when the address has them. When several zones match,
    ``rules.zone_match`` decides (lowest priority number, then the more
    precise shape). Raises PostalCodeNotServed for a malformed code and, for
    an address no zone covers, PostalCodeNotServed without coordinates or
    AddressNotServed with them.
    """
    code = rules.normalise_postal_code(postal_code)
    point = None
    if latitude is not None and longitude is not None:
        point = (float(latitude), float(longitude))
    if code is None and point is None:
        raise PostalCodeNotServed(field="postal_code")
    zones = {z.pk: z for z in zone_list(hub=hub)}
    match = rules.zone_match([z.shape() for z in zones.values()], postal_code=code, point=point)
    if match is None:
        if point is None:
            raise PostalCodeNotServed(field="postal_code")
        raise AddressNotServed(field="postal_code")
    return zones[match.key]


def zone_needs_coordinates(*, hub: Hub) -> bool:
    """Tell whether the hub has a polygon or radius zone (matched only with the address's coordinates)."""
    return any(zone.kind in (ZoneKind.POLYGON, ZoneKind.RADIUS) for zone in zone_list(hub=hub))


def closure_list_upcoming(*, hub: Hub, today: date, limit: int = 5) -> QuerySet[Closure]:
    """Return the closures that end today or later, soonest first (shown to customers)."""
    return Closure.objects.filter(hub=hub, last_day__gte=today).order_by("first_day")[:limit]


def pickup_point_list(*, hub: Hub) -> QuerySet[PickupPoint]:
    return reuse_sql(PickupPoint.objects.filter(hub=hub, is_active=True), "delivery.pickup_points")


def slot_list_open(
    *, hub: Hub, kind: str, now: datetime, pickup_point: PickupPoint | None = None, limit: int = 60
) -> QuerySet[Slot]:
    """Return the slots that still take orders and have room, soonest first."""
    qs = Slot.objects.filter(hub=hub, kind=kind, cutoff_at__gt=now, booked__lt=F("capacity"))
    if kind == SlotKind.PICKUP:
        qs = qs.filter(pickup_point=pickup_point) if pickup_point else qs
    return reuse_sql(qs.select_related("pickup_point").order_by("starts_at", "pk")[:limit], f"delivery.open.{kind}")
