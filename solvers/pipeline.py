"""The one solve path: problem → encoding → backend → decoding → independent verification → answer + certificate.

The CLI, the service and the benchmarks all call `solve`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from pydantic import BaseModel
from pysat.formula import CNF

from problems.answers import Answer, AnswerStatus, Certificate, SolveOptions, TableEntry
from problems.errors import InvalidOptions, TimeLimitReached, UnknownKind, VerificationFailed
from problems.heuristics import local_search
from problems.neighbours import (
    distinct_label_witness,
    induced_table,
    is_distinct_label_witness,
    one_move_rival,
)
from problems.partition import PartitionInstance, PartitionSolution
from problems.verify import canonical_classes, canonical_relabelling, constrained_mask, verify_partition
from reductions.partition_to_cnf import PartitionToCnf, PartitionToMaxSat
from reductions.partition_to_cpsat import PartitionToCpSat
from reductions.partition_to_fast_cnf import PartitionToFastCnf
from reductions.partition_to_samples import PartitionToSamples
from solvers.base import PARTITION_TARGETS, Limits, SolveResult, Status, get_backend, is_complete
from solvers.child import ChildTimeout, run_in_child
from solvers.incremental import IncrementalBackend
from solvers.noisy import NoisyBackend, solve_noisy
from solvers.portfolio import PortfolioBackend
from solvers.proofs import Checker, checked_drup_certificate, gc_paused
from solvers.pysat import DEFAULT_SOLVER, PysatBackend, can_log_proofs

Encoder = PartitionToCnf | PartitionToCpSat | PartitionToFastCnf | PartitionToSamples


CHECK_GRACE_S = 1.0  # a proof found just before the deadline still gets a second to be checked


@dataclass
class Clock:
    """The job's deadline; every step takes what is left of one wall-time budget."""

    seconds: float
    start: float = field(default_factory=time.perf_counter)

    def left(self) -> float:
        return max(0.0, self.seconds - (time.perf_counter() - self.start))

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def deadline(self) -> float:
        """The end of the budget on `time.perf_counter()`'s scale, which is what encoders check."""
        return self.start + self.seconds


def solve(instance: PartitionInstance, options: SolveOptions | None = None) -> Answer:
    """Solve one partition instance and return a verified answer (never an unverified solution)."""
    options = _route_noisy(instance, options or SolveOptions())
    _check_options(instance, options)
    clock = Clock(options.time_limit)
    backend = _backend(instance, options)
    if isinstance(backend, NoisyBackend):  # its own strategy: warm start, verified answer, certified lower bound
        answer = solve_noisy(instance, options, clock.start)
        answer.stats["wall_s"] = round(clock.elapsed(), 4)
        return answer
    if isinstance(backend, PortfolioBackend):  # each member runs this function in its own process
        left = options.model_copy(update={"time_limit": max(clock.left(), 0.01)})
        answer = backend.race(instance, left, solve)
        answer.stats["wall_s"] = round(clock.elapsed(), 4)
        return answer
    # exact backends only: a heuristic baseline reports what it found (`unknown`), as in the seed paper
    witness = distinct_label_witness(instance) if instance.max_violations == 0 and is_complete(backend) else None
    if witness is not None:
        return _pigeonhole_answer(instance, witness, clock)
    if options.unique and not is_complete(backend):
        raise InvalidOptions(f"{options.backend!r} is a heuristic: it cannot prove uniqueness", "options.unique")
    encoder = _encoder(instance, options, backend.accepts, clock.deadline())
    if isinstance(backend, IncrementalBackend) and isinstance(encoder, PartitionToFastCnf):
        answer = _solve_fast(instance, options, encoder, backend, clock)
    else:
        answer = _solve_direct(instance, options, encoder, backend, clock)
    answer.stats["wall_s"] = round(clock.elapsed(), 4)
    return answer


def _solve_direct(
    instance: PartitionInstance, options: SolveOptions, encoder: Encoder, backend: Any, clock: Clock
) -> Answer:
    """Encode (the encoder stops at the deadline), solve with the time left, decode and verify."""
    try:
        target = encoder.forward(instance)
    except TimeLimitReached as exc:
        return _out_of_time(options, backend, exc, clock.elapsed())
    encode_s = clock.elapsed()
    logs_proofs = isinstance(backend, PysatBackend) and can_log_proofs(backend.solver)
    result = backend.solve(target, _limits(options, clock, proof=options.proof and logs_proofs))
    stats = _stats(options, backend, result, encode_s, target)
    return _interpret(instance, options, encoder, result, clock, stats)


