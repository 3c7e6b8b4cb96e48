"""Round planning, stop moves, and the driver's marks.

Planning reads the day's delivery orders, asks the travel-time source for
a matrix (outside any transaction: it may call a server), runs the solver,
then replaces the day's plan in one short transaction.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from panier.core import clock
from panier.core.images import image_sanitise
from panier.delivery.adapters.geocoding import Geocoder, geocoder_get
from panier.fulfilment.models import Packing
from panier.hubs.models import Hub
from panier.notifications.services import email_send_on_commit
from panier.orders import rules as order_rules
from panier.orders.models import Order, OrderLine
from panier.orders.services import order_transition
from panier.rounds import routing
from panier.rounds.adapters.solvers import solver_get
from panier.rounds.adapters.travel import FallbackSource, OsrmSource, StraightLineSource
from panier.rounds.errors import (
    AddressNotFound,
    BadCoordinates,
    GeocoderUnavailable,
    HubHasNoCoordinates,
    NoVehicle,
    ReasonRequired,
    RoundNotStarted,
    RoundsAlreadyStarted,
    StopAlreadyDone,
    StopNotFound,
)
from panier.rounds.models import Round, RoundPlan, Stop, StopStatus, Vehicle
from panier.rounds.routing import Job, Point, Problem, VehicleSpec

logger = logging.getLogger(__name__)

# Delivery orders that go into the day's rounds.
ROUTABLE = (order_rules.PAID, order_rules.IN_PREPARATION, order_rules.READY)


# Configuration --------------------------------------------------------------


def travel_source_default():
    straight = StraightLineSource(speed_kmh=settings.PANIER_ROUNDS_SPEED_KMH, detour=settings.PANIER_ROUNDS_DETOUR)
    if settings.PANIER_ROUNDS_OSRM_URL:
        return FallbackSource(
            OsrmSource(settings.PANIER_ROUNDS_OSRM_URL, timeout_s=settings.PANIER_ROUNDS_HTTP_TIMEOUT_S), straight
        )
    return straight


def geocoder_default() -> Geocoder:
    return geocoder_get(timeout_s=settings.PANIER_ROUNDS_HTTP_TIMEOUT_S)


# Coordinates ------------------------------------------------------------------


def coordinates_parse(latitude, longitude) -> tuple[Decimal, Decimal]:
    """Check and round coordinates typed by a person or returned by a geocoder."""
    try:
        lat = Decimal(str(latitude).strip().replace(",", "."))
        lon = Decimal(str(longitude).strip().replace(",", "."))
    except (InvalidOperation, ValueError) as exc:
        raise BadCoordinates(field="latitude") from exc
    if not (lat.is_finite() and lon.is_finite()):
        raise BadCoordinates(field="latitude")
    if not routing.valid_point(Point(float(lat), float(lon))):
        raise BadCoordinates(field="latitude")
    q = Decimal("0.000001")
    return lat.quantize(q), lon.quantize(q)


def order_set_coordinates(*, order: Order, latitude, longitude) -> Order:
    order.latitude, order.longitude = coordinates_parse(latitude, longitude)
    order.save(update_fields=["latitude", "longitude"])
    return order


def order_geocode(*, order: Order, geocoder: Geocoder | None = None) -> Order:
    """Locate a delivery address; raises GeocoderUnavailable or AddressNotFound (enter them by hand then)."""
    geocoder = geocoder or geocoder_default()
    point = geocoder.locate(address=order.address_line1, postal_code=order.postal_code, city=order.city)
    return order_set_coordinates(order=order, latitude=point.lat, longitude=point.lon)


@dataclass
class GeocodeReport:
    located: list[str]
    not_found: list[str]
    error: str = ""


def orders_geocode_day(*, hub: Hub, day: date, geocoder: Geocoder | None = None) -> GeocodeReport:
    """Ask the geocoder for every delivery order of ``day`` still without coordinates.

    Stops at the first sign the service is down (the rest would fail the
    same way) and says so in ``error``; addresses it cannot match are listed.
    """
    geocoder = geocoder or geocoder_default()
    report = GeocodeReport([], [])
    for order in routable_orders(hub=hub, day=day):
        if order.latitude is not None and order.longitude is not None:
            continue
        try:
            order_geocode(order=order, geocoder=geocoder)
        except AddressNotFound:
            report.not_found.append(order.number)
        except GeocoderUnavailable as exc:
            report.error = exc.message
            break
        else:
            report.located.append(order.number)
    return report


# Building the problem ----------------------------------------------------------


def _midnight(day: date, tz_name: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(tz_name))


def _seconds(instant: datetime, midnight: datetime) -> int:
    # Wall-clock seconds since local midnight: the same arithmetic converts them back.
    local = instant.astimezone(midnight.tzinfo).replace(tzinfo=None)
    return int((local - midnight.replace(tzinfo=None)).total_seconds())


def _instant(seconds: int, midnight: datetime) -> datetime:
    return (midnight.replace(tzinfo=None) + timedelta(seconds=seconds)).replace(tzinfo=midnight.tzinfo)


def order_weight_g(lines: list[OrderLine]) -> int:
    """The weight to load: weighed if packed, else estimated, else a default per item."""
    total = 0
    for line in lines:
        if line.final_weight_g:
            total += line.final_weight_g
        elif line.sold_by_weight and line.estimated_weight_g:
            total += line.estimated_weight_g * line.quantity
        else:
            total += settings.PANIER_ROUNDS_ITEM_WEIGHT_G * line.quantity
    return total


def _point(order: Order) -> Point | None:
    if order.latitude is None or order.longitude is None:
        return None
    return Point(float(order.latitude), float(order.longitude))


def _vehicle_spec(v: Vehicle) -> VehicleSpec:
    shift = (v.shift_start.hour * 3600 + v.shift_start.minute * 60, v.shift_end.hour * 3600 + v.shift_end.minute * 60)
    return VehicleSpec(key=v.pk, capacity_g=v.capacity_kg * 1000, capacity_crates=v.capacity_crates, shift=shift)


def routable_orders(*, hub: Hub, day: date) -> list[Order]:
    midnight = _midnight(day, hub.timezone)
    orders = list(
        Order.objects.filter(
            hub=hub,
            fulfilment="delivery",
            status__in=ROUTABLE,
            slot__starts_at__gte=midnight,
            slot__starts_at__lt=_instant(86400, midnight),
        )
        .select_related("slot")
        .order_by("slot__starts_at", "number")
    )
    lines: dict[int, list[OrderLine]] = {}
    for line in OrderLine.objects.filter(order__in=orders):
        lines.setdefault(line.order_id, []).append(line)
    bags = dict(Packing.objects.filter(order__in=orders).values_list("order_id", "bags"))
    for order in orders:
        order.route_weight_g = order_weight_g(lines.get(order.pk, []))
        order.route_crates = bags.get(order.pk, 1)
    return orders


def _job(order: Order, midnight: datetime) -> Job:
    return Job(
        key=order.pk,
        point=_point(order),
        window=(_seconds(order.slot.starts_at, midnight), _seconds(order.slot.ends_at, midnight)),
        weight_g=order.route_weight_g,
        crates=order.route_crates,
        service_s=settings.PANIER_ROUNDS_SERVICE_MIN * 60,
    )


def _depot(hub: Hub) -> Point:
    if hub.latitude is None or hub.longitude is None:
        raise HubHasNoCoordinates()
    return Point(float(hub.latitude), float(hub.longitude))


# Planning -----------------------------------------------------------------------


@dataclass
class PlanResult:
    plan: RoundPlan
    solution: routing.Solution


def rounds_plan(*, hub: Hub, day: date, solver_name: str | None = None, travel=None, now: datetime | None = None) -> PlanResult:
    """Plan the delivery rounds of ``day`` and replace that day's plan.

    Orders no vehicle can serve are kept in ``plan.unserved`` with the
    reason code. Raises HubHasNoCoordinates, NoVehicle or
    RoundsAlreadyStarted.
    """
    now = now or clock.now()
    depot = _depot(hub)
    vehicles = list(Vehicle.objects.filter(hub=hub, is_active=True).order_by("name", "pk"))
    if not vehicles:
        raise NoVehicle()
    if Round.objects.filter(plan__hub=hub, plan__day=day, started_at__isnull=False).exists():
        raise RoundsAlreadyStarted()
    midnight = _midnight(day, hub.timezone)
    orders = routable_orders(hub=hub, day=day)
    problem = Problem(depot=depot, jobs=[_job(o, midnight) for o in orders], vehicles=[_vehicle_spec(v) for v in vehicles])
    travel = travel or travel_source_default()
    # Jobs without usable coordinates are left out of the matrix (the precheck reports them).
    located = [j for j in problem.jobs if routing.valid_point(j.point)]
    matrix_small = travel.durations([depot] + [j.point for j in located])
    matrix = _expand(problem, located, matrix_small)
    solver = solver_get(solver_name or settings.PANIER_ROUNDS_SOLVER, time_budget_s=settings.PANIER_ROUNDS_TIME_BUDGET_S)
    solution = solver.solve(problem, matrix)
    by_id = {o.pk: o for o in orders}
    warnings = [travel.warning] if getattr(travel, "warning", "") else []
    with transaction.atomic():
        RoundPlan.objects.filter(hub=hub, day=day).delete()
        plan = RoundPlan.objects.create(
            hub=hub,
            day=day,
            solver=solver.name,
            travel_source=travel.name[:40],
            compute_ms=round(solution.compute_s * 1000),
            warnings=warnings,
            unserved=[
                {"order_id": u.job_key, "number": by_id[u.job_key].number, "reason": u.reason}
                for u in solution.unserved
            ],
            created_at=now,
        )
        jobs = {j.key: j for j in problem.jobs}
        used = {r.vehicle_key for r in solution.routes}
        # An idle vehicle still gets an empty round, so stops can be moved to it.
        idle = [
            routing.PlannedRoute(spec.key, [], spec.shift[0], spec.shift[0], 0, 0, 0)
            for spec in problem.vehicles
            if spec.key not in used
        ]
        for route in [*solution.routes, *idle]:
            r = Round.objects.create(
                plan=plan,
                vehicle_id=route.vehicle_key,
                depart_at=_instant(route.depart_s, midnight),
                return_at=_instant(route.return_s, midnight),
                driving_s=route.driving_s,
                weight_g=route.weight_g,
                crates=route.crates,
            )
            Stop.objects.bulk_create(
                [
                    Stop(
                        round=r,
                        order_id=s.job_key,
                        position=n,
                        eta=_instant(s.start_s, midnight),
                        travel_s=s.travel_s,
                        is_late=s.start_s > jobs[s.job_key].window[1],
                    )
                    for n, s in enumerate(route.stops, start=1)
                ]
            )
    logger.info(
        "rounds.planned",
        extra={"hub": hub.slug, "day": day.isoformat(), "served": solution.served, "unserved": len(solution.unserved)},
    )
    return PlanResult(plan=plan, solution=solution)


def _expand(problem: Problem, located: list[Job], small: list[list[int]]) -> list[list[int]]:
    """Put a matrix of the located jobs back at every job's index (others get unreachable times)."""
    far = 10 * 86400
    position = {id(j): n + 1 for n, j in enumerate(located)}
    index = [0] + [position.get(id(j)) for j in problem.jobs]
    size = len(index)
    out = [[far] * size for _ in range(size)]
    for a in range(size):
        for b in range(size):
            if a == b:
                out[a][b] = 0
            elif index[a] is not None and index[b] is not None:
                out[a][b] = small[index[a]][index[b]]
    return out


