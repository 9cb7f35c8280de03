"""PySAT backend: any of its SAT solvers on a CNF (with DRUP proof logging), RC2 on a weighted CNF."""

from __future__ import annotations

import time
from typing import Any, ClassVar

from problems.errors import InvalidOptions
from solvers.base import Limits, SolveResult, Status, target_kind
from solvers.child import ChildTimeout, run_in_child

DEFAULT_SOLVER = "cadical195"
PROOF_SOLVERS = frozenset(
    {
        "cadical103",
        "cadical153",
        "cadical195",
        "glucose3",
        "glucose4",
        "glucose42",
        "lingeling",
        "maplechrono",
        "maplecm",
        "maplesat",
        "minisatgh",
    }
)


def solver_names() -> list[str]:
    from pysat.solvers import SolverNames

    return sorted(name for name in vars(SolverNames) if not name.startswith("_"))


class PysatBackend:
    """SAT via PySAT in a child process killed at the deadline; MaxSAT ("minimize") via RC2."""

    name: ClassVar[str] = "pysat"
    accepts: ClassVar[frozenset[str]] = frozenset({"cnf", "wcnf"})
    proofs: ClassVar[bool] = True

    def __init__(self, solver: str = DEFAULT_SOLVER) -> None:
        if solver not in solver_names():
            raise InvalidOptions(f"unknown pysat solver {solver!r}; choose one of {solver_names()}", "options.solver")
        self.solver = solver

    @staticmethod
    def available() -> bool:
        try:
            import pysat.solvers  # noqa: F401
        except ImportError:
            return False
        return True

    def solve(self, target: Any, limits: Limits) -> SolveResult:
        kind = target_kind(target)
        if kind not in self.accepts:
            raise InvalidOptions(f"pysat cannot solve a {kind} target", "options.backend")
        if limits.proof and kind == "cnf" and self.solver not in PROOF_SOLVERS:
            raise InvalidOptions(f"pysat solver {self.solver!r} cannot log DRUP proofs", "options.solver")
        start = time.perf_counter()
        func = _solve_cnf if kind == "cnf" else _solve_wcnf
        try:
            result: SolveResult = run_in_child(func, (self.solver, target, limits.proof), limits.seconds)
        except ChildTimeout:
            result = SolveResult(Status.UNKNOWN, stats={"reason": "time limit"})
        result.wall_s = time.perf_counter() - start
        result.stats.setdefault("solver", self.solver)
        return result


def _solve_cnf(solver_name: str, cnf: Any, proof: bool) -> SolveResult:
    from pysat.solvers import Solver

    with Solver(name=solver_name, bootstrap_with=cnf.clauses, with_proof=proof) as solver:
        satisfiable = solver.solve()
        stats = {key: int(value) for key, value in solver.accum_stats().items()}
        if satisfiable:
            return SolveResult(Status.SATISFIABLE, assignment=solver.get_model(), stats=stats)
        return SolveResult(Status.UNSATISFIABLE, proof=solver.get_proof() if proof else None, stats=stats)


def _solve_wcnf(solver_name: str, wcnf: Any, proof: bool) -> SolveResult:
    from pysat.examples.rc2 import RC2

    # RC2 needs an incremental solver with assumptions; CaDiCaL 1.9.5 and Glucose both qualify.
    with RC2(wcnf, solver=solver_name) as rc2:
        model = rc2.compute()
        if model is None:
            return SolveResult(Status.UNSATISFIABLE)
        return SolveResult(Status.OPTIMAL, assignment=model, objective=rc2.cost, bound=rc2.cost)
