"""OR-Tools CP-SAT backend: worker count, time limit and seed; native status mapped in one place."""

from __future__ import annotations

import time
from typing import Any, ClassVar

from problems.errors import SolverFailed
from solvers.base import Backend, Limits, SolveResult, Status, importable
from solvers.child import ChildCrashed, ChildTimeout, run_in_child

# CP-SAT stops itself at its time limit, but only once it checks the clock: loading and presolving a large model
# overran a 2 s limit by up to 17 s (96k element constraints, bench/deadline.py). Models this large or larger run
# in a child killed just after the limit; smaller ones run here, where a fork would cost more than the overrun.
IN_PROCESS_MAX_CONSTRAINTS = 20_000
KILL_MARGIN_S = 0.5  # CP-SAT's own stop at the limit comes first and keeps its best solution; the kill is a backstop


class CpSatBackend(Backend):
    """CP-SAT on a `CpModel`: in this process for small models, in a child killed at the deadline for large ones."""

    name: ClassVar[str] = "cpsat"
    accepts: ClassVar[frozenset[str]] = frozenset({"cpsat"})
    default_solver: ClassVar[str] = "cpsat"

    @staticmethod
    def available() -> bool:
        return importable("ortools.sat.python.cp_model")

    def solve(self, target: Any, limits: Limits) -> SolveResult:
        self.check_target(target)
        start = time.perf_counter()
        if len(target.proto.constraints) < IN_PROCESS_MAX_CONSTRAINTS:
            result = _solve_model(target, limits)
        else:
            try:
                result = run_in_child(_solve_model, (target, limits), limits.seconds + KILL_MARGIN_S)
            except ChildTimeout:
                result = SolveResult(Status.UNKNOWN, stats={"solver": "cpsat", "reason": "killed at the time limit"})
            except ChildCrashed as exc:
                raise SolverFailed(f"CP-SAT failed: {exc}") from exc
            result.stats["in_process"] = False
        result.wall_s = time.perf_counter() - start
        return result


def _solve_model(target: Any, limits: Limits) -> SolveResult:
    """One CP-SAT run on the model with the limits; the native status is translated by `_status`."""
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(limits.seconds, 0.001)
    solver.parameters.num_workers = limits.num_workers
    solver.parameters.random_seed = limits.seed
    native = solver.solve(target)
    status = _status(native, has_objective=target.has_objective())
    stats = {
        "solver": "cpsat",
        "conflicts": int(solver.num_conflicts),
        "branches": int(solver.num_branches),
        "native_status": solver.status_name(native),
    }
    result = SolveResult(status, stats=stats)
    if status in (Status.SATISFIABLE, Status.OPTIMAL):
        result.assignment = list(solver.response_proto.solution)
        if target.has_objective():
            result.objective = solver.objective_value
            result.bound = solver.best_objective_bound
    return result


def _status(native: Any, has_objective: bool) -> Status:
    """CP-SAT's status → ours. OPTIMAL without an objective only means "a solution was found"."""
    from ortools.sat.python import cp_model

    if native == cp_model.OPTIMAL:
        return Status.OPTIMAL if has_objective else Status.SATISFIABLE
    if native == cp_model.FEASIBLE:
        return Status.SATISFIABLE
    if native == cp_model.INFEASIBLE:
        return Status.UNSATISFIABLE
    if native == cp_model.UNKNOWN:
        return Status.UNKNOWN
    raise RuntimeError(f"CP-SAT returned {native} (model invalid?): our encoding bug")