def _out_of_time(
    options: SolveOptions, backend: Any, exc: TimeLimitReached, encode_s: float, stats: dict[str, Any] | None = None
) -> Answer:
    """`unknown`: the time limit ran out while the target was being built, so no solver ran."""
    return Answer(
        status=AnswerStatus.UNKNOWN,
        message=str(exc),
        stats={
            "backend": options.backend,
            "solver": getattr(backend, "solver", options.backend),
            **(stats or {}),
            "encode_s": round(encode_s, 4),
            "reason": "time limit during encoding",
        },
    )


def _solve_fast(
    instance: PartitionInstance,
    options: SolveOptions,
    encoder: PartitionToFastCnf,
    backend: IncrementalBackend,
    clock: Clock,
) -> Answer:
    """Quotient, warm start, and only then the CNF: a guess that explains every sample needs no search."""
    encoder.reduce(instance)
    warm: dict[str, Any] = {}
    guess = _warm_start(instance, encoder, options, clock, warm)
    table = induced_table(instance, guess) if guess is not None else None
    if guess is not None and table is not None:
        answer = _certify_guess(instance, options, encoder, backend, PartitionSolution(guess, table), clock)
        answer.stats = {"backend": options.backend, "solver": backend.solver, **warm, **answer.stats}
        return answer
    start = time.perf_counter()
    try:
        target = encoder.encode()
    except TimeLimitReached as exc:
        return _out_of_time(options, backend, exc, time.perf_counter() - start, warm)
    encode_s = time.perf_counter() - start
    refine = _block_first_model(encoder) if options.unique else None
    # one incremental run: the first model, then its blocking clause, keeping what was learned
    limits = _limits(options, clock, proof=options.proof)
    result = backend.solve(target, limits, refine=refine, phases=_phases(instance, encoder, guess))
    stats = {**_stats(options, backend, result, encode_s, target), **warm}
    return _interpret(instance, options, encoder, result, clock, stats)


def _pigeonhole_answer(instance: PartitionInstance, witness: list[int], clock: Clock) -> Answer:
    """More distinct labels than cells: infeasible by counting, certified by the samples themselves (a DRUP
    refutation of this pigeonhole principle would be exponentially long)."""
    cells = int(np.prod(instance.budgets))
    certificate = Certificate(
        kind="pigeonhole",
        checked=is_distinct_label_witness(instance, witness),
        claim=f"these {cells + 1} samples have pairwise different labels but the table has {cells} cells",
        instance_sha256=instance.sha256,
        samples=witness,
    )
    if not certificate.checked:
        raise VerificationFailed("the distinct-label witness does not check")
    return Answer(status=AnswerStatus.INFEASIBLE, certificate=certificate, stats={"wall_s": round(clock.elapsed(), 4)})


def _check_options(instance: PartitionInstance, options: SolveOptions) -> None:
    if options.unique and instance.max_violations != 0:
        raise InvalidOptions("uniqueness is defined for exact recovery only (max_violations = 0)", "options.unique")


WARM_START_SHARE = 0.2  # of the time left
WARM_START_MAX_S = 10.0


def _warm_start(
    instance: PartitionInstance, encoder: PartitionToFastCnf, options: SolveOptions, clock: Clock, stats: dict
) -> list[np.ndarray] | None:
    """A local-search guess at the classes (it may violate samples), or None when the quotient needs none."""
    if encoder.quotient.merged:  # the quotient is tiny: nothing to guess
        return None
    start = time.perf_counter()
    seconds = min(WARM_START_SHARE * clock.left(), WARM_START_MAX_S)
    guess, violated = local_search(instance, seconds, seed=options.seed)
    stats.update(warm_start_violated=violated, warm_start_s=round(time.perf_counter() - start, 4))
    return guess


def _phases(instance: PartitionInstance, encoder: PartitionToFastCnf, guess: list[np.ndarray] | None) -> list[int]:
    """Phases for the class variables from the guess (numbered as precedence numbers them, so they agree)."""
    if guess is None:
        return []
    masks = constrained_mask(instance)
    classes = encoder.inner.in_precedence_numbering(guess)
    return [
        encoder.inner.x(i, t, k) if classes[i][t] == k else -encoder.inner.x(i, t, k)
        for i, mask in enumerate(masks)
        for t in np.flatnonzero(mask).tolist()
        for k in range(instance.budgets[i])
    ]


