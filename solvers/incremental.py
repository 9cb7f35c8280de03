"""Incremental CaDiCaL for refine loops: solve, let the caller add clauses from the model, solve again.

The solver keeps its learned clauses between rounds, and one DRUP proof covers the whole run: every lemma it logs
is implied by the clauses it had at the time, hence by the CNF plus all clauses added, which is what the proof
refutes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from problems.errors import InvalidOptions
from solvers.base import Limits, SolveResult, Status, target_kind, wrong_target
from solvers.child import run_in_child_streaming
from solvers.pysat import DEFAULT_SOLVER, PROOF_SOLVERS, PysatBackend, proof_lines, solve_until, validated_solver

Refine = Callable[[list[int]], list[list[int]]]

IN_PROCESS_MAX_CLAUSES = 100_000  # below this, a fork costs about as much as the solve: run here, in slices


class IncrementalBackend:
    """SAT on one incremental PySAT solver in a child process; `refine(model)` returns clauses for the next round.

    The loop stops at UNSAT, at the time limit, or when `refine` returns no clause. The result's `assignment` is
    the first model (reported to the parent as soon as it exists, so it survives a timeout of a later round),
    `added_clauses` what the refine rounds added, and `status` the verdict of the last round.
    """

    name: ClassVar[str] = "fast"
    accepts: ClassVar[frozenset[str]] = frozenset({"cnf"})
    proofs: ClassVar[bool] = True

    available = staticmethod(PysatBackend.available)

    def __init__(self, solver: str = DEFAULT_SOLVER) -> None:
        self.solver = validated_solver(solver)

    def solve(
        self,
        target: Any,
        limits: Limits,
        refine: Refine | None = None,
        phases: Sequence[int] = (),
        extra: Sequence[Sequence[int]] = (),
        in_process: bool | None = None,
    ) -> SolveResult:
        """Solve `target` plus the `extra` clauses (part of what a proof refutes), then refine rounds.

        Small CNFs run in this process, with the deadline checked between conflict budgets; larger ones in a
        child killed at the deadline (a long solve or a memory blow-up cannot take the caller down).
        `in_process` overrides the choice, e.g. for a caller that is itself a killable child.
        """
        if target_kind(target) not in self.accepts:
            raise wrong_target(self.name, target_kind(target))
        if limits.proof and self.solver not in PROOF_SOLVERS:
            raise InvalidOptions(f"pysat solver {self.solver!r} cannot log DRUP proofs", "options.solver")
        start = time.perf_counter()
        clauses = [*target.clauses, *extra] if extra else target.clauses
        args = (self.solver, clauses, limits.proof, refine, list(phases))
        if in_process if in_process is not None else len(clauses) <= IN_PROCESS_MAX_CLAUSES:
            final = _refine_loop(lambda _: None, *args, deadline=start + limits.seconds)
            final.wall_s = time.perf_counter() - start
            final.stats.update(solver=self.solver, in_process=True)
            return final
        final, partials = run_in_child_streaming(_refine_loop, args, limits.seconds)
        if final is None:
            final = SolveResult(Status.UNKNOWN, stats={"reason": "time limit"})
            for kind, payload in partials:  # keep the first model and the clauses added before the timeout
                if kind == "model" and not final.assignment:
                    final.assignment = payload
                elif kind == "added":
                    final.added_clauses.extend(payload)
        final.wall_s = time.perf_counter() - start
        final.stats.setdefault("solver", self.solver)
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
            stats = {"rounds": rounds, **{key: int(value) for key, value in solver.accum_stats().items()}}
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
            if not extra:
                return SolveResult(
                    Status.SATISFIABLE, assignment=first, stats=stats, added_clauses=added, last_assignment=model
                )
            report(("added", extra))
            added.extend(extra)
            for clause in extra:
                solver.add_clause(clause)
