"""PySAT backend: any of its SAT solvers on a CNF (with DRUP proof logging), RC2 on a weighted CNF."""

from __future__ import annotations

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


class PysatBackend:
    """SAT via PySAT in a child process killed at the deadline; MaxSAT ("minimize") via RC2."""

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


def _solve_cnf(solver_name: str, cnf: Any, proof: bool) -> SolveResult:
    from pysat.solvers import Solver

    with Solver(name=solver_name, bootstrap_with=cnf.clauses, with_proof=proof) as solver:
        satisfiable = solver.solve()
        stats = _statistics(solver)
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
