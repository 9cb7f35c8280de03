"""PySAT backend: any of its SAT solvers on a CNF (with DRUP proof logging), RC2 on a weighted CNF."""

from __future__ import annotations

import math
import time
from functools import cache
from typing import Any, ClassVar

from problems.errors import InvalidOptions, SolverFailed
from solvers.base import Limits, SolveResult, Status, importable, target_kind, wrong_target
from solvers.child import ChildCrashed, ChildTimeout, run_in_child
from solvers.proofs import binary_drup_lines

DEFAULT_SOLVER = "cadical195"
# Solvers whose DRUP proofs `drup` accepted on pigeonhole formulas in this PySAT build. MapleSAT is left out:
# it logs proofs, but drup rejected them (PHP(4)), so it cannot certify anything.
PROOF_SOLVERS = frozenset(
    {
        "cadical103", "cadical153", "cadical195", "cadical300", "ergo", "glucose3", "glucose4", "glucose42",
        "gluecard3", "gluecard4", "lingeling", "maplechrono", "maplecm",
    }
)  # fmt: skip


@cache
def solver_names() -> list[str]:
    """PySAT solvers that this build can instantiate (some, e.g. CryptoMiniSat, need optional extras)."""
    from pysat.solvers import NoSuchSolverError, Solver, SolverNames

    usable = []
    for name in sorted(n for n in vars(SolverNames) if not n.startswith("_")):
        try:
            Solver(name=name).delete()
        except NoSuchSolverError:
            continue
        usable.append(name)
    return usable


def validated_solver(solver: str) -> str:
    """The solver name, if this PySAT build can run it (InvalidOptions naming `options.solver` otherwise)."""
    if solver not in solver_names():
        raise InvalidOptions(f"unknown pysat solver {solver!r}; choose one of {solver_names()}", "options.solver")
    return solver


def can_log_proofs(solver: str) -> bool:
    return solver in PROOF_SOLVERS


# Below this many clauses a solve runs here, in conflict-budget slices: a fork costs about as much as the solve.
# Kept small because slices cost search: on a 22.9k-clause CNF (N=50 planted, c=4) CaDiCaL needed 31,301 conflicts
# in slices against 8,889 in one call, and 1.7 s against 0.7 s.
IN_PROCESS_MAX_CLAUSES = 10_000
FIRST_SLICE_CONFLICTS = 2_000  # the in-process deadline is checked between slices, which double in size
MAX_SLICE_CONFLICTS = 40_000  # (each new budget restarts CaDiCaL's search; doubling bounds that cost)
SLICEABLE_SOLVERS = frozenset({"cadical153", "cadical195", "glucose3", "glucose4", "minisat22"})  # conflict budgets


def solve_until(solver: Any, deadline: float) -> bool | None:
    """`solver.solve()`, or None once the deadline passes (checked between conflict budgets when it is finite)."""
    if deadline == math.inf:
        return bool(solver.solve())
    budget = FIRST_SLICE_CONFLICTS
    while time.perf_counter() < deadline:
        solver.conf_budget(budget)
        verdict = solver.solve_limited()
        if verdict is not None:
            return bool(verdict)
        budget = min(2 * budget, MAX_SLICE_CONFLICTS)
    return None


class PysatBackend:
    """SAT via PySAT: a small CNF in this process with the deadline checked between conflict budgets, a larger one
    in a child process killed at the deadline; MaxSAT ("minimize") via RC2 in a child."""

    name: ClassVar[str] = "pysat"
    accepts: ClassVar[frozenset[str]] = frozenset({"cnf", "wcnf"})
    proofs: ClassVar[bool] = True

    def __init__(self, solver: str = DEFAULT_SOLVER) -> None:
        self.solver = validated_solver(solver)

    @staticmethod
    def available() -> bool:
        return importable("pysat.solvers")

    def solve(self, target: Any, limits: Limits) -> SolveResult:
        kind = target_kind(target)
        if kind not in self.accepts:
            raise wrong_target("pysat", kind)
        if limits.proof and kind == "cnf" and self.solver not in PROOF_SOLVERS:
            raise InvalidOptions(f"pysat solver {self.solver!r} cannot log DRUP proofs", "options.solver")
        start = time.perf_counter()
        if kind == "cnf" and self.solver in SLICEABLE_SOLVERS and len(target.clauses) <= IN_PROCESS_MAX_CLAUSES:
            result = _solve_cnf(self.solver, target, limits.proof, deadline=start + limits.seconds)
            result.wall_s = time.perf_counter() - start
            result.stats.update(solver=self.solver, in_process=True)
            return result
        func = _solve_cnf if kind == "cnf" else _solve_wcnf
        try:
            result: SolveResult = run_in_child(func, (self.solver, target, limits.proof), limits.seconds)
        except ChildTimeout:
            result = SolveResult(Status.UNKNOWN, stats={"reason": "time limit"})
        except ChildCrashed as exc:
            raise SolverFailed(f"pysat solver {self.solver} failed: {exc}") from exc
        result.wall_s = time.perf_counter() - start
        result.stats.setdefault("solver", self.solver)
        return result


def _solve_cnf(solver_name: str, cnf: Any, proof: bool, deadline: float = math.inf) -> SolveResult:
    from pysat.solvers import Solver

    with Solver(name=solver_name, bootstrap_with=cnf.clauses, with_proof=proof) as solver:
        satisfiable = solve_until(solver, deadline)
        stats = _statistics(solver)
        if satisfiable is None:
            return SolveResult(Status.UNKNOWN, stats={**stats, "reason": "time limit"})
        if satisfiable:
            return SolveResult(Status.SATISFIABLE, assignment=solver.get_model(), stats=stats)
        return SolveResult(Status.UNSATISFIABLE, proof=proof_lines(solver) if proof else None, stats=stats)


def _statistics(solver: Any) -> dict[str, int]:
    try:
        return {key: int(value) for key, value in solver.accum_stats().items()}
    except NotImplementedError:  # Kissat exposes none
        return {}


def _solve_wcnf(solver_name: str, wcnf: Any, proof: bool) -> SolveResult:
    from pysat.examples.rc2 import RC2

    # RC2 needs an incremental solver with assumptions; CaDiCaL 1.9.5 and Glucose both qualify.
    with RC2(wcnf, solver=solver_name) as rc2:
        model = rc2.compute()
        if model is None:
            return SolveResult(Status.UNSATISFIABLE)
        return SolveResult(Status.OPTIMAL, assignment=model, objective=rc2.cost, bound=rc2.cost)


def proof_lines(solver: Any) -> list[str]:
    """The solver's DRUP proof as text lines. CaDiCaL traces in binary, which PySAT decodes byte by byte in
    Python; `binary_drup_lines` does it with numpy (the tests compare both on every proof they make)."""
    inner = getattr(solver, "solver", None)
    trace, handle = getattr(inner, "prfile", None), getattr(inner, "prfp", None)
    if trace is None or handle is None or not type(inner).__name__.startswith("Cadical"):
        return list(solver.get_proof())
    import pysolvers  # PySAT's C extension, the module that wrote the trace

    pysolvers.flushpr(handle)
    trace.seek(0)
    lines = binary_drup_lines(trace.read())
    return lines if lines is not None else list(solver.get_proof())