def _certify_guess(
    instance: PartitionInstance,
    options: SolveOptions,
    encoder: PartitionToFastCnf,
    backend: IncrementalBackend,
    guessed: PartitionSolution,
    clock: Clock,
) -> Answer:
    """The warm start explains every sample: that is the answer; for `unique`, look for a rival one move away,
    else encode and refute every rival with one SAT call that has the guess's blocking clause from the start."""
    answer = _checked_answer(instance, guessed, AnswerStatus.SOLVED)
    if not options.unique:
        return answer
    guess = [np.asarray(c) for c in guessed.classes]
    rival = one_move_rival(instance, guess)
    if rival is not None:
        answer.alternative = _verified_rival(instance, PartitionSolution(rival, _table_of(instance, rival)))
        answer.stats["unique_check"] = "one-move rival"
        return answer
    assert answer.classes is not None
    result = _refute_rivals(RivalSearch(instance, encoder, backend, answer.classes, guess), options, clock)
    answer.stats.update(solve_s=round(result.wall_s, 4), backend_status=result.status.value)
    answer.stats.update({k: v for k, v in result.stats.items() if k != "solver"})
    if result.status is Status.SATISFIABLE:
        answer.alternative = _verified_rival(instance, encoder.backward(result.assignment))
    _settle_refined_uniqueness(instance, options, encoder, result, answer, clock)
    return answer


IN_PROCESS_MAX_CLAUSES = 100_000  # direct-CNF size (samples × cells) below which encoding is not worth a fork


@dataclass(frozen=True)
class RivalSearch:
    """What refuting every rival of a verified partition needs: the CNF's encoder and backend, and the guess."""

    instance: PartitionInstance
    encoder: PartitionToFastCnf
    backend: IncrementalBackend
    classes: list[list[int]]  # canonical, verified
    guess: list[np.ndarray]  # the same partition as found, for phases


def _refute_rivals(search: RivalSearch, options: SolveOptions, clock: Clock) -> SolveResult:
    """Encode, add the blocking clause of `classes`, solve. On a large instance the encoding alone can outlast
    the time limit, so encoding and solving run in one child killed at the deadline; the CNF is then rebuilt
    here (the encoding is deterministic) only when a certificate or a model needs its variables."""
    limits = _limits(options, clock, proof=options.proof)
    if search.instance.n_samples * int(np.prod(search.instance.budgets)) <= IN_PROCESS_MAX_CLAUSES:
        return _encode_and_solve(search, limits, in_process=None)
    try:
        result: SolveResult = run_in_child(_encode_and_solve, (search, limits, True), clock.left())
    except ChildTimeout:
        return SolveResult(Status.UNKNOWN, wall_s=limits.seconds, stats={"reason": "time limit"})
    if result.status in (Status.SATISFIABLE, Status.UNSATISFIABLE):
        # a verdict reached in time gets the checking grace for the rebuild its decoding or proof check needs
        search.encoder.deadline = clock.deadline() + CHECK_GRACE_S
        try:
            search.encoder.encode()
        except TimeLimitReached:
            return SolveResult(Status.UNKNOWN, wall_s=limits.seconds, stats={"reason": "time limit rebuilding the CNF"})
    return result


def _encode_and_solve(search: RivalSearch, limits: Limits, in_process: bool | None) -> SolveResult:
    start = time.perf_counter()
    try:
        with gc_paused():  # a third of the encoding time at N=50 went to collector passes over the new clause lists
            target = search.encoder.encode()
    except TimeLimitReached:
        return SolveResult(Status.UNKNOWN, wall_s=limits.seconds, stats={"reason": "time limit during encoding"})
    blocking = search.encoder.blocking_clause(PartitionSolution(search.classes, {}))
    encode_s = time.perf_counter() - start
    limits = replace(limits, seconds=max(0.0, limits.seconds - encode_s))
    phases = _phases(search.instance, search.encoder, search.guess)
    result = search.backend.solve(target, limits, phases=phases, extra=[blocking], in_process=in_process)
    result.stats.update(encode_s=round(encode_s, 4), variables=target.nv, clauses=len(target.clauses))
    return result


