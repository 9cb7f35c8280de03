"""Re-check a partition answer from scratch: the status it claims decides what it must prove, nothing else.

`REQUIRED` maps each status to the evidence it needs on a given instance (README "Certificates" has the same
table). The evidence is derived from the instance and the claimed status alone: the CNF a proof must refute is
rebuilt by the named encoder, the clauses a status adds (the blocking clause of `unique`, the bound of `optimal`)
are rebuilt from the answer's classes and violation count, and every count is recounted on the raw samples.
Anything the table does not ask for (a stray certificate field, an alternative where none is defined, an encoder
the status cannot use) is rejected. A rejection is a one-line reason; `latentsat check` prints it and exits 1.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pysat.formula import CNF

from problems.answers import Answer, AnswerStatus
from problems.errors import UnknownKind
from problems.neighbours import induced_table, is_distinct_label_witness
from problems.partition import PartitionInstance, PartitionSolution
from problems.verify import canonical_classes, constrained_mask, verify_partition
from reductions.partition_to_cnf import PartitionToCnf, PartitionToMaxSat
from reductions.partition_to_fast_cnf import PartitionToFastCnf
from reductions.registry import ReductionEntry, get_reduction
from solvers.check_solutions import check_solution_list
from solvers.clique import clique_rejection
from solvers.proofs import Checker
from solvers.refutation import Rejected, check_refutation, require, require_kind
from solvers.violation_bounds import BOUND_KIND, check_violation_claims

Solution = Literal["none", "within bound", "exact", "any"]
Refutes = Literal["encoding", "rivals", "other solutions", "fewer violations"]
DIRECT, FAST, MAXSAT = PartitionToCnf.name, PartitionToFastCnf.name, PartitionToMaxSat.name


@dataclass(frozen=True)
class CheckReport:
    """The verdict of `check_answer`, with the reason when it fails."""

    ok: bool
    reason: str
    checker: str = ""
    check_s: float = 0.0


@dataclass(frozen=True)
class Requirement:
    """What one status needs on one instance.

    `solution`: classes and table absent (`none`), explaining all but `max_violations` samples (`within bound`),
    every sample (`exact`), or optional and recounted (`any`). `kinds`: the certificate kinds admitted (None: no
    certificate). `refutes`: the CNF a `drup` certificate must refute, made by one of `encoders`.
    """

    solution: Solution
    kinds: tuple[str | None, ...]
    refutes: Refutes | None = None
    encoders: tuple[str, ...] = ()
    alternative: bool = False
    why: str = ""


def _solved(instance: PartitionInstance, answer: Answer) -> Requirement:
    if answer.count_exact:  # `all: M` found fewer: no solution beyond the listed ones (docs/encodings.md, Claim 4)
        why = "count_exact needs a refutation of any solution beyond the listed ones"
        return Requirement("exact", ("drup",), "other solutions", (DIRECT, FAST), alternative=True, why=why)
    return Requirement("within bound", ("solution",), alternative=instance.max_violations == 0)


def _unique(instance: PartitionInstance, answer: Answer) -> Requirement:
    require(instance.max_violations == 0, "uniqueness is defined for exact recovery only (max_violations 0)")
    return Requirement("exact", ("drup",), "rivals", (DIRECT, FAST))


def _infeasible(instance: PartitionInstance, answer: Answer) -> Requirement:
    require(instance.max_violations != "minimize", "under max_violations 'minimize' every instance has a solution")
    if instance.max_violations == 0:  # the implied clauses of the fast encoding assume no violations
        return Requirement("none", ("drup", "pigeonhole", "clique"), "encoding", (DIRECT, FAST))
    why = "counting distinct labels proves nothing when samples may be violated"
    return Requirement("none", ("drup", BOUND_KIND), "encoding", (DIRECT,), why=why)


def _optimal(instance: PartitionInstance, answer: Answer) -> Requirement:
    require(instance.max_violations == "minimize", "optimal answers belong to max_violations 'minimize'")
    if answer.violations == 0:  # nothing is below 0
        return Requirement("any", ("solution",))
    fewer = f"a refutation of {(answer.violations or 1) - 1} or fewer violated samples"
    return Requirement("any", ("drup", BOUND_KIND), "fewer violations", (MAXSAT,), why=fewer)


def _unknown(instance: PartitionInstance, answer: Answer) -> Requirement:
    if answer.classes is not None:
        return Requirement("any", ("partial",))
    if answer.certificate is None or answer.certificate.kind != "drup":
        return Requirement("none", (None, "none"))
    # a refutation not checked before the answer (solvers/claims.py): it must check now, as for `infeasible`
    infeasible = _infeasible(instance, answer)
    return Requirement("none", ("drup",), "encoding", infeasible.encoders, why=infeasible.why)


REQUIRED: dict[AnswerStatus, Callable[[PartitionInstance, Answer], Requirement]] = {
    AnswerStatus.SOLVED: _solved,
    AnswerStatus.UNIQUE: _unique,
    AnswerStatus.INFEASIBLE: _infeasible,
    AnswerStatus.OPTIMAL: _optimal,
    AnswerStatus.UNKNOWN: _unknown,
}


def check_answer(instance: PartitionInstance, answer: Answer, checker: Checker = Checker.AUTO) -> CheckReport:
    """Accept the answer only if it carries exactly the evidence its status needs on `instance`, and it checks."""
    return timed_report(_check, instance, answer, checker)


def timed_report(check: Callable[[Any, Any, Checker], tuple[str, str]], *args: Any) -> CheckReport:
    """`check(instance, answer, checker)` → (reason, checker used) as a `CheckReport`; `Rejected` is a rejection."""
    start = time.perf_counter()
    try:
        reason, used = check(*args)
    except Rejected as exc:
        return CheckReport(False, str(exc), check_s=round(time.perf_counter() - start, 4))
    return CheckReport(True, reason, used, round(time.perf_counter() - start, 4))


def _check(instance: PartitionInstance, answer: Answer, checker: Checker) -> tuple[str, str]:
    status = answer.status.value
    needs = REQUIRED[answer.status](instance, answer)
    _check_solution(instance, answer, needs.solution)
    require(needs.alternative or answer.alternative is None, f"{status} cannot carry an alternative here")
    if answer.alternative is not None:
        _check_alternative(instance, answer)
    noisy_fields = (answer.violated, answer.lower_bound, answer.gap, answer.lower_bound_certificate)
    exact_ok = instance.max_violations != 0 or all(value is None for value in noisy_fields)
    require(exact_ok, "violated, lower_bound and gap belong to noisy instances (max_violations ≠ 0)")
    claims = check_violation_claims(instance, answer, checker)  # violated, lower_bound, gap (docs/noisy.md)
    require(claims is None or claims[0], claims[1] if claims else "")
    check_solution_list(instance, answer)  # `all: M`: solutions, count_exact, ambiguous
    kind = require_kind(answer.certificate, needs.kinds, status, needs.why)
    if kind == "pigeonhole":
        _check_pigeonhole(instance, answer)
        return "more distinct labels than cells: infeasible by counting", ""
    if kind == "clique":
        assert answer.certificate is not None
        reason = clique_rejection(instance, answer.certificate)
        require(reason is None, reason or "")
        return f"K_i + 1 tokens of group {answer.certificate.group} pairwise forced apart: infeasible", ""
    if kind == BOUND_KIND:
        assert claims is not None  # a violation-bound status certificate is always re-derived from its bound
        return f"{status}: {claims[1]}", checker.value
    if kind == "drup":
        assert answer.certificate is not None and needs.refutes is not None
        encoder, clauses, extra = _rebuild(instance, answer, needs)
        used = check_refutation(answer.certificate, clauses, encoder, instance.sha256, extra, checker)
        solution = "solution verified, " if answer.classes is not None else ""
        proven = " (so the instance is infeasible)" if answer.status is AnswerStatus.UNKNOWN else ""
        return f"{status}: {solution}refutation of {needs.refutes} accepted by the {used} checker{proven}", used
    if answer.classes is None:
        return f"{status}: nothing claimed beyond the status", ""
    return f"{status}: solution verified against every sample ({answer.violations} violated)", ""


def _check_solution(instance: PartitionInstance, answer: Answer, solution: Solution) -> None:
    status = answer.status.value
    if solution == "none" or (solution == "any" and answer.classes is None):
        fields = {"classes": answer.classes, "table": answer.table, "violations": answer.violations}
        present = [name for name, value in fields.items() if value is not None]
        require(not present, f"{status} carries no solution here, but this one has {', '.join(present)}")
        require(answer.unconstrained is None, f"{status} carries no solution here, but this one has unconstrained")
        return
    require(answer.classes is not None and answer.table is not None, f"{status} needs classes and a table")
    require(answer.violations is not None, f"{status} needs its violation count")
    assert answer.classes is not None and answer.table is not None
    table = [(entry.cell, entry.label) for entry in answer.table]
    verdict = verify_partition(instance, answer.classes, table, allowed_violations=instance.n_samples)
    require(verdict.ok, f"solution rejected: {verdict.reason}")
    recount = len(verdict.violated)
    require(answer.violations == recount, f"answer claims {answer.violations} violations, samples show {recount}")
    bound = {"exact": 0, "any": instance.n_samples}.get(solution, _bound(instance))
    require(recount <= bound, f"{status} allows {bound} violated samples here; the samples show {recount}")
    masks = constrained_mask(instance)
    require(answer.classes == canonical_classes(answer.classes, masks), "classes are not in canonical form")
    _check_table_cells(instance, answer.classes, [entry.cell for entry in answer.table])
    unconstrained = [np.flatnonzero(~mask).tolist() for mask in masks]
    require(answer.unconstrained in (None, unconstrained), "unconstrained does not list the tokens in no sample")


def _bound(instance: PartitionInstance) -> int:
    mv = instance.max_violations
    return instance.n_samples if mv == "minimize" else int(mv)


def _check_table_cells(instance: PartitionInstance, classes: list[list[int]], cells: list[list[int]]) -> None:
    """Each cell once, and only cells that some sample reaches (SPEC: the others stay unset)."""
    keys = [tuple(cell) for cell in cells]
    require(len(set(keys)) == len(keys), "the table lists a cell twice")
    flat = np.zeros(instance.n_samples, dtype=np.int64)
    for i, group_classes in enumerate(classes):
        flat = flat * instance.budgets[i] + np.asarray(group_classes, dtype=np.int64)[instance.tokens[:, i]]
    reached = set(np.unique(flat).tolist())
    for cell in keys:
        index = int(np.ravel_multi_index(cell, instance.budgets))
        require(index in reached, f"the table sets cell {list(cell)}, which no sample reaches")


def _check_alternative(instance: PartitionInstance, answer: Answer) -> None:
    """A non-uniqueness witness: canonical, explains every sample, and another partition than the answer's."""
    assert answer.alternative is not None
    try:
        table = induced_table(instance, [np.asarray(c, dtype=np.int64) for c in answer.alternative])
    except (ValueError, IndexError, OverflowError, TypeError):
        raise Rejected("alternative rejected: its class maps do not fit the instance's groups") from None
    entries = [(cell, instance.label_values[v]) for cell, v in (table or {}).items()]
    require(
        table is not None and verify_partition(instance, answer.alternative, entries, 0).ok,
        "alternative rejected: it does not explain every sample",
    )
    masks = constrained_mask(instance)
    canonical = canonical_classes(answer.alternative, masks)
    require(answer.alternative == canonical, "alternative rejected: not in canonical form")
    require(
        answer.classes is None or canonical != canonical_classes(answer.classes, masks),
        "alternative rejected: it is the answer's own partition",
    )


