"""Reads of the rounds pages, the round sheet and the driver page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext_lazy as _

from panier.delivery.models import Slot
from panier.hubs.models import Hub
from panier.orders import rules as order_rules
from panier.orders.backoffice_selectors import day_bounds
from panier.orders.models import Order
from panier.rounds import routing
from panier.rounds.models import Round, RoundPlan, Stop, StopStatus, Vehicle

ACTIVE = (
    order_rules.PAID,
    order_rules.IN_PREPARATION,
    order_rules.READY,
    order_rules.OUT_FOR_DELIVERY,
    order_rules.READY_FOR_PICKUP,
    order_rules.DELIVERED,
)

REASONS = {
    routing.NO_COORDINATES: _("no coordinates: place the address on the map or enter them"),
    routing.BAD_COORDINATES: _("the coordinates are not valid"),
    routing.TOO_HEAVY: _("heavier than any vehicle can carry"),
    routing.TOO_BULKY: _("more bags than any vehicle can carry"),
    routing.WINDOW_OUTSIDE_SHIFTS: _("the delivery window is outside every driver's shift"),
    routing.UNREACHABLE_IN_WINDOW: _("too far to reach within its window and come back within the shift"),
    routing.NO_ROOM_LEFT: _("no vehicle has time or room left within its window"),
    routing.NO_VEHICLE: _("no vehicle in service"),
}


def reason_text(code: str) -> str:
    return str(REASONS.get(code, code))


@dataclass
class UnservedRow:
    order: Order | None
    number: str
    reason: str
    reason_code: str


@dataclass
class DayRounds:
    day: date
    plan: RoundPlan | None
    rounds: list[Round]
    unserved: list[UnservedRow] = field(default_factory=list)
    vehicles: list[Vehicle] = field(default_factory=list)
    slots: list[tuple] = field(default_factory=list)

    @property
    def driving_s(self) -> int:
        return sum(r.driving_s for r in self.rounds)

    @property
    def stops(self) -> int:
        return sum(len(r.stops.all()) for r in self.rounds)

    @property
    def late(self) -> int:
        return sum(1 for r in self.rounds for s in r.stops.all() if s.is_late)


def _stops():
    return Prefetch("stops", queryset=Stop.objects.select_related("order__slot").order_by("position", "pk"))


def slot_counts(*, hub: Hub, day: date) -> list[tuple]:
    """Orders per slot of the day, paid or further along (1 query): (slot, orders, capacity)."""
    start, end = day_bounds(day, hub.timezone)
    rows = (
        Slot.objects.filter(hub=hub, starts_at__gte=start, starts_at__lt=end)
        .annotate(n=Count("orders", filter=Q(orders__status__in=ACTIVE)))
        .select_related("pickup_point")
        .order_by("starts_at", "pk")
    )
    return [(slot, slot.n, slot.capacity) for slot in rows]


def day_rounds(*, hub: Hub, day: date) -> DayRounds:
    """The day's plan with rounds, ordered stops, orders left out and orders per slot (6 queries)."""
    plan = RoundPlan.objects.filter(hub=hub, day=day).first()
    vehicles = list(Vehicle.objects.filter(hub=hub).order_by("name", "pk"))
    slots = slot_counts(hub=hub, day=day)
    if plan is None:
        return DayRounds(day=day, plan=None, rounds=[], vehicles=vehicles, slots=slots)
    rounds = list(plan.rounds.select_related("vehicle").prefetch_related(_stops()).order_by("vehicle__name", "pk"))
    ids = [u["order_id"] for u in plan.unserved]
    orders = Order.objects.in_bulk(ids) if ids else {}
    unserved = [
        UnservedRow(orders.get(u["order_id"]), u["number"], reason_text(u["reason"]), u["reason"]) for u in plan.unserved
    ]
    return DayRounds(day=day, plan=plan, rounds=rounds, unserved=unserved, vehicles=vehicles, slots=slots)


def hub_round(*, hub: Hub, round_id: int) -> Round | None:
    return (
        Round.objects.filter(pk=round_id, plan__hub=hub)
        .select_related("vehicle", "plan")
        .prefetch_related(_stops())
        .first()
    )


def next_stop(rnd: Round) -> Stop | None:
    return next((s for s in rnd.stops.all() if s.status == StopStatus.PLANNED), None)
