"""PySAT backend: any of its SAT solvers on a CNF (with DRUP proof logging), incremental runs, RC2 on a weighted CNF.

An incremental run keeps the solver's learned clauses between refine rounds, and one DRUP proof covers the whole
run: every lemma it logs is implied by the clauses it had at the time, hence by the CNF plus all clauses added,
which is what the proof refutes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import cache
from typing import Any, ClassVar

from problems.errors import InvalidOptions, SolverFailed
from solvers.base import Backend, IncrementalCnf, Limits, Refine, SolveResult, Status, importable
from solvers.child import ChildCrashed, ChildTimeout, run_in_child, run_in_child_streaming
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


# The one home of "run here or in a forked child": below these sizes a SAT run stays in this process, in conflict
# slices with the deadline checked between them (a fork costs about as much as a small solve); above them it runs in
# a child killed at the deadline (a long solve or a memory blow-up cannot take the caller down). Two sizes, because
# slicing costs search on a one-shot solve: on a 22.9k-clause CNF (N=50 planted, c=4) CaDiCaL needed 31,301
# conflicts in slices against 8,889 in one call, and 1.7 s against 0.7 s; the fast strategy's incremental runs (on
# its smaller, implied-clause CNF) lose little to slicing, and their encoding is kept in process up to the same size.
IN_PROCESS_MAX_CLAUSES = 10_000
IN_PROCESS_MAX_INCREMENTAL_CLAUSES = 100_000
FIRST_SLICE_CONFLICTS = 2_000  # the in-process deadline is checked between slices, which double in size
MAX_SLICE_CONFLICTS = 40_000  # (each new budget restarts CaDiCaL's search; doubling bounds that cost)
MIN_SLICE_CONFLICTS = 200  # the last slices before the deadline: tens of milliseconds each
SLICEABLE_SOLVERS = frozenset({"cadical153", "cadical195", "glucose3", "glucose4", "minisat22"})  # conflict budgets


def runs_in_process(clauses: int, incremental: bool = False) -> bool:
    """Whether a SAT run on this many clauses stays in this process (see the sizes above)."""
    return clauses <= (IN_PROCESS_MAX_INCREMENTAL_CLAUSES if incremental else IN_PROCESS_MAX_CLAUSES)


def solve_until(solver: Any, deadline: float) -> bool | None:
    """`solver.solve()`, or None once the deadline passes (checked between conflict budgets when it is finite).

    PySAT's CaDiCaL cannot be interrupted from another thread, so each slice is sized from the rate of the last
    one (a slice that ran out used exactly its budget): it should end before the deadline, and overshoots by at
    most a `MIN_SLICE_CONFLICTS` slice when the rate holds. Doubling alone overshot by whole 40k-conflict slices
    (a 14 s limit answered at 23 s on a loaded machine, issue 11 §6)."""
    if deadline == math.inf:
        return bool(solver.solve())
    budget, now = FIRST_SLICE_CONFLICTS, time.perf_counter()
    while now < deadline:
        solver.conf_budget(budget)
        start = now
        verdict = solver.solve_limited()
        if verdict is not None:
            return bool(verdict)
        now = time.perf_counter()
        rate = budget / max(now - start, 1e-6)  # conflicts per second in the slice just run
        budget = max(MIN_SLICE_CONFLICTS, min(2 * budget, MAX_SLICE_CONFLICTS, int(rate * (deadline - now))))
    return None


class PysatBackend(Backend):
    """SAT via PySAT on a CNF (one shot), an `IncrementalCnf` (one incremental run with refine rounds), or a WCNF
    (MaxSAT by RC2). Small CNFs run here, in conflict slices; larger ones and every WCNF in a child killed at the
    deadline (`runs_in_process`)."""

    name: ClassVar[str] = "pysat"
    accepts: ClassVar[frozenset[str]] = frozenset({"cnf", "wcnf", "incremental-cnf"})
    proofs: ClassVar[bool] = True
    default_solver: ClassVar[str] = DEFAULT_SOLVER

    @classmethod
    def check_solver(cls, solver: str) -> str:
        return validated_solver(solver)

    @staticmethod
    def available() -> bool:
        return importable("pysat.solvers")

    @property
    def logs_proofs(self) -> bool:
        return can_log_proofs(self.solver)

    def solve(self, target: Any, limits: Limits) -> SolveResult:
        kind = self.check_target(target)
        if limits.proof and kind != "wcnf" and not self.logs_proofs:
            raise InvalidOptions(f"pysat solver {self.solver!r} cannot log DRUP proofs", "options.solver")
        start = time.perf_counter()
        if kind == "incremental-cnf":
            result = _solve_incremental(self.solver, target, limits)
        elif kind == "cnf" and self.solver in SLICEABLE_SOLVERS and runs_in_process(len(target.clauses)):
            result = _solve_cnf(self.solver, target, limits.proof, deadline=start + limits.seconds)
            result.stats["in_process"] = True
        else:
            result = _solve_in_child(_solve_cnf if kind == "cnf" else _solve_wcnf, self.solver, target, limits)
        result.wall_s = time.perf_counter() - start
        result.stats.setdefault("solver", self.solver)
        return result


def _solve_in_child(func: Any, solver: str, target: Any, limits: Limits) -> SolveResult:
    try:
        result: SolveResult = run_in_child(func, (solver, target, limits.proof), limits.seconds)
    except ChildTimeout:
        return SolveResult(Status.UNKNOWN, stats={"reason": "time limit"})
    except ChildCrashed as exc:
        raise SolverFailed(f"pysat solver {solver} failed: {exc}") from exc
    return result


def _solve_incremental(solver: str, target: IncrementalCnf, limits: Limits) -> SolveResult:
    """The refine loop of an `IncrementalCnf`: here in slices when small (or asked), else in a child killed at the
    deadline that reports the first model (and every refine round) as it goes, so they survive a time-out."""
    start = time.perf_counter()
    clauses = [*target.cnf.clauses, *target.extra] if target.extra else target.cnf.clauses
    args = (solver, clauses, limits.proof, target.refine, list(target.phases))
    in_process = limits.in_process if limits.in_process is not None else runs_in_process(len(clauses), True)
    if in_process:
        final = _refine_loop(lambda _: None, *args, deadline=start + limits.seconds)
        final.stats["in_process"] = True
        return final
    final, partials = run_in_child_streaming(_refine_loop, args, limits.seconds)
    if final is None:
        final = SolveResult(Status.UNKNOWN, stats={"reason": "time limit"})
        for kind, payload in partials:  # keep the first model and the clauses added before the timeout
            if kind == "model" and not final.assignment:
                final.assignment = payload
            elif kind == "added":
                final.added_clauses.extend(payload)
    return final


def _refine_loop(
    report: Callable[[Any], None],
    solver_name: str,
    clauses: list[list[int]],
    proof: bool,
    refine: Refine | None,
    phases: list[int],
    deadline: float = math.inf,
) -> SolveResult:
    """Solve, hand each model to `refine`, add its clauses, solve again: one solver keeps what it learned, and one
    DRUP proof covers the run (every lemma is implied by the clauses at the time, hence by CNF ∧ all added)."""
    from pysat.solvers import Solver

    first: list[int] = []
    added: list[list[int]] = []
    with Solver(name=solver_name, bootstrap_with=clauses, with_proof=proof) as solver:
        if phases:
            solver.set_phases(phases)
        rounds = 0
        while True:
            rounds += 1
            satisfiable = solve_until(solver, deadline)
            stats = {"rounds": rounds, **_statistics(solver)}
            if satisfiable is None:
                return SolveResult(
                    Status.UNKNOWN, assignment=first, stats={**stats, "reason": "time limit"}, added_clauses=added
                )
            if not satisfiable:
                return SolveResult(
                    Status.UNSATISFIABLE,
                    assignment=first,
                    proof=proof_lines(solver) if proof else None,
                    stats=stats,
                    added_clauses=added,
                )
            model = solver.get_model()
            if not first:
                first = model
                report(("model", model))
            extra = refine(model) if refine is not None else []
            if not extra:  # a last model differs from the first only after a refine round
                last = model if added else []
                return SolveResult(
                    Status.SATISFIABLE, assignment=first, stats=stats, added_clauses=added, last_assignment=last
                )
            report(("added", extra))
            added.extend(extra)
            for clause in extra:
                solver.add_clause(clause)


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