def _check_pigeonhole(instance: PartitionInstance, answer: Answer) -> None:
    certificate = answer.certificate
    assert certificate is not None
    require(certificate.instance_sha256 == instance.sha256, "instance_sha256 is not this instance's hash")
    require(
        is_distinct_label_witness(instance, certificate.samples or []),
        "pigeonhole rejected: the samples are not ΠK_i + 1 samples with pairwise different labels",
    )


def cnf_encoding(name: str) -> ReductionEntry | None:
    """The registered encoding of partition instances into a CNF (or WCNF) named `name`, if there is one."""
    try:
        entry = get_reduction(name)
    except UnknownKind:
        return None
    return entry if entry.source == "partition" and entry.target in ("cnf", "wcnf") else None


def _rebuild(
    instance: PartitionInstance, answer: Answer, needs: Requirement
) -> tuple[PartitionToCnf | PartitionToFastCnf, list[list[int]], list[list[int]]]:
    """The encoder the certificate names (if the status admits it), the CNF to refute, and the extra clauses."""
    certificate = answer.certificate
    assert certificate is not None
    name = certificate.encoder or ""
    require(
        name in needs.encoders,
        f"the {answer.status.value} refutation here comes from {' or '.join(map(repr, needs.encoders))}, not {name!r}",
    )
    entry = cnf_encoding(name)
    assert entry is not None, f"{name} is in the table of admissible encoders but not registered"
    require(certificate.encoder_version == entry.version, f"{name} is version {entry.version!r}")
    target, encoder = entry.encode(instance)
    if needs.refutes == "fewer violations":
        assert isinstance(encoder, PartitionToMaxSat) and answer.violations is not None
        return encoder, encoder.optimality_cnf(answer.violations).clauses, []
    cnf: CNF = target
    if needs.refutes == "encoding":
        return encoder, cnf.clauses, []
    if needs.refutes == "other solutions":  # one blocking clause per listed solution, in their order
        assert answer.solutions is not None
        blocked = [encoder.blocking_clause(PartitionSolution(classes, {})) for classes in answer.solutions]
        return encoder, [*cnf.clauses, *blocked], blocked
    assert answer.classes is not None
    blocking = encoder.blocking_clause(PartitionSolution(answer.classes, {}))
    return encoder, [*cnf.clauses, blocking], [blocking]