def _table_of(instance: PartitionInstance, classes: list[np.ndarray]) -> dict[tuple[int, ...], int]:
    table = induced_table(instance, classes)
    assert table is not None, "only class maps that explain every sample get here"
    return table


def _verified_rival(instance: PartitionInstance, solution: PartitionSolution) -> list[list[int]]:
    """The rival's canonical classes, after the independent verifier accepts it."""
    return _checked_answer(instance, solution, AnswerStatus.SOLVED).classes or []


def _block_first_model(encoder: PartitionToFastCnf) -> Callable[[list[int]], list[list[int]]]:
    """A refine step that blocks the first model's partition once; a second model ends the loop (not unique)."""
    blocked: list[list[int]] = []

    def refine(model: list[int]) -> list[list[int]]:
        if blocked:
            return []
        blocked.append(encoder.blocking_for_assignment(model))
        return list(blocked)

    return refine


def _route_noisy(instance: PartitionInstance, options: SolveOptions) -> SolveOptions:
    """Noisy instances go to the noisy strategy unless a backend is named; `noisy` on an exact one goes to `fast`."""
    if instance.max_violations != 0 and "backend" not in options.model_fields_set:
        return options.model_copy(update={"backend": "noisy"})
    if instance.max_violations == 0 and options.backend == "noisy":
        return options.model_copy(update={"backend": "fast"})
    return options


def _backend(instance: PartitionInstance, options: SolveOptions) -> Any:
    """The named backend; `fast` hands noisy instances to `pysat` (its merges and implied clauses need exactness)."""
    if options.backend == "fast" and instance.max_violations != 0:
        return get_backend("pysat", options.solver, PARTITION_TARGETS)
    return get_backend(options.backend, options.solver, PARTITION_TARGETS)


def _encoder(instance: PartitionInstance, options: SolveOptions, accepts: frozenset[str], deadline: float) -> Encoder:
    """A fresh encoder for the backend's target; every one but the (linear-time) samples map stops at `deadline`."""
    if "samples" in accepts:
        return PartitionToSamples()
    if options.backend == "cpsat":
        return PartitionToCpSat(deadline)
    if options.backend == "fast" and instance.max_violations == 0:
        return PartitionToFastCnf(deadline)
    return PartitionToMaxSat(deadline) if instance.max_violations == "minimize" else PartitionToCnf(deadline)


def _limits(options: SolveOptions, clock: Clock, proof: bool) -> Limits:
    return Limits(seconds=clock.left(), seed=options.seed, num_workers=options.num_workers, proof=proof)


def _stats(options: SolveOptions, backend: Any, result: SolveResult, encode_s: float, target: Any) -> dict[str, Any]:
    stats: dict[str, Any] = {
        "backend": options.backend,
        "solver": getattr(backend, "solver", options.backend),
        "encode_s": round(encode_s, 4),
        "solve_s": round(result.wall_s, 4),
        "backend_status": result.status.value,
    }
    if hasattr(target, "nv"):
        stats["variables"] = target.nv
        stats["clauses"] = len(getattr(target, "clauses", None) or target.hard) + len(getattr(target, "soft", []))
    elif hasattr(target, "proto"):
        stats["variables"] = len(target.proto.variables)
        stats["constraints"] = len(target.proto.constraints)
    stats.update({k: v for k, v in result.stats.items() if k != "solver"})
    return stats


def _interpret(
    instance: PartitionInstance,
    options: SolveOptions,
    encoder: Encoder,
    result: SolveResult,
    clock: Clock,
    stats: dict[str, Any],
) -> Answer:
    if isinstance(encoder, PartitionToFastCnf) and result.assignment:
        answer = _verified_answer(instance, encoder, result, AnswerStatus.SOLVED)
        if options.unique:
            _settle_refined_uniqueness(instance, options, encoder, result, answer, clock)
    elif result.status is Status.UNKNOWN:
        if result.assignment:  # a best-so-far (CP-SAT "minimize", a heuristic): verified, violations counted
            answer = _verified_answer(instance, encoder, result, AnswerStatus.UNKNOWN)
        else:
            answer = Answer(status=AnswerStatus.UNKNOWN, message="the time limit ran out")
    elif result.status is Status.UNSATISFIABLE:
        certificate = _infeasibility_certificate(instance, options, encoder, result, clock)
        answer = Answer(status=AnswerStatus.INFEASIBLE, certificate=certificate)
    elif result.status is Status.OPTIMAL:
        answer = _verified_answer(instance, encoder, result, AnswerStatus.OPTIMAL)
        if options.proof:
            answer.certificate = _optimality_certificate(instance, options, answer, clock)
    else:
        answer = _verified_answer(instance, encoder, result, AnswerStatus.SOLVED)
        if options.unique:
            _settle_uniqueness(instance, options, encoder, answer, clock)
    answer.stats = {**stats, **answer.stats}
    return answer


