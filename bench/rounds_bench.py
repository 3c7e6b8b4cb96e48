"""Round planning benchmark: 300 stops, 6 vehicles, 2-hour windows.

Prints planning time and total driving time of each solver on the same
seeded data, next to the nearest-neighbour baseline. Travel times are the
default straight-line source (30 km/h, detour factor 1.3).

    PYTHONPATH=src .venv/bin/python bench/rounds_bench.py [--solvers vroom,ortools,nearest] [--seed 7] [--budget 3]
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time

from panier.rounds import routing
from panier.rounds.adapters.solvers import VroomSolver, solver_get
from panier.rounds.routing import Job, Point, Problem, VehicleSpec

HUB = Point(43.7102, 7.2620)  # Nice
WINDOWS = [(8, 10), (10, 12), (12, 14), (14, 16), (16, 18), (18, 20)]


def problem(*, stops: int = 300, vehicles: int = 6, seed: int = 7) -> Problem:
    rng = random.Random(seed)
    jobs = []
    for n in range(stops):
        # Within about 12 km of the hub, denser near the centre, as a city's customers are.
        r = rng.random() ** 0.7 * 0.11
        angle = rng.random() * 6.283
        point = Point(HUB.lat + r * 0.72 * math.sin(angle), HUB.lon + r * math.cos(angle))
        start, end = rng.choice(WINDOWS)
        jobs.append(
            Job(
                key=n,
                point=point,
                window=(start * 3600, end * 3600),
                weight_g=rng.randint(2_000, 15_000),
                crates=rng.randint(1, 3),
                service_s=180,
            )
        )
    fleet = [VehicleSpec(key=f"van{v + 1}", capacity_g=600_000, capacity_crates=110, shift=(7 * 3600, 21 * 3600)) for v in range(vehicles)]
    return Problem(depot=HUB, jobs=jobs, vehicles=fleet)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--solvers", default="vroom,ortools,nearest")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--stops", type=int, default=300)
    parser.add_argument("--vehicles", type=int, default=6)
    parser.add_argument(
        "--budget", type=float, default=3.0,
        help="VROOM wall-time budget in seconds, as PANIER_ROUNDS_TIME_BUDGET_S (0: unbounded)",
    )
    args = parser.parse_args(argv)
    p = problem(stops=args.stops, vehicles=args.vehicles, seed=args.seed)
    t0 = time.perf_counter()
    matrix = routing.straight_line_durations([p.depot] + [j.point for j in p.jobs], speed_kmh=30)
    matrix_s = time.perf_counter() - t0
    budget = args.budget or None
    print(f"{args.stops} stops, {args.vehicles} vehicles, 2-h windows, seed {args.seed}; matrix {matrix_s:.2f} s; "
          f"VROOM budget {f'{budget:.1f} s' if budget else 'none'}")
    print(f"{'solver':<10} {'plan (s)':>9} {'cpu (s)':>8} {'driving (h:mm)':>15} {'served':>7} {'unserved':>9} {'rounds':>7} {'violations':>11}")
    baseline = None
    results = []
    for name in args.solvers.split(","):
        solver = solver_get(name, time_budget_s=budget) if budget or name != "vroom" else VroomSolver(time_budget_s=None)
        t0, c0 = time.perf_counter(), time.process_time()
        sol = solver.solve(p, matrix)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        specs = {v.key: v for v in p.vehicles}
        bad = sum(len(routing.route_violations(p, specs[r.vehicle_key], r)) for r in sol.routes)
        h, m = divmod(round(sol.driving_s / 60), 60)
        print(f"{name:<10} {elapsed:>9.2f} {cpu:>8.2f} {f'{h}:{m:02d}':>15} {sol.served:>7} {len(sol.unserved):>9} {len(sol.routes):>7} {bad:>11}")
        results.append((name, sol))
        if name == "nearest":
            baseline = sol
    if baseline is not None:
        for name, sol in results:
            if name != "nearest" and baseline.driving_s:
                gain = 100 * (baseline.driving_s - sol.driving_s) / baseline.driving_s
                print(f"{name}: {gain:.1f} % less driving than nearest-neighbour, {sol.served - baseline.served:+d} stops served")
    return 0


if __name__ == "__main__":
    sys.exit(main())
