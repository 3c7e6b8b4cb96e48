import math
import random

import pytest

from panier.rounds import routing
from panier.rounds.adapters.solvers import NearestNeighbourSolver, OrToolsSolver, VroomSolver
from panier.rounds.routing import Job, Point, Problem, VehicleSpec

NICE = Point(43.7102, 7.2620)
H = 3600


def matrix_for(problem):
    return routing.straight_line_durations([problem.depot] + [j.point for j in problem.jobs], speed_kmh=30)


def city_problem(n=40, vehicles=3, seed=3):
    rng = random.Random(seed)
    jobs = [
        Job(
            key=i,
            point=Point(NICE.lat + rng.uniform(-0.04, 0.04), NICE.lon + rng.uniform(-0.05, 0.05)),
            window=rng.choice([(8 * H, 10 * H), (10 * H, 12 * H), (14 * H, 16 * H)]),
            weight_g=rng.randint(1000, 12000),
            crates=rng.randint(1, 3),
        )
        for i in range(n)
    ]
    fleet = [VehicleSpec(key=v, capacity_g=200_000, capacity_crates=40, shift=(7 * H, 18 * H)) for v in range(vehicles)]
    return Problem(depot=NICE, jobs=jobs, vehicles=fleet)


SOLVERS = [VroomSolver(exploration_level=1, threads=1), OrToolsSolver(time_limit_s=1), NearestNeighbourSolver()]


@pytest.mark.parametrize("solver", SOLVERS, ids=lambda s: s.name)
def test_solvers_honour_capacity_windows_and_shifts(solver):
    """Given 40 stops and 3 vehicles, every route respects capacity, windows and shift, and each stop is served or reported."""
    problem = city_problem()
    solution = solver.solve(problem, matrix_for(problem))
    specs = {v.key: v for v in problem.vehicles}
    for route in solution.routes:
        assert routing.route_violations(problem, specs[route.vehicle_key], route) == []
    keys = [s.job_key for r in solution.routes for s in r.stops] + [u.job_key for u in solution.unserved]
    assert sorted(keys) == list(range(40))
    assert solution.driving_s == sum(r.driving_s for r in solution.routes)


@pytest.mark.parametrize("solver", SOLVERS, ids=lambda s: s.name)
def test_full_vehicle_leaves_stops_out_with_reason(solver):
    """Given one van holding 2 bags and 3 one-bag orders, one order is reported with 'no room left'."""
    jobs = [Job(key=k, point=Point(NICE.lat + 0.01 * k, NICE.lon), window=(8 * H, 12 * H)) for k in (1, 2, 3)]
    problem = Problem(NICE, jobs, [VehicleSpec("van", capacity_g=100_000, capacity_crates=2, shift=(7 * H, 13 * H))])
    solution = solver.solve(problem, matrix_for(problem))
    assert solution.served == 2
    assert [u.reason for u in solution.unserved] == [routing.NO_ROOM_LEFT]
    assert solution.routes[0].crates == 2


def test_precheck_reasons():
    """Stops no vehicle can ever serve are reported with a precise reason before solving."""
    far = Point(48.8566, 2.3522)  # Paris: 6 hours from Nice at 30 km/h
    jobs = [
        Job("ok", Point(43.70, 7.25), (8 * H, 10 * H)),
        Job("nocoord", None, (8 * H, 10 * H)),
        Job("badcoord", Point(95.0, 7.2), (8 * H, 10 * H)),
        Job("zero", Point(0.0, 0.0), (8 * H, 10 * H)),
        Job("heavy", Point(43.70, 7.25), (8 * H, 10 * H), weight_g=900_000),
        Job("bulky", Point(43.70, 7.25), (8 * H, 10 * H), crates=99),
        Job("night", Point(43.70, 7.25), (22 * H, 23 * H)),
        Job("far", far, (8 * H, 10 * H)),
    ]
    problem = Problem(NICE, jobs, [VehicleSpec("van", capacity_g=500_000, capacity_crates=60, shift=(7 * H, 20 * H))])
    points = [NICE] + [j.point if routing.valid_point(j.point) else NICE for j in jobs]
    solution = NearestNeighbourSolver().solve(problem, routing.straight_line_durations(points, speed_kmh=30))
    assert {u.job_key: u.reason for u in solution.unserved} == {
        "nocoord": routing.NO_COORDINATES,
        "badcoord": routing.BAD_COORDINATES,
        "zero": routing.BAD_COORDINATES,
        "heavy": routing.TOO_HEAVY,
        "bulky": routing.TOO_BULKY,
        "night": routing.WINDOW_OUTSIDE_SHIFTS,
        "far": routing.UNREACHABLE_IN_WINDOW,
    }
    assert [s.job_key for r in solution.routes for s in r.stops] == ["ok"]


def test_no_vehicle_reports_every_stop():
    """Without a vehicle every stop is reported 'no vehicle'."""
    problem = Problem(NICE, [Job(1, NICE, (0, H))], [])
    assert [u.reason for u in VroomSolver().solve(problem, [[0, 0], [0, 0]]).unserved] == [routing.NO_VEHICLE]


def test_straight_line_times():
    """Nice to Antibes is about 18 km as the crow flies; at 30 km/h with a 1.3 detour, about 48 minutes."""
    antibes = Point(43.5804, 7.1251)
    metres = routing.haversine_m(NICE, antibes)
    assert 18_000 < metres < 18_300
    m = routing.straight_line_durations([NICE, antibes], speed_kmh=30, detour=1.3)
    assert m[0][1] == m[1][0]
    assert m[0][1] == math.ceil(metres * 1.3 * 3.6 / 30)
    assert 47 * 60 < m[0][1] < 48 * 60
    with pytest.raises(ValueError, match="speed"):
        routing.straight_line_durations([NICE], speed_kmh=0)


def test_route_waits_for_window_and_departs_late():
    """A first stop whose window opens at 10:00 makes the van leave just in time, not at the shift start."""
    problem = Problem(NICE, [Job(1, Point(43.72, 7.26), (10 * H, 12 * H), service_s=300)],
                      [VehicleSpec("van", 100_000, 10, (7 * H, 20 * H))])
    m = matrix_for(problem)
    route = routing.route_from_sequence(problem, m, problem.vehicles[0], [0])
    assert route.depart_s == 10 * H - m[0][1]
    assert route.stops[0].start_s == 10 * H
    assert route.return_s == 10 * H + 300 + m[1][0]
    assert route.driving_s == m[0][1] + m[1][0]


def test_vroom_under_a_short_budget_still_returns_valid_complete_rounds():
    """Stopped by its time budget, VROOM answers in time with valid routes that serve every stop it can."""
    import time

    from panier.rounds.adapters.solvers import solver_get

    problem = city_problem(n=120, vehicles=4, seed=5)
    matrix = matrix_for(problem)
    solver = solver_get("vroom", time_budget_s=0.5)

    started = time.perf_counter()
    solution = solver.solve(problem, matrix)
    elapsed = time.perf_counter() - started

    assert solver.time_budget_s == 0.5
    assert elapsed < 30  # a bound that a stuck or unbounded search on a loaded machine would not meet reliably
    specs = {v.key: v for v in problem.vehicles}
    for route in solution.routes:
        assert routing.route_violations(problem, specs[route.vehicle_key], route) == []
    keys = [s.job_key for r in solution.routes for s in r.stops] + [u.job_key for u in solution.unserved]
    assert sorted(keys) == list(range(120))
    assert solution.served > 0
