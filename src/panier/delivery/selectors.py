"""Delivery reads: zones, pickup points, open slots."""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from django.db import connections, router
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from panier.core.cached_rows import forget, read_through
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
    return Closure.objects.filter(hub=hub, last_day__gte=today).order_by("first_day", "pk")[:limit]


def pickup_point_list(*, hub: Hub) -> QuerySet[PickupPoint]:
    return reuse_sql(PickupPoint.objects.filter(hub=hub, is_active=True), "delivery.pickup_points")


#: Seconds a hub's pickup points and upcoming closures are kept in the
#: shared cache; every save or deletion of either drops them at once
#: (``delivery.signals``), this only bounds a missed drop (a bulk update).
CALENDAR_CACHE_S = 300


class Calendar(NamedTuple):
    """What the checkout shows around the slots: the active pickup points and the upcoming closures."""

    day: date
    pickup_points: list[PickupPoint]
    closures: list[Closure]


def calendar_cache_key(hub_id: int) -> str:
    return f"checkout-calendar:{hub_id}"


def calendar_for(*, hub: Hub, today: date) -> Calendar:
    """The hub's active pickup points and its closures that end ``today`` or later, soonest first.

    Both checkout steps read them on every visit and they change a few
    times a year, so they are kept in the shared cache: the same rows as
    ``pickup_point_list`` and ``closure_list_upcoming``. A copy read on
    another day is read again (a closure that ended drops out of the
    list), and any change to a point or a closure drops the copy.
    """
    key = calendar_cache_key(hub.pk)

    def load() -> Calendar:
        return Calendar(
            today,
            list(PickupPoint.objects.filter(hub=hub, is_active=True)),
            list(closure_list_upcoming(hub=hub, today=today)),
        )

    calendar = read_through(key, load, timeout=CALENDAR_CACHE_S)
    if calendar.day != today:
        # Kept on another day: read again and keep today's, as a miss would.
        forget(key)
        calendar = read_through(key, load, timeout=CALENDAR_CACHE_S)
    return calendar


def slot_list_open(
    *, hub: Hub, kind: str, now: datetime, pickup_point: PickupPoint | None = None, limit: int = 60
) -> QuerySet[Slot]:
    """Return the slots that still take orders and have room, soonest first."""
    qs = Slot.objects.filter(hub=hub, kind=kind, cutoff_at__gt=now, booked__lt=F("capacity"))
    if kind == SlotKind.PICKUP:
        qs = qs.filter(pickup_point=pickup_point) if pickup_point else qs
    return reuse_sql(qs.select_related("pickup_point").order_by("starts_at", "pk")[:limit], f"delivery.open.{kind}")


class OpenSlot(NamedTuple):
    """An open slot as the checkout page lists it: no model instance, only what it shows."""

    pk: int
    kind: str
    pickup_point_id: int | None
    starts_at: datetime
    ends_at: datetime
    remaining: int


#: The most slots the checkout page lists, per kind (as ``slot_list_open``'s limits).
OPEN_SLOTS_SHOWN = {SlotKind.DELIVERY: 60, SlotKind.PICKUP: 200}


def _open_slots_sql(connection) -> str:
    table = connection.ops.quote_name(Slot._meta.db_table)
    # One branch per kind, each with its own limit (the index on hub, kind
    # and start serves both); values are bound, the table name is ours.
    branches = [
        "SELECT * FROM (SELECT id, kind, pickup_point_id, starts_at, ends_at, capacity - booked AS remaining"  # noqa: S608
        f" FROM {table} WHERE hub_id = %s AND kind = %s AND cutoff_at > %s AND booked < capacity"
        f" ORDER BY starts_at, id LIMIT %s) AS {alias}"
        for alias in ("d", "p")
    ]
    return " UNION ALL ".join(branches) + " ORDER BY kind, starts_at, id"


def _aware(value, connection) -> datetime:
    # PostgreSQL returns aware datetimes; SQLite returns text or naive UTC
    # values through a UNION (Django's own conversion needs the model field).
    if isinstance(value, str):
        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, connection.timezone)
    return value


def slot_rows_open(*, hub: Hub, now: datetime) -> list[OpenSlot]:
    """The delivery and pickup slots that still take orders and have room, soonest first.

    The same slots as ``slot_list_open`` for each kind, read in one
    statement as plain rows: the checkout page lists them on every visit,
    and building model instances (with their pickup points) cost more than
    the rest of the list. The database decides what is open at ``now``,
    as it did before: nothing here is cached.
    """
    connection = connections[router.db_for_read(Slot)]
    when = connection.ops.adapt_datetimefield_value(now)
    params = [
        hub.pk, SlotKind.DELIVERY.value, when, OPEN_SLOTS_SHOWN[SlotKind.DELIVERY],
        hub.pk, SlotKind.PICKUP.value, when, OPEN_SLOTS_SHOWN[SlotKind.PICKUP],
    ]
    with connection.cursor() as cursor:
        cursor.execute(_open_slots_sql(connection), params)
        rows = cursor.fetchall()
    if connection.vendor == "postgresql":
        return [OpenSlot._make(row) for row in rows]
    return [
        OpenSlot(pk, kind, point, _aware(starts_at, connection), _aware(ends_at, connection), remaining)
        for pk, kind, point, starts_at, ends_at, remaining in rows
    ]
