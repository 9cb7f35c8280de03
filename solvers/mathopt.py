"""OR-Tools MathOpt backend: MILPs with SCIP (default) or HiGHS; native termination mapped in one place."""

from __future__ import annotations

import datetime
import time
from typing import Any, ClassVar

from problems.errors import InvalidOptions, SolverFailed
from solvers.base import Backend, Limits, SolveResult, Status, importable

# CP-SAT is left out: it rounds continuous variables to a scaled integer grid, so its INFEASIBLE is unsound here.
SOLVERS = ("gscip", "highs")


class MathOptBackend(Backend):
    """A MathOpt `Model`; `assignment` holds the value of every model variable (floats), in creation order.
    Its `infeasible` rests on the solver's floating-point tolerances: never a checked certificate."""

    name: ClassVar[str] = "mathopt"
    accepts: ClassVar[frozenset[str]] = frozenset({"mathopt"})
    default_solver: ClassVar[str] = "gscip"

    @classmethod
    def check_solver(cls, solver: str) -> str:
        if solver not in SOLVERS:
            raise InvalidOptions(f"mathopt solver must be one of {SOLVERS}, not {solver!r}", "options.solver")
        return solver

    @staticmethod
    def available() -> bool:
        return importable("ortools.math_opt.python.mathopt")

    def solve(self, target: Any, limits: Limits) -> SolveResult:
        from ortools.math_opt.python import mathopt

        self.check_target(target)
        solver_type = {
            "gscip": mathopt.SolverType.GSCIP,
            "highs": mathopt.SolverType.HIGHS,
        }[self.solver]
        params = mathopt.SolveParameters(
            time_limit=datetime.timedelta(seconds=max(limits.seconds, 0.01)),
            threads=None if self.solver == "highs" else limits.num_workers,  # HiGHS takes threads only globally
            random_seed=limits.seed,
        )
        start = time.perf_counter()
        try:
            native = mathopt.solve(target, solver_type, params=params)
        except Exception as exc:  # MathOpt raises its solver's refusals (e.g. a bound it takes for infinite)
            raise SolverFailed(f"the MILP solver {self.solver} failed: {_reason(exc)}") from exc
        result = SolveResult(_status(native, target), wall_s=time.perf_counter() - start)
        result.stats = {"solver": self.solver, "termination": native.termination.reason.name}
        if result.status in (Status.SATISFIABLE, Status.OPTIMAL):
            values = native.variable_values()
            result.assignment = [values[v] for v in target.variables()]  # type: ignore[misc]
        if result.status is Status.OPTIMAL:
            result.objective = native.objective_value()
            result.bound = native.termination.objective_bounds.dual_bound
        return result


def _status(native: Any, target: Any) -> Status:
    from ortools.math_opt.python import mathopt

    reason = native.termination.reason
    if reason in (mathopt.TerminationReason.OPTIMAL, mathopt.TerminationReason.FEASIBLE):
        has_objective = bool(list(target.objective.linear_terms())) or bool(list(target.objective.quadratic_terms()))
        if reason is mathopt.TerminationReason.OPTIMAL and has_objective:
            return Status.OPTIMAL
        return Status.SATISFIABLE
    if reason is mathopt.TerminationReason.INFEASIBLE:
        return Status.UNSATISFIABLE
    if reason in (
        mathopt.TerminationReason.NO_SOLUTION_FOUND,
        mathopt.TerminationReason.IMPRECISE,
        mathopt.TerminationReason.INFEASIBLE_OR_UNBOUNDED,
    ):
        return Status.UNKNOWN
    raise RuntimeError(f"MathOpt returned {reason.name}: our model bug")


def _reason(exc: Exception) -> str:
    """A one-line reason; OR-Tools 9.15 turns a solver's `StatusNotOk` into an AttributeError about its own
    `canonical_code`, so the solver's message is in the exception's context."""
    cause = exc.__context__ if isinstance(exc, AttributeError) and exc.__context__ is not None else exc
    return " ".join(str(cause).split())[:300] or type(cause).__name__