def _verified_answer(
    instance: PartitionInstance, encoder: Encoder, result: SolveResult, status: AnswerStatus
) -> Answer:
    """Decode, canonicalise and re-check against the raw samples; a failed check is our bug."""
    answer = _checked_answer(instance, encoder.backward(result.assignment), status, result.bound)
    if result.objective is not None and status is AnswerStatus.OPTIMAL and answer.violations != result.objective:
        raise VerificationFailed(f"solver claims {result.objective} violations, verifier counts {answer.violations}")
    if result.last_assignment:  # a refine loop's second model: another partition, so not unique
        answer.alternative = _verified_rival(instance, encoder.backward(result.last_assignment))
    return answer


def _checked_answer(
    instance: PartitionInstance, decoded: PartitionSolution, status: AnswerStatus, bound: float | None = None
) -> Answer:
    """Canonicalise a decoded solution and re-check it against the raw samples; a failed check is our bug."""
    solution = canonicalise(instance, decoded)
    partial = status is AnswerStatus.UNKNOWN  # a partial answer may violate samples; the verifier counts them
    allowed = instance.n_samples if partial else None
    verdict = verify_partition(instance, solution.classes, solution.table_entries(instance), allowed)
    if not verdict.ok:
        raise VerificationFailed(f"decoded solution does not verify: {verdict.reason}")
    masks = constrained_mask(instance)
    explained = instance.n_samples - len(verdict.violated)
    stats: dict[str, Any] = {"bound": bound} if bound is not None else {}
    if partial:
        stats["explained_fraction"] = round(explained / instance.n_samples, 6)
    return Answer(
        status=status,
        classes=solution.classes,
        table=[TableEntry(cell=list(cell), label=label) for cell, label in solution.table_entries(instance)],
        unconstrained=[np.flatnonzero(~mask).tolist() for mask in masks],
        violations=len(verdict.violated),
        violated=verdict.violated if instance.max_violations != 0 else None,
        certificate=Certificate(
            kind="partial" if partial else "solution",
            checked=True,
            claim=f"explains {explained} of {instance.n_samples} samples" if partial else None,
        ),
        stats=stats,
    )


def canonicalise(instance: PartitionInstance, solution: PartitionSolution) -> PartitionSolution:
    """Canonical class numbering (first appearance among constrained tokens); keep only cells samples reach."""
    masks = constrained_mask(instance)
    relabel = canonical_relabelling(solution.classes, masks)
    classes = canonical_classes(solution.classes, masks)
    reached = _reached_cells(instance, classes)
    table = {}
    for cell, label in solution.table.items():
        if all(k in relabel[i] for i, k in enumerate(cell)):
            new_cell = tuple(relabel[i][k] for i, k in enumerate(cell))
            if new_cell in reached:
                table[new_cell] = label
    return PartitionSolution(classes, table)


def _reached_cells(instance: PartitionInstance, classes: list[list[int]]) -> set[tuple[int, ...]]:
    """Cells that some sample reaches under `classes` (vectorised: a flat cell index per sample)."""
    flat = np.zeros(instance.n_samples, dtype=np.int64)
    for i, group_classes in enumerate(classes):
        flat = flat * instance.budgets[i] + np.asarray(group_classes, dtype=np.int64)[instance.tokens[:, i]]
    total = int(np.prod(instance.budgets))
    distinct = np.flatnonzero(np.bincount(flat, minlength=total)) if total <= 10_000_000 else np.unique(flat)
    cells = np.unravel_index(distinct, instance.budgets)
    return set(zip(*(c.tolist() for c in cells), strict=True))


# ---------------------------------------------------------------- certificates


