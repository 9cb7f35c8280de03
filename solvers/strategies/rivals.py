"""Refuting every rival of a verified partition: the fast CNF plus the partition's blocking clause, one SAT call.

On a large instance the encoding alone can outlast the time limit, so encoding and solving then run in one child
killed at the deadline; the CNF is rebuilt here afterwards (the encoding is deterministic) only when a certificate
or a model needs its variables.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

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
) -> tuple[SolveResult, PartitionToFastCnf | None]:
    """SAT on "the fast CNF ∧ not `classes`" (`classes` canonical and verified; `guess` the same partition as
    found, for phases): the verdict, and the map of the CNF it refers to (None when cut short before it)."""
    instance = run.instance
    limits = run.limits(proof=run.options.proof)
    if runs_in_process(instance.n_samples * cell_count(instance.budgets), incremental=True):
        run.progress("encode")
        fast_map = PartitionToFastCnf(run.clock.deadline())
        run.progress("proof")
        return encode_and_solve(run.backend, fast_map, instance, classes, guess, limits), fast_map
    run.progress("proof")
    fast_map = PartitionToFastCnf(run.clock.deadline())  # a copy of it encodes in the child
    args = (run.backend, fast_map, instance, classes, guess, replace(limits, in_process=True))
    try:
        result: SolveResult = run_in_child(encode_and_solve, args, run.clock.left())
    except ChildTimeout:
        return SolveResult(Status.UNKNOWN, wall_s=limits.seconds, stats={"reason": "time limit"}), None
    if result.status not in (Status.SATISFIABLE, Status.UNSATISFIABLE):
        return result, None
    # a verdict reached in time gets the checking grace for the rebuild its decoding or proof check needs
    fast_map = PartitionToFastCnf(run.clock.deadline() + CHECK_GRACE_S)
    try:
        fast_map.forward(instance)
    except TimeLimitReached:
        late = SolveResult(Status.UNKNOWN, wall_s=limits.seconds, stats={"reason": "time limit rebuilding the CNF"})
        return late, None
    return result, fast_map


def encode_and_solve(
    backend: Backend,
    fast_map: PartitionToFastCnf,
    instance: PartitionInstance,
    classes: list[list[int]],
    guess: list[np.ndarray],
    limits: Limits,
) -> SolveResult:
    """Build the CNF with `fast_map`, add the blocking clause of `classes`, and solve with the time left."""
    start = time.perf_counter()
    try:
        with gc_paused():  # a third of the encoding time at N=50 went to collector passes over the new clause lists
            cnf = fast_map.forward(instance)
    except TimeLimitReached:
        return SolveResult(Status.UNKNOWN, wall_s=limits.seconds, stats={"reason": "time limit during encoding"})
    blocking = fast_map.blocking_clause(PartitionSolution(classes, {}))
    encode_s = time.perf_counter() - start
    limits = replace(limits, seconds=max(0.0, limits.seconds - encode_s))
    target = IncrementalCnf(cnf, extra=[blocking], phases=fast_map.phases(guess))
    result = backend.solve(target, limits)
    result.stats.update(encode_s=round(encode_s, 4), variables=cnf.nv, clauses=len(cnf.clauses))
    return result
