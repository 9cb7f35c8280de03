"""Refuting every rival of a verified partition: the fast CNF plus the partition's blocking clause, one SAT call.

On a large instance the encoding alone can outlast the time limit, so encoding and solving then run in one child
killed at the deadline; the CNF is rebuilt here afterwards (the encoding is deterministic) only when a certificate
or a model needs its variables.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np
from pysat.formula import CNF

from problems.cells import cell_count
from problems.errors import TimeLimitReached
from problems.partition import PartitionInstance, PartitionSolution
from reductions.partition_to_fast_cnf import PartitionToFastCnf
from solvers.base import Backend, IncrementalCnf, Limits, SolveResult, Status
from solvers.child import ChildTimeout, run_in_child
from solvers.proofs import gc_paused
from solvers.pysat import runs_in_process
from solvers.run import CHECK_GRACE_S, Run


def refute_rivals(
    run: Run, classes: list[list[int]], guess: list[np.ndarray]
) -> tuple[SolveResult, tuple[CNF, PartitionToFastCnf] | None]:
    """SAT on "the fast CNF ∧ not `classes`" (`classes` canonical and verified; `guess` the same partition as
    found, for phases): the verdict, and the CNF it refers to with its map (None when cut short before it)."""
    instance = run.instance
    limits = run.limits(proof=run.options.proof)
    if runs_in_process(instance.n_samples * cell_count(instance.budgets), incremental=True):
        run.progress("encode")
        fast_map = PartitionToFastCnf(run.clock.deadline())
        run.progress("proof")
        result, cnf = encode_and_solve(run.backend, fast_map, instance, classes, guess, limits)
        return result, (cnf, fast_map) if cnf is not None else None
    run.progress("proof")
    fast_map = PartitionToFastCnf(run.clock.deadline())  # a copy of it encodes in the child
    args = (run.backend, fast_map, instance, classes, guess, replace(limits, in_process=True))
    try:
        result: SolveResult = run_in_child(_verdict_only, args, run.clock.left())
    except ChildTimeout:
        return SolveResult(Status.UNKNOWN, wall_s=limits.seconds, stats={"reason": "time limit"}), None
    if result.status not in (Status.SATISFIABLE, Status.UNSATISFIABLE):
        return result, None
    # a verdict reached in time gets the checking grace for the rebuild its decoding or proof check needs
    fast_map = PartitionToFastCnf(run.clock.deadline() + CHECK_GRACE_S)
    try:
        cnf = fast_map.forward(instance)
    except TimeLimitReached:
        late = SolveResult(Status.UNKNOWN, wall_s=limits.seconds, stats={"reason": "time limit rebuilding the CNF"})
        return late, None
    return result, (cnf, fast_map)


def encode_and_solve(
    backend: Backend,
    fast_map: PartitionToFastCnf,
    instance: PartitionInstance,
    classes: list[list[int]],
    guess: list[np.ndarray],
    limits: Limits,
) -> tuple[SolveResult, CNF | None]:
    """Build the CNF with `fast_map`, add the blocking clause of `classes`, and solve with the time left: the
    verdict, and the CNF (None if its encoding ran out of time)."""
    start = time.perf_counter()
    try:
        with gc_paused():  # a third of the encoding time at N=50 went to collector passes over the new clause lists
            cnf = fast_map.forward(instance)
    except TimeLimitReached:
        return SolveResult(Status.UNKNOWN, wall_s=limits.seconds, stats={"reason": "time limit during encoding"}), None
    blocking = fast_map.blocking_clause(PartitionSolution(classes, {}))
    encode_s = time.perf_counter() - start
    limits = replace(limits, seconds=max(0.0, limits.seconds - encode_s))
    target = IncrementalCnf(cnf, extra=[blocking], phases=fast_map.phases(guess))
    result = backend.solve(target, limits)
    result.stats.update(encode_s=round(encode_s, 4), variables=cnf.nv, clauses=len(cnf.clauses))
    return result, cnf


def _verdict_only(*args: Any) -> SolveResult:
    """`encode_and_solve` in a child: only the verdict travels back (the CNF is rebuilt here when needed)."""
    return encode_and_solve(*args)[0]