def _infeasibility_certificate(
    instance: PartitionInstance, options: SolveOptions, encoder: Encoder, result: SolveResult, clock: Clock
) -> Certificate:
    claim = "no partition within the class budgets explains the samples"
    if isinstance(encoder, PartitionToCnf | PartitionToFastCnf) and result.proof is not None:
        return _checked_certificate(instance, options, encoder, encoder.hard, result.proof, [], claim, clock)
    if not options.proof:
        return Certificate(kind="none", checked=False, claim=claim)
    cnf_encoder = PartitionToCnf(clock.deadline())
    try:
        cnf = cnf_encoder.forward(instance)
    except TimeLimitReached:
        return _unrefuted(Status.UNKNOWN, claim)
    return _refute(instance, options, cnf_encoder, cnf, [], claim, clock)


def _settle_uniqueness(
    instance: PartitionInstance, options: SolveOptions, solved_by: Encoder, answer: Answer, clock: Clock
) -> None:
    """Second solve with the blocking clause: UNSAT (with a checked proof) ⇒ `unique`; a model ⇒ `alternative`."""
    assert answer.classes is not None
    try:
        encoder, cnf = _direct_cnf(instance, solved_by, clock)
    except TimeLimitReached as exc:
        answer.stats["unique_check"] = Status.UNKNOWN.value
        answer.message = f"uniqueness not settled: {exc}"
        return
    blocking = encoder.blocking_clause(PartitionSolution(answer.classes, {}))
    claim = "a solution exists that differs from this one on the constrained tokens (up to relabelling)"
    result = _solve_cnf(CNF(from_clauses=[*cnf.clauses, blocking], by_ref=True), options, clock, proof=options.proof)
    answer.stats["unique_check"] = result.status.value
    if result.status is Status.SATISFIABLE:
        answer.alternative = _verified_rival(instance, encoder.backward(result.assignment))
    if result.status is not Status.UNSATISFIABLE:
        return
    if not options.proof:
        answer.status = AnswerStatus.UNIQUE
        answer.certificate = Certificate(kind="none", checked=False, claim=claim)
        return
    if result.proof is None:  # a solver without proof logging: the claim stays unproven
        return
    certificate = _checked_certificate(instance, options, encoder, cnf, result.proof, [blocking], claim, clock)
    if certificate.checked:  # a proof not checked in time leaves the answer `solved`
        answer.status = AnswerStatus.UNIQUE
        answer.certificate = certificate


def _direct_cnf(instance: PartitionInstance, solved_by: Encoder, clock: Clock) -> tuple[PartitionToCnf, CNF]:
    """The exact instance's direct CNF: the one the first solve used (pysat), else one built in the time left."""
    if type(solved_by) is PartitionToCnf:
        return solved_by, solved_by.hard
    encoder = PartitionToCnf(clock.deadline())
    return encoder, encoder.forward(instance)


def _settle_refined_uniqueness(
    instance: PartitionInstance,
    options: SolveOptions,
    encoder: PartitionToFastCnf,
    result: SolveResult,
    answer: Answer,
    clock: Clock,
) -> None:
    """The incremental run added the blocking clause itself; UNSAT with a checked proof ⇒ `unique`."""
    assert answer.classes is not None
    answer.stats["unique_check"] = result.status.value
    if result.status is not Status.UNSATISFIABLE:
        return
    blocking = encoder.blocking_clause(PartitionSolution(answer.classes, {}))
    if result.added_clauses and result.added_clauses != [blocking]:
        raise VerificationFailed("the refine loop blocked another partition than the verified answer")
    claim = "a solution exists that differs from this one on the constrained tokens (up to relabelling)"
    if result.proof is None:
        answer.status = AnswerStatus.UNIQUE
        answer.certificate = Certificate(kind="none", checked=False, claim=claim)
        return
    certificate = _checked_certificate(instance, options, encoder, encoder.hard, result.proof, [blocking], claim, clock)
    if certificate.checked:  # a proof not checked in time leaves the answer `solved`
        answer.certificate = certificate
        answer.status = AnswerStatus.UNIQUE