# Editing a plan ----------------------------------------------------------------


def _retime(rnd: Round, *, sequence_ids: list[int] | None = None, travel=None, solver_name: str | None = None) -> None:
    """Time a round again (in the order given, or re-optimised when ``solver_name``)."""
    hub = rnd.plan.hub
    midnight = _midnight(rnd.plan.day, hub.timezone)
    stops = list(rnd.stops.select_related("order__slot").order_by("position", "pk"))
    if not stops:
        rnd.driving_s = rnd.weight_g = rnd.crates = 0
        rnd.depart_at = rnd.return_at = _instant(rnd.vehicle.shift_start.hour * 3600, midnight)
        rnd.save(update_fields=["driving_s", "weight_g", "crates", "depart_at", "return_at"])
        return
    orders = [s.order for s in stops]
    lines: dict[int, list[OrderLine]] = {}
    for line in OrderLine.objects.filter(order__in=orders):
        lines.setdefault(line.order_id, []).append(line)
    bags = dict(Packing.objects.filter(order__in=orders).values_list("order_id", "bags"))
    for o in orders:
        o.route_weight_g = order_weight_g(lines.get(o.pk, []))
        o.route_crates = bags.get(o.pk, 1)
    spec = _vehicle_spec(rnd.vehicle)
    problem = Problem(depot=_depot(hub), jobs=[_job(o, midnight) for o in orders], vehicles=[spec])
    travel = travel or travel_source_default()
    located = [j for j in problem.jobs if routing.valid_point(j.point)]
    matrix = _expand(problem, located, travel.durations([problem.depot] + [j.point for j in located]))
    order_index = {j.key: n for n, j in enumerate(problem.jobs)}
    if solver_name:
        solution = solver_get(solver_name).solve(problem, matrix)
        sequence = [order_index[s.job_key] for r in solution.routes for s in r.stops]
        # A stop the solver cannot fit stays in the round, at the end, flagged late.
        sequence += [order_index[u.job_key] for u in solution.unserved]
    else:
        ids = sequence_ids or [s.order_id for s in stops]
        sequence = [order_index[i] for i in ids]
    route = routing.route_from_sequence(problem, matrix, spec, sequence)
    by_order = {s.order_id: s for s in stops}
    for n, planned in enumerate(route.stops, start=1):
        stop = by_order[planned.job_key]
        stop.position = n
        stop.eta = _instant(planned.start_s, midnight)
        stop.travel_s = planned.travel_s
        job = problem.jobs[order_index[planned.job_key]]
        stop.is_late = planned.start_s > job.window[1] or route.weight_g > spec.capacity_g
    Stop.objects.bulk_update(stops, ["position", "eta", "travel_s", "is_late"])
    rnd.driving_s = route.driving_s
    rnd.weight_g = route.weight_g
    rnd.crates = route.crates
    rnd.depart_at = _instant(route.depart_s, midnight)
    rnd.return_at = _instant(route.return_s, midnight)
    rnd.save(update_fields=["driving_s", "weight_g", "crates", "depart_at", "return_at"])


