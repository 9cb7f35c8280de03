"""OR-Tools CP-SAT backend: worker count, time limit and seed; native status mapped in one place."""

from __future__ import annotations

import time
from typing import Any, ClassVar

from solvers.base import Limits, SolveResult, Status, importable, only_solver, target_kind, wrong_target


class CpSatBackend:
    """CP-SAT on a `CpModel`; interruptible in-process by its own time limit."""

    name: ClassVar[str] = "cpsat"
    accepts: ClassVar[frozenset[str]] = frozenset({"cpsat"})
    proofs: ClassVar[bool] = False

    def __init__(self, solver: str = "cpsat") -> None:
        self.solver = only_solver("cpsat", solver, "cpsat")

    @staticmethod
    def available() -> bool:
        return importable("ortools.sat.python.cp_model")

    def solve(self, target: Any, limits: Limits) -> SolveResult:
        from ortools.sat.python import cp_model

        if target_kind(target) not in self.accepts:
            raise wrong_target("cpsat", target_kind(target))
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(limits.seconds, 0.001)
        solver.parameters.num_workers = limits.num_workers
        solver.parameters.random_seed = limits.seed
        start = time.perf_counter()
        native = solver.solve(target)
        wall = time.perf_counter() - start
        status = _status(native, has_objective=target.has_objective())
        stats = {
            "solver": "cpsat",
            "conflicts": int(solver.num_conflicts),
            "branches": int(solver.num_branches),
            "native_status": solver.status_name(native),
        }
        result = SolveResult(status, wall_s=wall, stats=stats)
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
