"""Vehicle-routing solvers: VROOM (default), OR-Tools, and a nearest-neighbour baseline.

All three share ``routing.precheck`` (data that no vehicle can serve) and
``routing.route_from_sequence`` (timing of the chosen order), so their
answers are comparable and their driving time is measured the same way.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta

from panier.rounds import routing
from panier.rounds.routing import Problem, Solution, Unserved


def _finish(name: str, problem: Problem, durations, sequences: dict[int, list[int]], dropped: list[int], early, started):
    routes = [
        routing.route_from_sequence(problem, durations, problem.vehicles[v], seq)
        for v, seq in sorted(sequences.items())
        if seq
    ]
    unserved = list(early) + [Unserved(problem.jobs[i].key, routing.NO_ROOM_LEFT) for i in dropped]
    return Solution(solver=name, routes=routes, unserved=unserved, compute_s=time.perf_counter() - started)


class VroomSolver:
    """VROOM through pyvroom: fast metaheuristics written in C++."""

    name = "vroom"

    def __init__(self, *, exploration_level: int = 0, threads: int = 2, time_budget_s: float | None = 3.0):
        """``time_budget_s`` bounds the wall time of a solve (None: no bound).

        VROOM's search stops at the budget and returns the best plan found;
        on an idle 2-CPU server a 300-stop day needs about 2.5 CPU-seconds, so
        the budget only matters on a busy machine, where it trades a little
        driving time for an answer on time.
        """
        self.exploration_level = exploration_level
        self.threads = threads
        self.time_budget_s = time_budget_s

    def solve(self, problem: Problem, durations: Sequence[Sequence[int]]) -> Solution:
        import vroom  # heavy extension module: loaded only when planning

        started = time.perf_counter()
        candidates, early = routing.precheck(problem)
        candidates, late = routing.split_unreachable(problem, durations, candidates)
        early = early + late
        if not candidates:
            return _finish(self.name, problem, durations, {}, [], early, started)
        vi = vroom.Input()
        vi.set_durations_matrix(profile="car", matrix_input=[list(map(int, row)) for row in durations])
        vi.add_vehicle(
            [
                vroom.Vehicle(
                    n + 1,
                    start=0,
                    end=0,
                    capacity=[v.capacity_g, v.capacity_crates],
                    time_window=vroom.TimeWindow(v.shift[0], v.shift[1]),
                )
                for n, v in enumerate(problem.vehicles)
            ]
        )
        vi.add_job(
            [
                vroom.Job(
                    i + 1,
                    location=i + 1,
                    delivery=[problem.jobs[i].weight_g, problem.jobs[i].crates],
                    default_service=problem.jobs[i].service_s,
                    time_windows=[vroom.TimeWindow(*problem.jobs[i].window)],
                )
                for i in candidates
            ]
        )
        timeout = None
        if self.time_budget_s is not None:
            # What is left of the budget after building the input, never so
            # little that VROOM cannot finish its first construction.
            left = self.time_budget_s - (time.perf_counter() - started)
            timeout = timedelta(seconds=max(left, 0.5))
        result = vi.solve(exploration_level=self.exploration_level, nb_threads=self.threads, timeout=timeout)
        sequences: dict[int, list[int]] = {}
        served = set()
        for row in result.routes.itertuples():
            if row.type == "job":
                sequences.setdefault(int(row.vehicle_id) - 1, []).append(int(row.id) - 1)
                served.add(int(row.id) - 1)
        dropped = [i for i in candidates if i not in served]
        return _finish(self.name, problem, durations, sequences, dropped, early, started)


class OrToolsSolver:
    """Google OR-Tools routing: guided local search within a time limit."""

    name = "ortools"

    def __init__(self, *, time_limit_s: float = 3.0):
        self.time_limit_s = time_limit_s

    def solve(self, problem: Problem, durations: Sequence[Sequence[int]]) -> Solution:
        from ortools.constraint_solver import pywrapcp, routing_enums_pb2

        started = time.perf_counter()
        candidates, early = routing.precheck(problem)
        candidates, late = routing.split_unreachable(problem, durations, candidates)
        early = early + late
        if not candidates:
            return _finish(self.name, problem, durations, {}, [], early, started)
        nodes = [0] + [i + 1 for i in candidates]  # node -> matrix index
        jobs = [None] + [problem.jobs[i] for i in candidates]
        nv = len(problem.vehicles)
        manager = pywrapcp.RoutingIndexManager(len(nodes), nv, 0)
        model = pywrapcp.RoutingModel(manager)

        def travel(a, b):
            return durations[nodes[manager.IndexToNode(a)]][nodes[manager.IndexToNode(b)]]

        def transit(a, b):
            node = manager.IndexToNode(a)
            service = jobs[node].service_s if node else 0
            return travel(a, b) + service

        travel_cb = model.RegisterTransitCallback(travel)
        transit_cb = model.RegisterTransitCallback(transit)
        model.SetArcCostEvaluatorOfAllVehicles(travel_cb)
        horizon = max(v.shift[1] for v in problem.vehicles)
        model.AddDimension(transit_cb, horizon, horizon, False, "time")
        tdim = model.GetDimensionOrDie("time")
        for node in range(1, len(nodes)):
            tdim.CumulVar(manager.NodeToIndex(node)).SetRange(*jobs[node].window)
        for v, spec in enumerate(problem.vehicles):
            tdim.CumulVar(model.Start(v)).SetRange(*spec.shift)
            tdim.CumulVar(model.End(v)).SetRange(*spec.shift)
        for attr, cap in (("weight_g", "capacity_g"), ("crates", "capacity_crates")):
            cb = model.RegisterUnaryTransitCallback(
                lambda i, attr=attr: getattr(jobs[manager.IndexToNode(i)], attr) if manager.IndexToNode(i) else 0
            )
            model.AddDimensionWithVehicleCapacity(cb, 0, [getattr(v, cap) for v in problem.vehicles], True, attr)
        # Dropping a stop costs more than any detour, so stops are only left out when nothing fits.
        penalty = 100 * horizon
        for node in range(1, len(nodes)):
            model.AddDisjunction([manager.NodeToIndex(node)], penalty)
        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
        params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        # Guided local search runs until the limit: a small day needs far less than a big one.
        limit_ms = int(1000 * min(self.time_limit_s, max(0.2, len(candidates) / 100)))
        params.time_limit.FromMilliseconds(limit_ms)
        assignment = model.SolveWithParameters(params)
        sequences: dict[int, list[int]] = {}
        served: set[int] = set()
        if assignment is not None:
            for v in range(nv):
                index = model.Start(v)
                seq = []
                while not model.IsEnd(index):
                    node = manager.IndexToNode(index)
                    if node:
                        seq.append(candidates[node - 1])
                    index = assignment.Value(model.NextVar(index))
                sequences[v] = seq
                served.update(seq)
        dropped = [i for i in candidates if i not in served]
        return _finish(self.name, problem, durations, sequences, dropped, early, started)


class NearestNeighbourSolver:
    """The baseline: each vehicle in turn goes to the closest stop it can still serve in time."""

    name = "nearest"

    def solve(self, problem: Problem, durations: Sequence[Sequence[int]]) -> Solution:
        started = time.perf_counter()
        candidates, early = routing.precheck(problem)
        candidates, late = routing.split_unreachable(problem, durations, candidates)
        early = early + late
        left = set(candidates)
        sequences: dict[int, list[int]] = {}
        for v, spec in enumerate(problem.vehicles):
            clock, here, load_g, load_c, seq = spec.shift[0], 0, 0, 0, []
            while True:
                best = None
                for i in left:
                    job = problem.jobs[i]
                    if load_g + job.weight_g > spec.capacity_g or load_c + job.crates > spec.capacity_crates:
                        continue
                    arrival = clock + durations[here][i + 1]
                    start = max(arrival, job.window[0])
                    if start > job.window[1] or start + job.service_s + durations[i + 1][0] > spec.shift[1]:
                        continue
                    # Nearest in time, waiting included: the classic greedy rule with windows.
                    key = (start - clock, i)
                    if best is None or key < best[0]:
                        best = (key, i, start)
                if best is None:
                    break
                _, i, start = best
                job = problem.jobs[i]
                seq.append(i)
                left.discard(i)
                load_g += job.weight_g
                load_c += job.crates
                clock = start + job.service_s
                here = i + 1
            sequences[v] = seq
        return _finish(self.name, problem, durations, sequences, sorted(left), early, started)


SOLVERS = {"vroom": VroomSolver, "ortools": OrToolsSolver, "nearest": NearestNeighbourSolver}


def solver_get(name: str, *, time_budget_s: float | None = None):
    """Return a solver by name; ``time_budget_s`` bounds VROOM's search (None: its default)."""
    try:
        solver_class = SOLVERS[name]
    except KeyError:
        raise ValueError(f"unknown solver {name!r}; choose among {', '.join(SOLVERS)}") from None
    if solver_class is VroomSolver and time_budget_s is not None:
        return VroomSolver(time_budget_s=time_budget_s)
    return solver_class()