def stop_move(*, hub: Hub, stop_id: int, round_id: int, travel=None) -> Stop:
    """Move a stop to the end of another round of the same plan; both rounds are timed again."""
    with transaction.atomic():
        stop = Stop.objects.select_related("round__plan").filter(pk=stop_id, round__plan__hub=hub).first()
        target = Round.objects.select_related("plan__hub", "vehicle").filter(pk=round_id, plan__hub=hub).first()
        if stop is None or target is None or target.plan_id != stop.round.plan_id:
            raise StopNotFound()
        if stop.round.started_at or target.started_at:
            raise RoundsAlreadyStarted()
        source = Round.objects.select_related("plan__hub", "vehicle").get(pk=stop.round_id)
        last = target.stops.order_by("-position").values_list("position", flat=True).first() or 0
        stop.round = target
        stop.position = last + 1
        stop.save(update_fields=["round", "position"])
        _retime(source, travel=travel)
        _retime(target, travel=travel)
    return stop


def round_reoptimise(*, hub: Hub, round_id: int, solver_name: str | None = None, travel=None) -> Round:
    with transaction.atomic():
        rnd = Round.objects.select_related("plan__hub", "vehicle").filter(pk=round_id, plan__hub=hub).first()
        if rnd is None:
            raise StopNotFound()
        if rnd.started_at:
            raise RoundsAlreadyStarted()
        _retime(rnd, travel=travel, solver_name=solver_name or settings.PANIER_ROUNDS_SOLVER)
    return rnd


