"""The vehicle-routing problem as plain data, and the checks every solver shares.

Pure: no Django, no I/O. Times are whole seconds counted from midnight of
the delivery day in the hub's time zone; loads are integers (grams and
crates). A solver receives a :class:`Problem` whose jobs have already passed
:func:`precheck`, plus a duration matrix (index 0 is the depot, index
``i + 1`` is job ``i``), and returns a :class:`Solution`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from panier.delivery.rules import Point  # a place on the map, shared with the geocoders

# Why a stop was left out of every round. Stable codes: the interfaces
# translate them.
NO_COORDINATES = "no_coordinates"
BAD_COORDINATES = "bad_coordinates"
TOO_HEAVY = "too_heavy"
TOO_BULKY = "too_bulky"
WINDOW_OUTSIDE_SHIFTS = "window_outside_shifts"
UNREACHABLE_IN_WINDOW = "unreachable_in_window"
NO_ROOM_LEFT = "no_room_left"
NO_VEHICLE = "no_vehicle"

EARTH_RADIUS_M = 6_371_000


@dataclass(frozen=True)
class Job:
    key: Hashable
    point: Point | None
    window: tuple[int, int]
    weight_g: int = 0
    crates: int = 1
    service_s: int = 180


@dataclass(frozen=True)
class VehicleSpec:
    key: Hashable
    capacity_g: int
    capacity_crates: int
    shift: tuple[int, int]


@dataclass
class Problem:
    depot: Point
    jobs: list[Job]
    vehicles: list[VehicleSpec]


@dataclass(frozen=True)
class PlannedStop:
    job_key: Hashable
    arrival_s: int
    start_s: int
    travel_s: int


@dataclass
class PlannedRoute:
    vehicle_key: Hashable
    stops: list[PlannedStop]
    depart_s: int
    return_s: int
    driving_s: int
    weight_g: int
    crates: int


@dataclass(frozen=True)
class Unserved:
    job_key: Hashable
    reason: str


@dataclass
class Solution:
    solver: str
    routes: list[PlannedRoute]
    unserved: list[Unserved] = field(default_factory=list)
    compute_s: float = 0.0

    @property
    def driving_s(self) -> int:
        return sum(r.driving_s for r in self.routes)

    @property
    def served(self) -> int:
        return sum(len(r.stops) for r in self.routes)


class Solver(Protocol):
    """Assigns and orders the jobs; leaves out those it cannot fit."""

    name: str

    def solve(self, problem: Problem, durations: Sequence[Sequence[int]]) -> Solution: ...


class TravelTimeSource(Protocol):
    """Gives driving times in seconds between points (a full square matrix)."""

    name: str

    def durations(self, points: Sequence[Point]) -> list[list[int]]: ...


def valid_point(point: Point | None) -> bool:
    if point is None:
        return False
    lat, lon = point.lat, point.lon
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return False
    # (0, 0) is in the Gulf of Guinea: always a missing value, never an address.
    return -90 <= lat <= 90 and -180 <= lon <= 180 and not (lat == 0 and lon == 0)


def haversine_m(a: Point, b: Point) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def straight_line_durations(points: Sequence[Point], *, speed_kmh: float, detour: float = 1.3) -> list[list[int]]:
    """Seconds to drive between points: great-circle distance × detour ÷ speed, rounded up."""
    if speed_kmh <= 0:
        raise ValueError("the speed must be positive")
    per_m = 3.6 / speed_kmh * detour
    n = len(points)
    out = [[0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            s = math.ceil(haversine_m(points[i], points[j]) * per_m)
            out[i][j] = out[j][i] = s
    return out


def precheck(problem: Problem) -> tuple[list[int], list[Unserved]]:
    """Split jobs into those a solver may try (their indexes) and those no vehicle can ever serve.

    Reasons that depend only on the data (coordinates, sizes, windows
    against shifts) are given here, so a solver's leftovers mean "no room".
    """
    ok: list[int] = []
    out: list[Unserved] = []
    if not problem.vehicles:
        return [], [Unserved(j.key, NO_VEHICLE) for j in problem.jobs]
    max_g = max(v.capacity_g for v in problem.vehicles)
    max_crates = max(v.capacity_crates for v in problem.vehicles)
    for index, job in enumerate(problem.jobs):
        if job.point is None:
            out.append(Unserved(job.key, NO_COORDINATES))
        elif not valid_point(job.point):
            out.append(Unserved(job.key, BAD_COORDINATES))
        elif job.weight_g > max_g:
            out.append(Unserved(job.key, TOO_HEAVY))
        elif job.crates > max_crates:
            out.append(Unserved(job.key, TOO_BULKY))
        elif not any(job.window[0] <= v.shift[1] and job.window[1] >= v.shift[0] for v in problem.vehicles):
            out.append(Unserved(job.key, WINDOW_OUTSIDE_SHIFTS))
        else:
            ok.append(index)
    return ok, out


def reachable(problem: Problem, durations: Sequence[Sequence[int]], index: int) -> bool:
    """Tell whether some vehicle can leave the depot, serve job ``index`` in its window and get back."""
    job = problem.jobs[index]
    there = durations[0][index + 1]
    back = durations[index + 1][0]
    for v in problem.vehicles:
        start = max(v.shift[0] + there, job.window[0])
        if start <= job.window[1] and start + job.service_s + back <= v.shift[1]:
            return True
    return False


def split_unreachable(
    problem: Problem, durations: Sequence[Sequence[int]], indexes: Sequence[int]
) -> tuple[list[int], list[Unserved]]:
    ok, out = [], []
    for i in indexes:
        if reachable(problem, durations, i):
            ok.append(i)
        else:
            out.append(Unserved(problem.jobs[i].key, UNREACHABLE_IN_WINDOW))
    return ok, out


def route_from_sequence(
    problem: Problem, durations: Sequence[Sequence[int]], vehicle: VehicleSpec, sequence: Sequence[int]
) -> PlannedRoute:
    """Time a vehicle's ordered job indexes: earliest start, waiting when early.

    The vehicle leaves the depot as late as it can while keeping the first
    start time, so waiting at the first door is not counted as driving.
    """
    stops: list[PlannedStop] = []
    driving = 0
    prev = 0
    clock = vehicle.shift[0]
    if sequence:
        first = problem.jobs[sequence[0]]
        clock = max(vehicle.shift[0], first.window[0] - durations[0][sequence[0] + 1])
    depart = clock
    for i in sequence:
        job = problem.jobs[i]
        travel = durations[prev][i + 1]
        arrival = clock + travel
        start = max(arrival, job.window[0])
        stops.append(PlannedStop(job.key, arrival, start, travel))
        driving += travel
        clock = start + job.service_s
        prev = i + 1
    back = durations[prev][0] if sequence else 0
    driving += back
    return PlannedRoute(
        vehicle_key=vehicle.key,
        stops=stops,
        depart_s=depart,
        return_s=clock + back,
        driving_s=driving,
        weight_g=sum(problem.jobs[i].weight_g for i in sequence),
        crates=sum(problem.jobs[i].crates for i in sequence),
    )


def route_violations(problem: Problem, vehicle: VehicleSpec, route: PlannedRoute) -> list[str]:
    """List what a route breaks (empty when it honours capacity, windows and shift)."""
    jobs = {j.key: j for j in problem.jobs}
    problems = []
    if route.weight_g > vehicle.capacity_g:
        problems.append("weight")
    if route.crates > vehicle.capacity_crates:
        problems.append("crates")
    if route.depart_s < vehicle.shift[0] or route.return_s > vehicle.shift[1]:
        problems.append("shift")
    for stop in route.stops:
        job = jobs[stop.job_key]
        if not (job.window[0] <= stop.start_s <= job.window[1]):
            problems.append(f"window:{stop.job_key}")
    return problems
