"""The fast strategy (exact instances): forced merges, a local-search warm start, a one-move rival, and one
incremental CaDiCaL run on the quotient's CNF with implied clauses (docs/fast_solver.md).

A warm start that explains every sample is verified and answered at once; asked for uniqueness, a rival one move
away settles "not unique" without SAT, else every rival is refuted by one SAT call (solvers/strategies/rivals.py).
Otherwise the CNF is built and solved once, the uniqueness blocking clause added by a refine round of the same
incremental run, so the solver keeps what it learned.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from pysat.formula import CNF

from problems.answers import Answer, AnswerStatus, SolveOptions
from problems.errors import TimeLimitReached
from problems.heuristics import local_search
from problems.neighbours import induced_table, one_move_rival
from problems.partition import PartitionInstance, PartitionSolution
from reductions.partition_to_fast_cnf import PartitionToFastCnf
from reductions.partition_to_quotient import merges_are_forced
from solvers.base import IncrementalCnf, SolveResult, Status
from solvers.certify import Uniqueness, refined_uniqueness
from solvers.decode import decoded_answer, out_of_time, result_stats, verified_answer, verified_rival
from solvers.registry import get_backend
from solvers.run import Clock, Progress, Run
from solvers.strategies.direct import interpret
from solvers.strategies.rivals import refute_rivals

WARM_START_SHARE = 0.2  # of the time left
WARM_START_MAX_S = 10.0


@dataclass(frozen=True)
class WarmStart:
    """A local-search guess at the classes (it may violate samples), and what it cost."""

    classes: list[np.ndarray]
    violated: int
    seconds: float

    def stats(self) -> dict[str, Any]:
        return {"warm_start_violated": self.violated, "warm_start_s": round(self.seconds, 4)}


@dataclass(frozen=True)
class FastStrategy:
    """The fast exact solver on PySAT's incremental interface (`solver`: a PySAT solver, default CaDiCaL 1.9.5)."""

    name: ClassVar[str] = "fast"
    kind: ClassVar[str] = "partition"
    instances: ClassVar[str] = "exact"
    backends: ClassVar[tuple[str, ...]] = ("pysat",)
    targets: ClassVar[frozenset[str]] = frozenset({"incremental-cnf"})

    solver: str

    def run(self, instance: PartitionInstance, options: SolveOptions, clock: Clock, progress: Progress) -> Answer:
        backend = get_backend(self.backends[0], self.solver, self.targets)
        run = Run(instance, options, clock, progress, backend)
        guess = None if merges_are_forced(instance) else warm_start(instance, options, clock, progress)
        warm = guess.stats() if guess is not None else {}
        named = {"backend": self.name, "solver": backend.solver, "strategy": self.name}
        table = induced_table(instance, guess.classes) if guess is not None else None
        if guess is not None and table is not None:
            answer = certify_guess(run, PartitionSolution(guess.classes, table))  # type: ignore[arg-type]
            return answer.model_copy(update={"stats": {**named, **warm, **answer.stats}})
        progress("encode")
        start = time.perf_counter()
        fast_map = PartitionToFastCnf(clock.deadline())
        try:
            cnf = fast_map.forward(instance)
        except TimeLimitReached as exc:
            return out_of_time(self.name, backend.solver, exc, time.perf_counter() - start, **warm, strategy=self.name)
        encode_s = time.perf_counter() - start
        refine = block_first_model(fast_map) if options.unique else None
        phases = fast_map.phases(guess.classes) if guess is not None else []
        progress("search")
        result = backend.solve(IncrementalCnf(cnf, phases=phases, refine=refine), run.limits(proof=options.proof))
        stats = {**result_stats(self.name, backend.solver, result, encode_s, cnf), **warm, "strategy": self.name}
        answer = _interpret(run, fast_map, cnf, result)
        return answer.model_copy(update={"stats": {**stats, **answer.stats}})


def warm_start(
    instance: PartitionInstance, options: SolveOptions, clock: Clock, progress: Progress
) -> WarmStart | None:
    """Local search for a while (a share of the time left); None when no guess is worth having."""
    progress("warm-start")
    start = time.perf_counter()
    seconds = min(WARM_START_SHARE * clock.left(), WARM_START_MAX_S)
    classes, violated = local_search(instance, seconds, seed=options.seed)
    return WarmStart(classes, violated, time.perf_counter() - start)


def _interpret(run: Run, fast_map: PartitionToFastCnf, cnf: CNF, result: SolveResult) -> Answer:
    """A first model is the answer (verified); with uniqueness asked, the run's refine round settles it."""
    if not result.assignment:
        return interpret(run, fast_map, cnf, result)
    answer = decoded_answer(run.instance, fast_map, result, AnswerStatus.SOLVED)
    if not run.options.unique:
        return answer
    assert answer.classes is not None
    return refined_uniqueness(run, fast_map, cnf, answer.classes, result).applied_to(answer)


def certify_guess(run: Run, guessed: PartitionSolution) -> Answer:
    """The warm start explains every sample: that is the answer. For `unique`, look for a rival one move away,
    else encode and refute every rival with one SAT call that has the guess's blocking clause from the start."""
    answer = verified_answer(run.instance, guessed, AnswerStatus.SOLVED)
    if not run.options.unique:
        return answer
    assert answer.classes is not None
    guess = [np.asarray(c) for c in guessed.classes]
    rival = one_move_rival(run.instance, guess)
    if rival is not None:
        solution = PartitionSolution(rival, _table_of(run.instance, rival))  # type: ignore[arg-type]
        alternative = verified_rival(run.instance, solution, answer.classes)
        return Uniqueness(alternative=alternative, stats={"unique_check": "one-move rival"}).applied_to(answer)
    result, encoded = refute_rivals(run, answer.classes, guess)
    searched = {"solve_s": round(result.wall_s, 4), "backend_status": result.status.value}
    searched.update({k: v for k, v in result.stats.items() if k != "solver"})
    if encoded is None:  # cut short: nothing to decode or certify
        verdict = Uniqueness(stats={"unique_check": result.status.value})
    else:
        cnf, fast_map = encoded
        verdict = refined_uniqueness(run, fast_map, cnf, answer.classes, result)
        if result.status is Status.SATISFIABLE:
            verdict.alternative = verified_rival(run.instance, fast_map.backward(result.assignment), answer.classes)
    answer = answer.model_copy(update={"stats": {**answer.stats, **searched}})
    return verdict.applied_to(answer)


def _table_of(instance: PartitionInstance, classes: list[np.ndarray]) -> dict[tuple[int, ...], int]:
    table = induced_table(instance, classes)
    assert table is not None, "only class maps that explain every sample get here"
    return table


def block_first_model(fast_map: PartitionToFastCnf) -> Callable[[list[int]], list[list[int]]]:
    """A refine step that blocks the first model's partition once; a second model ends the loop (not unique)."""
    blocked: list[list[int]] = []

    def refine(model: list[int]) -> list[list[int]]:
        if blocked:
            return []
        blocked.append(fast_map.blocking_for_assignment(model))
        return list(blocked)

    return refine
