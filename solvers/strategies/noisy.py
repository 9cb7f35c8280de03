"""The noisy strategy: a robust warm start, an independently verified answer, and a certified lower bound.

For `max_violations: k` or `"minimize"`:
1. `problems.noisy_search.robust_local_search` (spectral start with two groups, mean-field and random restarts,
   best-response descent) finds a partition; the majority label of each reached cell is its table.
2. `problems.verify.verify_partition` recounts the violated samples (`violated`, `violations`).
3. `solvers.violation_bounds.prove_lower_bound` looks for sample-disjoint parts with checked DRUP refutations; their
   bounds add up to `lower_bound`.
Status: `solved` when k is met (no bound needed); `optimal` ("minimize") when the bound meets the violations;
`infeasible` (k) when the bound exceeds k; otherwise `solved` ("minimize") or `unknown` (k) with the best partition,
`lower_bound` and `gap`. Exact instances (k = 0) named `noisy` go to the `fast` strategy. See docs/noisy.md.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from problems.answers import Answer, AnswerStatus, BoundCertificate, Certificate, SolveOptions, TableEntry
from problems.cells import sample_cells
from problems.errors import VerificationFailed
from problems.heuristics import majority_table
from problems.noisy_search import descend_from, robust_local_search
from problems.partition import PartitionInstance
from problems.verify import canonical_classes, constrained_mask, verify_partition
from reductions.partition_part_to_cnf import PartitionPartToCnf
from solvers.base import Backend
from solvers.proofs import Checker
from solvers.registry import get_backend
from solvers.run import Clock, Progress
from solvers.violation_bounds import prove_lower_bound

WARM_START_SHARE = 0.4  # of the time limit, at most (the search stops earlier once restarts agree)
MAX_IMPROVEMENTS = 20  # rounds of "model of fewer violations → descent → new bound search"
BOUND_END_SHARE = 0.9  # the lower-bound search ends by this share of the time limit (answering takes the rest)


@dataclass(frozen=True)
class NoisyStrategy:
    """Noisy recovery (`max_violations` k > 0 or "minimize"): a robust warm start, the verifier's count, and a
    lower bound proven by DRUP refutations on a PySAT solver (`solver`, default CaDiCaL 1.9.5)."""

    name: ClassVar[str] = "noisy"
    kind: ClassVar[str] = "partition"
    instances: ClassVar[str] = "noisy"
    backends: ClassVar[tuple[str, ...]] = ("pysat",)
    targets: ClassVar[frozenset[str]] = frozenset({"cnf"})
    solver: str | None = None

    def run(self, instance: PartitionInstance, options: SolveOptions, clock: Clock, progress: Progress) -> Answer:
        backend = get_backend(self.backends[0], self.solver, self.targets)  # built once: every part's refutation
        return solve_noisy(instance, options, clock, progress, backend)


def solve_noisy(
    instance: PartitionInstance, options: SolveOptions, clock: Clock, progress: Progress, backend: Backend
) -> Answer:
    """The verified answer for a noisy instance within what `clock` has left."""
    start, limit = clock.start, clock.seconds
    warm_s = WARM_START_SHARE * clock.left()
    progress("warm-start")
    classes, _, search = robust_local_search(instance, warm_s, seed=options.seed)
    warm_done = time.perf_counter()
    bound = instance.max_violations
    allowed = instance.n_samples if bound == "minimize" else int(bound)
    answer = verified_answer(instance, classes, AnswerStatus.SOLVED, instance.n_samples)
    assert answer.violations is not None
    stats: dict[str, Any] = {
        "backend": "noisy", "strategy": "noisy", "solver": backend.solver, "warm_start_s": round(warm_done - start, 4),
    }  # fmt: skip
    stats.update(search)
    if answer.violations <= allowed and bound != "minimize":
        answer.certificate = Certificate(kind="solution", checked=True, claim=f"at most {allowed} violations")
    elif answer.violations == 0:
        answer.status = AnswerStatus.OPTIMAL
        answer.certificate = Certificate(kind="solution", checked=True, claim="0 violations is optimal by definition")
        answer.lower_bound, answer.gap = 0, 0
    else:
        progress("proof")
        bound_end = start + BOUND_END_SHARE * limit
        answer = _settle_with_bound(instance, options, answer, BoundSearch(bound_end, backend), stats)
    answer.stats = {**stats, **answer.stats}
    return answer


def _improved(instance: PartitionInstance, answer: Answer, better: list[np.ndarray] | None, seed: int) -> Answer | None:
    """The answer for a model of "fewer violations" (after a descent), if it verifies with fewer violations."""
    if better is None:
        return None
    classes, _ = descend_from(instance, better, np.random.default_rng(seed), np.inf)
    candidate = verified_answer(instance, classes, AnswerStatus.SOLVED, instance.n_samples)
    assert candidate.violations is not None and answer.violations is not None
    return candidate if candidate.violations < answer.violations else None


@dataclass(frozen=True)
class BoundSearch:
    """Where the lower-bound search ends (a `time.perf_counter()` value) and the backend it refutes parts with."""

    deadline: float
    backend: Backend


def _settle_with_bound(
    instance: PartitionInstance, options: SolveOptions, answer: Answer, search: BoundSearch, stats: dict[str, Any]
) -> Answer:
    """Look for a certified lower bound, then set the status from it (see the module docstring)."""
    assert answer.violations is not None and answer.violated is not None
    certificate = BoundCertificate(
        encoder=PartitionPartToCnf.name, encoder_version=PartitionPartToCnf.version, instance_sha256=instance.sha256
    )
    began = time.perf_counter()
    for _ in range(MAX_IMPROVEMENTS if options.proof else 0):
        violated = np.zeros(instance.n_samples, dtype=bool)
        violated[answer.violated] = True
        certificate, better = prove_lower_bound(
            instance, violated, search.deadline, Checker(options.checker), options.seed, search.backend
        )
        improved = _improved(instance, answer, better, options.seed)
        if improved is None:
            break
        answer, stats["improvements"] = improved, stats.get("improvements", 0) + 1
    stats.update(bound_s=round(time.perf_counter() - began, 4), bound_parts=len(certificate.parts))
    lower = certificate.bound
    if lower > answer.violations:
        raise VerificationFailed(f"a proven lower bound {lower} exceeds the violations of a verified partition")
    answer.lower_bound, answer.gap = lower, answer.violations - lower
    answer.lower_bound_certificate = certificate if certificate.parts else None
    claim = f"every partition violates at least {lower} samples (see lower_bound_certificate)"
    if instance.max_violations != "minimize" and answer.violations <= int(instance.max_violations):
        answer.certificate = Certificate(kind="solution", checked=True, claim=f"{claim}; gap {answer.gap}")
    elif instance.max_violations == "minimize":
        if answer.gap == 0:
            answer.status = AnswerStatus.OPTIMAL
            answer.certificate = Certificate(kind="violation-bound", checked=True, claim=claim)
        else:
            answer.certificate = Certificate(kind="solution", checked=True, claim=f"{claim}; gap {answer.gap}")
    elif lower > int(instance.max_violations):
        answer.status = AnswerStatus.INFEASIBLE
        answer.certificate = Certificate(kind="violation-bound", checked=True, claim=claim)
        answer.classes = answer.table = answer.unconstrained = answer.violated = None
        answer.violations = None
    else:
        answer.status = AnswerStatus.UNKNOWN
        explained = instance.n_samples - answer.violations
        answer.certificate = Certificate(
            kind="partial", checked=True, claim=f"explains {explained} of {instance.n_samples} samples"
        )
        answer.message = f"the best partition found violates {answer.violations} samples, more than allowed"
    return answer


def verified_answer(
    instance: PartitionInstance, classes: list[np.ndarray], status: AnswerStatus, allowed: int
) -> Answer:
    """Canonical classes, the majority table of the reached cells, and the verifier's count of violated samples."""
    masks = constrained_mask(instance)
    canonical = canonical_classes(classes, masks)
    cells = sample_cells(instance.tokens, [np.asarray(c, dtype=np.int64) for c in canonical], instance.budgets)
    table = majority_table(instance, cells)
    reached = np.unique(cells)
    entries = [
        (tuple(int(k) for k in np.unravel_index(int(c), instance.budgets)), instance.label_values[int(table[c])])
        for c in reached
    ]
    verdict = verify_partition(instance, canonical, entries, allowed)
    if not verdict.ok:
        raise VerificationFailed(f"the noisy strategy's partition does not verify: {verdict.reason}")
    return Answer(
        status=status,
        classes=canonical,
        table=[TableEntry(cell=list(cell), label=label) for cell, label in entries],
        unconstrained=[np.flatnonzero(~mask).tolist() for mask in masks],
        violations=len(verdict.violated),
        violated=verdict.violated,
        certificate=Certificate(kind="solution", checked=True),
    )