# The driver ----------------------------------------------------------------------


def round_start(*, hub: Hub, round_id: int, actor=None, now: datetime | None = None) -> Round:
    """The driver leaves: every ready order of the round goes out for delivery (the customer is told)."""
    now = now or clock.now()
    with transaction.atomic():
        rnd = Round.objects.select_for_update().filter(pk=round_id, plan__hub=hub).first()
        if rnd is None:
            raise StopNotFound()
        if rnd.started_at is None:
            rnd.started_at = now
            rnd.save(update_fields=["started_at"])
        for stop in rnd.stops.select_related("order").filter(status=StopStatus.PLANNED):
            if stop.order.status == order_rules.READY:
                order_transition(order_id=stop.order_id, target=order_rules.OUT_FOR_DELIVERY, actor=actor, now=now)
    return rnd


def stop_mark(
    *, hub: Hub, stop_id: int, delivered: bool, reason: str = "", photo=None, actor=None, now: datetime | None = None
) -> Stop:
    """Mark a stop delivered, or failed with a reason (and a photo); the order and the customer follow."""
    now = now or clock.now()
    reason = reason.strip()[:200]
    if not delivered and not reason:
        raise ReasonRequired(field="reason")
    if photo is not None:
        # Decoded and re-encoded before the transaction: it takes a moment.
        photo = image_sanitise(photo)
    with transaction.atomic():
        stop = (
            Stop.objects.select_for_update(of=("self",))
            .select_related("round", "order")
            .filter(pk=stop_id, round__plan__hub=hub)
            .first()
        )
        if stop is None:
            raise StopNotFound()
        if stop.status != StopStatus.PLANNED:
            raise StopAlreadyDone()
        if stop.round.started_at is None or stop.order.status != order_rules.OUT_FOR_DELIVERY:
            raise RoundNotStarted()
        stop.status = StopStatus.DELIVERED if delivered else StopStatus.FAILED
        stop.failure_reason = "" if delivered else reason
        stop.done_at = now
        stop.done_by = actor
        if photo is not None:
            stop.photo = photo
        stop.save()
        target = order_rules.DELIVERED if delivered else order_rules.READY
        order = order_transition(order_id=stop.order_id, target=target, actor=actor, note=reason, now=now)
        email_send_on_commit(
            to=[order.email],
            template="rounds/email/delivered" if delivered else "rounds/email/failed",
            context={"order": order, "hub": hub, "reason": reason},
            language=order.language,
        )
    return stop