def _optimality_certificate(
    instance: PartitionInstance, options: SolveOptions, answer: Answer, clock: Clock
) -> Certificate:
    """Refute "fewer than `violations` samples violated" on the CNF with a totalizer bound."""
    violations = answer.violations or 0
    if violations == 0:
        return Certificate(kind="solution", checked=True, claim="0 violations is optimal by definition")
    claim = f"a solution with at most {violations - 1} violated samples exists"
    encoder = PartitionToMaxSat(clock.deadline())
    try:
        encoder.forward(instance)
        cnf = encoder.optimality_cnf(violations)
    except TimeLimitReached:
        return _unrefuted(Status.UNKNOWN, claim)
    certificate = _refute(instance, options, encoder, cnf, [], claim, clock)
    if not certificate.checked:  # keep the verified solution as the certificate of what was found
        certificate.kind = "none"
    return certificate


def _solve_cnf(cnf: CNF, options: SolveOptions, clock: Clock, proof: bool) -> SolveResult:
    """Certifying solves use the requested pysat solver when it logs proofs, else CaDiCaL 1.9.5."""
    chosen = options.solver if options.backend == "pysat" and options.solver else DEFAULT_SOLVER
    solver = chosen if can_log_proofs(chosen) or not proof else DEFAULT_SOLVER
    return PysatBackend(solver).solve(cnf, _limits(options, clock, proof=proof))


def _refute(
    instance: PartitionInstance,
    options: SolveOptions,
    encoder: PartitionToCnf,
    cnf: CNF,
    extra: list[list[int]],
    claim: str,
    clock: Clock,
) -> Certificate:
    """Solve `cnf + extra` with proof logging; a checked DRUP proof if UNSAT, else an unchecked `none`."""
    result = _solve_cnf(CNF(from_clauses=[*cnf.clauses, *extra], by_ref=True), options, clock, proof=True)
    if result.status is not Status.UNSATISFIABLE or result.proof is None:
        return _unrefuted(result.status, claim)
    return _checked_certificate(instance, options, encoder, cnf, result.proof, extra, claim, clock)


def _unrefuted(status: Status, claim: str) -> Certificate:
    """No refutation of `claim`: the solver's verdict was `status` (unknown if the encoding ran out of time)."""
    return Certificate(kind="none", checked=False, claim=f"not refuted ({status.value}): {claim}")


def _checked_certificate(
    instance: PartitionInstance,
    options: SolveOptions,
    encoder: PartitionToCnf | PartitionToFastCnf,
    cnf: CNF,
    proof_lines: list[str],
    extra: list[list[int]],
    claim: str,
    clock: Clock,
) -> Certificate:
    return checked_drup_certificate(
        [*cnf.clauses, *extra], proof_lines, Checker(options.checker), claim=claim, encoder=encoder,
        instance_sha256=instance.sha256, embed_cnf=options.embed_cnf, extra=extra, seconds=clock.left() + CHECK_GRACE_S,
    )  # fmt: skip


# ---------------------------------------------------------------- problem kinds


@dataclass(frozen=True)
class Kind:
    """A problem kind as the CLI and the service see it: parse JSON, solve, describe."""

    name: str
    parse: Callable[[Any], Any]
    solve: Callable[[Any, SolveOptions], BaseModel]
    schema: Callable[[], dict[str, Any]]
    summary: str


def kinds() -> dict[str, Kind]:
    """Every registered problem kind by name; new kinds add one entry here."""
    from problems.lsa.instance import LsaSpec, lsa_from_dict
    from problems.partition import PartitionSpec, instance_from_dict
    from solvers.lsa_pipeline import solve_lsa

    return {
        "partition": Kind(
            name="partition",
            parse=instance_from_dict,
            solve=solve,
            schema=PartitionSpec.model_json_schema,
            summary="partition recovery: class maps c_i and a table g with y = g(c_1(x_1), ..., c_I(x_I))",
        ),
        "lsa": Kind(
            name="lsa",
            parse=lsa_from_dict,
            solve=solve_lsa,
            schema=LsaSpec.model_json_schema,
            summary="LSA parameter recovery: (b, A) with φ(b, A) = X on a grid, within ε, or the best fit to X*",
        ),
    }


def get_kind(name: str) -> Kind:
    registered = kinds()
    if name not in registered:
        raise UnknownKind(f"no problem kind {name!r}; known: {', '.join(registered)}", "kind")
    return registered[name]


def solve_json(data: Any, options: SolveOptions | None = None) -> BaseModel:
    """Parse a JSON instance of any registered kind (by its `kind` field) and solve it."""
    kind = data.get("kind", "partition") if isinstance(data, dict) else "partition"
    entry = get_kind(kind)
    return entry.solve(entry.parse(data), options or SolveOptions())
