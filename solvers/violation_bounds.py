"""Certified lower bounds on the violations of noisy partition recovery: sample-disjoint parts, each with a DRUP proof.

A part is a set S of samples and a bound b: its certificate is a DRUP refutation of `PartitionPartToCnf` on (S, b),
which says that no partition violates fewer than b samples of S. Parts are disjoint, so every partition of the
instance violates at least Σ b samples (docs/noisy.md gives the proof). `prove_lower_bound` searches for parts within
a deadline; `check_bound_certificate` re-checks a certificate from the instance alone.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from problems.answers import Answer, AnswerStatus, BoundCertificate, BoundPart
from problems.errors import TimeLimitReached, UnknownKind
from problems.partition import PartitionInstance
from problems.verify import verify_partition
from reductions.partition_part_to_cnf import PartitionPartToCnf
from reductions.partition_to_cnf import cardinality_clauses_estimate
from reductions.registry import ReductionEntry, get_reduction
from solvers.base import Backend, Limits, Status
from solvers.certify import drup_certificate
from solvers.proofs import Checker, check_proof, dimacs, sha256_text

# Beyond this many clauses (samples × cells + cardinality network) a part's CNF is not built: the encoding alone
# would take seconds and hundreds of MB; at N = 1000, c = 8 (55k samples, 27 cells) it is 1.5M clauses.
MAX_PART_CLAUSES = 3_000_000
# The refutation of "fewer than b violations" over many samples is rarely found (N = 30, c = 8, ε = 1%, 49k
# clauses: no answer in 1.1M conflicts; N = 100: none in 90 s), so it is only tried below this size, with a third
# of the budget; at N = 100 the time goes to the b = 1 parts instead (the bound stayed 2 on 2 seeds either way).
MONOLITHIC_MAX_CLAUSES = 50_000
MIN_ATTEMPT_S = 0.5  # a refutation attempt with less time left than this is not started


@dataclass(frozen=True)
class PartProver:
    """Refutes "fewer than b of these samples violated" on one instance, with one CNF backend (built once per
    solve) and one proof checker."""

    instance: PartitionInstance
    checker: Checker
    backend: Backend

    def prove(self, samples: Sequence[int], at_least: int, deadline: float) -> BoundPart | list[np.ndarray] | None:
        """A checked part before `deadline`; or, when the CNF is satisfiable, the model's class maps (unverified;
        tokens outside the part get class 0); or None."""
        return prove_part(self, samples, at_least, deadline)


def prove_lower_bound(
    instance: PartitionInstance,
    violated: np.ndarray,
    deadline: float,
    checker: Checker = Checker.AUTO,
    seed: int = 0,
    backend: Backend | None = None,
) -> tuple[BoundCertificate, list[np.ndarray] | None]:
    """Sample-disjoint parts with checked proofs, found before `deadline` (a `time.perf_counter()` value).

    `violated`: bool array (n,), the samples a known partition violates; a part can only need violations where
    that partition has some, so they steer the search. Steps: pairs of samples with equal tokens and different
    labels (b = 1 each); on the rest R, "at least |violated ∩ R|" when R is small; else R with b = 1, then halves
    of proven parts, each half with b = 1, as long as both halves are refuted in time. When the small R turns out
    to allow fewer violations, the solver's model is returned instead (class maps, to be verified by the caller):
    the search is then also the exact improvement step. `backend`: a CNF backend that logs DRUP proofs (default
    PySAT's CaDiCaL).
    """
    from solvers.registry import get_backend

    prover = PartProver(instance, checker, backend or get_backend("pysat"))
    certificate = BoundCertificate(
        encoder=PartitionPartToCnf.name, encoder_version=PartitionPartToCnf.version, instance_sha256=instance.sha256
    )
    everything = np.arange(instance.n_samples)
    whole, better = _prove_at_once(prover, everything, violated, deadline)
    if whole is not None or better is not None:
        certificate.parts.extend([whole] if whole is not None else [])
        return certificate, better
    pairs = contradictory_pairs(instance)
    rest = np.setdiff1d(np.arange(instance.n_samples), np.asarray(pairs, dtype=np.int64).reshape(-1))
    for pair in pairs:
        part = prover.prove(pair, 1, deadline)
        if part is not None:
            certificate.parts.append(part)
    parts, better = _bound_rest(prover, rest, violated, deadline, seed)
    certificate.parts.extend(parts)
    certificate.checker = "rup" if checker is Checker.AUTO else checker.value
    return certificate, better


def contradictory_pairs(instance: PartitionInstance) -> list[list[int]]:
    """Disjoint pairs of samples with the same tokens and different labels: each pair needs one violation."""
    order = np.lexsort(instance.tokens.T[::-1])
    tokens = instance.tokens[order]
    starts = np.flatnonzero(np.concatenate(([True], np.any(tokens[1:] != tokens[:-1], axis=1))))
    ends = np.append(starts[1:], len(order))
    pairs: list[list[int]] = []
    for begin, end in zip(starts.tolist(), ends.tolist(), strict=True):
        if end - begin > 1 and np.unique(instance.label_ids[order[begin:end]]).size > 1:
            pairs.extend(_disjoint_differing_pairs(order[begin:end].tolist(), instance.label_ids))
    return pairs


def _disjoint_differing_pairs(samples: list[int], labels: np.ndarray) -> list[list[int]]:
    """As many disjoint pairs with different labels as the label counts allow (always pair off the largest)."""
    by_label: dict[int, list[int]] = {}
    for s in samples:
        by_label.setdefault(int(labels[s]), []).append(s)
    pairs = []
    while sum(1 for group in by_label.values() if group) > 1:
        first, second = sorted(by_label, key=lambda v: -len(by_label[v]))[:2]
        pairs.append(sorted([by_label[first].pop(), by_label[second].pop()]))
    return pairs


def _bound_rest(
    prover: PartProver, rest: np.ndarray, violated: np.ndarray, deadline: float, seed: int
) -> tuple[list[BoundPart], list[np.ndarray] | None]:
    instance = prover.instance
    if int(violated[rest].sum()) == 0 or rest.size == 0:
        return [], None
    if rest.size < instance.n_samples:  # (the whole instance was tried already)
        whole, better = _prove_at_once(prover, rest, violated, deadline)
        if whole is not None or better is not None:
            return [whole] if whole is not None else [], better
    cells = int(np.prod(instance.budgets))
    if rest.size * cells > MAX_PART_CLAUSES:
        return [], None
    first = prover.prove(rest.tolist(), 1, deadline)
    if not isinstance(first, BoundPart):
        return [], None
    return _split_proven(prover, first, violated, deadline, seed), None


def _prove_at_once(
    prover: PartProver, samples: np.ndarray, violated: np.ndarray, deadline: float
) -> tuple[BoundPart | None, list[np.ndarray] | None]:
    """On a small part, "at least |violated ∩ part|" with a third of the time left: a part, or a model with fewer
    (the rest of the time goes to the b = 1 parts, which succeed far more often)."""
    need = int(violated[samples].sum())
    cells = int(np.prod(prover.instance.budgets))
    if need < 1 or samples.size * cells + cardinality_clauses_estimate(samples.size, need - 1) > MONOLITHIC_MAX_CLAUSES:
        return None, None
    share = time.perf_counter() + (deadline - time.perf_counter()) / 3
    outcome = prover.prove(samples.tolist(), need, share)
    if isinstance(outcome, BoundPart):
        return outcome, None
    return None, outcome


def _split_proven(
    prover: PartProver, part: BoundPart, violated: np.ndarray, deadline: float, seed: int
) -> list[BoundPart]:
    """Replace proven parts by two proven halves while both halves are refuted in time (each split adds 1)."""
    rng = np.random.default_rng(seed)
    done: list[BoundPart] = []
    queue = [part]
    while queue:
        current = queue.pop(0)
        halves = _halves(np.asarray(current.samples), violated, rng)
        proven = [] if halves is None else [prover.prove(h.tolist(), 1, deadline) for h in halves]
        if proven and all(isinstance(p, BoundPart) for p in proven):
            queue.extend(p for p in proven if isinstance(p, BoundPart))
        else:
            done.append(current)
        if time.perf_counter() >= deadline:
            done.extend(queue)
            break
    return done


def _halves(samples: np.ndarray, violated: np.ndarray, rng: np.random.Generator) -> list[np.ndarray] | None:
    """Two random halves that each hold some of the known violated samples (else a half is satisfiable)."""
    bad, good = samples[violated[samples]], samples[~violated[samples]]
    if bad.size < 2:
        return None
    bad, good = rng.permutation(bad), rng.permutation(good)
    return [
        np.sort(np.concatenate([bad[: bad.size // 2], good[: good.size // 2]])),
        np.sort(np.concatenate([bad[bad.size // 2 :], good[good.size // 2 :]])),
    ]


def prove_part(
    prover: PartProver, samples: Sequence[int], at_least: int, deadline: float
) -> BoundPart | list[np.ndarray] | None:
    """`PartProver.prove`: refute "fewer than `at_least` of `samples` violated" before `deadline`."""
    instance, checker = prover.instance, prover.checker
    left = deadline - time.perf_counter()
    if left < MIN_ATTEMPT_S:
        return None
    encoder = PartitionPartToCnf(deadline)
    try:
        cnf = encoder.forward_part(instance, samples, at_least)
    except TimeLimitReached:
        return None
    result = prover.backend.solve(cnf, Limits(seconds=deadline - time.perf_counter(), proof=True))
    if result.status is Status.SATISFIABLE:
        return [np.asarray(c, dtype=np.int64) for c in encoder.backward(result.assignment).classes]
    if result.status is not Status.UNSATISFIABLE or result.proof is None:
        return None
    certificate = drup_certificate(
        cnf.clauses, result.proof, checker, claim="", encoder=encoder, instance_sha256=instance.sha256,
        embed_cnf=False, seconds=max(deadline - time.perf_counter(), MIN_ATTEMPT_S),
    )  # fmt: skip
    if not certificate.checked:
        return None
    assert certificate.cnf_sha256 is not None and certificate.proof is not None
    return BoundPart(
        samples=list(map(int, samples)), at_least=at_least, cnf_sha256=certificate.cnf_sha256,
        proof=certificate.proof, checked=True,
    )  # fmt: skip


def check_bound_certificate(
    instance: PartitionInstance, certificate: BoundCertificate, checker: Checker = Checker.AUTO
) -> tuple[bool, str]:
    """Re-check every part from the instance alone: disjoint, regenerated CNF hashes to `cnf_sha256`, proof valid."""
    if certificate.instance_sha256 != instance.sha256:
        return False, "the bound certificate is for another instance (instance_sha256 differs)"
    entry = _part_encoding(certificate.encoder)
    if entry is None or certificate.encoder_version != entry.version:
        return False, f"unknown part encoder {certificate.encoder!r} version {certificate.encoder_version!r}"
    seen = Counter(s for part in certificate.parts for s in part.samples)
    if any(count > 1 for count in seen.values()):
        return False, "the bound's parts share samples: their bounds do not add up"
    for index, part in enumerate(certificate.parts):
        try:
            cnf = entry.build().forward_part(instance, part.samples, part.at_least)
        except (ValueError, IndexError, OverflowError) as exc:  # a malformed part is a rejection, not a crash
            return False, f"part {index}: {exc}"
        text = dimacs(cnf.clauses)
        if sha256_text(text) != part.cnf_sha256:
            return False, f"part {index}: the regenerated CNF does not match cnf_sha256"
        valid, used = check_proof(text, part.proof, checker)
        if not valid:
            return False, f"part {index}: the DRUP proof is rejected by the {used} checker"
    return True, f"{len(certificate.parts)} disjoint parts prove at least {certificate.bound} violations"


BOUND_KIND = "violation-bound"


def _part_encoding(name: str) -> ReductionEntry | None:
    """The registered encoding of sample parts into CNFs named `name`, if there is one."""
    try:
        entry = get_reduction(name)
    except UnknownKind:
        return None
    return entry if entry.source == "partition-part" and entry.target == "cnf" else None


def check_violation_claims(
    instance: PartitionInstance, answer: Answer, checker: Checker = Checker.AUTO
) -> tuple[bool, str] | None:
    """Re-check a noisy answer's `violated`, `lower_bound`, `gap` and a `violation-bound` status certificate; None
    when the answer makes none of these claims. Call after the solution itself has been verified."""
    kind = answer.certificate.kind if answer.certificate else None
    if answer.violated is None and answer.lower_bound is None and kind != BOUND_KIND:
        return None
    if answer.violated is not None:
        if answer.classes is None:
            return False, "`violated` is listed without a partition"
        table = [(entry.cell, entry.label) for entry in answer.table or []]
        verdict = verify_partition(instance, answer.classes, table, instance.n_samples)
        if verdict.violated != sorted(answer.violated):
            return False, "`violated` differs from the samples the partition violates"
    lower = answer.lower_bound or 0
    certificate = answer.lower_bound_certificate
    if (certificate.bound if certificate else 0) != lower:
        return False, f"lower_bound {lower} is not the bound its certificate proves"
    if answer.lower_bound is None and answer.gap is not None:
        return False, "a gap needs the lower_bound it is measured from"
    if answer.lower_bound is not None and answer.violations is None and certificate is None:
        return False, "a lower_bound without a partition needs its certificate"
    claimed = answer.lower_bound is not None and answer.violations is not None
    if claimed and (lower > answer.violations or answer.gap != answer.violations - lower):
        return False, "lower_bound and gap do not fit the verified violations"
    if kind == BOUND_KIND and not _status_follows(instance, answer, lower):
        return False, f"a lower bound of {lower} does not make the answer {answer.status.value}"
    if certificate is None:
        return True, "violated samples recounted"
    return check_bound_certificate(instance, certificate, checker)


def _status_follows(instance: PartitionInstance, answer: Answer, lower: int) -> bool:
    if answer.status is AnswerStatus.OPTIMAL:
        return instance.max_violations == "minimize" and answer.violations == lower
    if answer.status is AnswerStatus.INFEASIBLE:
        return isinstance(instance.max_violations, int) and lower > instance.max_violations
    return False