def driving_minutes(seconds: int) -> int:
    return math.ceil(seconds / 60)


# The evening before ----------------------------------------------------------------


def eta_window(*, eta: datetime, slot_start: datetime, slot_end: datetime, width_min: int = 60) -> tuple[datetime, datetime]:
    """A window of ``width_min`` around the ETA, on quarter hours, inside the booked slot."""
    half = timedelta(minutes=width_min // 2)
    start = eta - half
    start = start - timedelta(minutes=start.minute % 15, seconds=start.second, microseconds=start.microsecond)
    start = max(start, slot_start)
    end = min(start + timedelta(minutes=width_min), slot_end)
    start = max(slot_start, min(start, end - timedelta(minutes=width_min)))
    return start, end


def rounds_send_eta(*, hub: Hub, day: date, now: datetime | None = None) -> int:
    """E-mail each customer of the day's rounds their arrival window; each stop is told once.

    Safe to run again (e.g. from cron every evening): stops already told
    are skipped. Returns how many e-mails were queued.
    """
    now = now or clock.now()
    sent = 0
    with transaction.atomic():
        stops = list(
            Stop.objects.select_for_update(of=("self",))
            .filter(round__plan__hub=hub, round__plan__day=day, status=StopStatus.PLANNED, eta_sent_at__isnull=True)
            .select_related("order__slot")
            .order_by("pk")
        )
        for stop in stops:
            start, end = eta_window(eta=stop.eta, slot_start=stop.order.slot.starts_at, slot_end=stop.order.slot.ends_at)
            email_send_on_commit(
                to=[stop.order.email],
                template="rounds/email/eta",
                context={"order": stop.order, "hub": hub, "start": start, "end": end, "tz": hub.timezone},
                language=stop.order.language,
            )
            stop.eta_sent_at = now
            sent += 1
        Stop.objects.bulk_update(stops, ["eta_sent_at"])
    return sent
