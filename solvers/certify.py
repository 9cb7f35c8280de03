"""Certificate builders: the evidence an answer carries, built (and its proof checked) before the answer is returned.

- `pigeonhole_certificate`: more distinct labels than cells, shown by the samples themselves;
- `drup_certificate`: a solver's DRUP refutation of a CNF, checked by an independent checker, with what it takes
  to regenerate the CNF (the encoder's name and version, the instance hash) and the variable meanings;
- `refute`, `infeasibility_certificate`, `optimality_certificate`, `settle_uniqueness`, `refined_uniqueness`: the
  claims an answer makes (no solution, no better solution, no other solution), refuted on a CNF.
Certificates are checked again from scratch by `solvers/certificates.py` (`latentsat check`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from pysat.formula import CNF

from problems.answers import AnswerStatus, Certificate, Checker
from problems.cells import cell_count
from problems.errors import TimeLimitReached, VerificationFailed
from problems.neighbours import is_distinct_label_witness
from problems.partition import PartitionInstance, PartitionSolution
from reductions.partition_to_cnf import PartitionToCnf, PartitionToMaxSat
from solvers.base import SolveResult, Status
from solvers.decode import verified_rival
from solvers.proofs import check_within, dimacs, proof_text, sha256_text
from solvers.run import CHECK_GRACE_S, Run

NOT_UNIQUE_CLAIM = "a solution exists that differs from this one on the constrained tokens (up to relabelling)"
INFEASIBLE_CLAIM = "no partition within the class budgets explains the samples"


def pigeonhole_certificate(instance: PartitionInstance, witness: list[int]) -> Certificate:
    """ΠK_i + 1 samples with pairwise different labels: infeasible by counting (a DRUP refutation of this
    pigeonhole principle would be exponentially long). Checked here; a witness that fails is our bug."""
    cells = cell_count(instance.budgets)
    certificate = Certificate(
        kind="pigeonhole",
        checked=is_distinct_label_witness(instance, witness),
        claim=f"these {cells + 1} samples have pairwise different labels but the table has {cells} cells",
        instance_sha256=instance.sha256,
        samples=witness,
    )
    if not certificate.checked:
        raise VerificationFailed("the distinct-label witness does not check")
    return certificate


def drup_certificate(
    formula: list[list[int]],
    proof_lines: list[str],
    checker: Checker,
    *,
    claim: str,
    encoder: Any,
    instance_sha256: str,
    embed_cnf: bool,
    extra: list[list[int]] | None = None,
    seconds: float | None = None,
) -> Certificate:
    """Check a solver's DRUP proof of `formula` and wrap it as a certificate; a rejected proof is our bug.

    The certificate carries `formula` as DIMACS text (or its hash); the checker reads the same clause lists, which
    saves parsing the text back. `encoder` is the map that produced the CNF (its `name`, `version` and `var_map()`
    go in the certificate). With `seconds`, a large check runs in a child process killed at that budget; a check
    cut short gives `checked: false`, and `latentsat check` can finish it later.
    """
    start = time.perf_counter()
    proof = proof_text(proof_lines)
    left = None if seconds is None else seconds - (time.perf_counter() - start)
    valid, used = check_within(formula, proof, checker, left)
    cnf_text = dimacs(formula)
    if valid is False:
        raise VerificationFailed(f"the solver's DRUP proof was rejected by the {used} checker")
    return Certificate(
        kind="drup",
        checked=valid is True,
        claim=f"refuted: {claim}" if valid else f"proof not checked within the time limit: {claim}",
        encoder=encoder.name,
        encoder_version=encoder.version,
        instance_sha256=instance_sha256,
        cnf_sha256=sha256_text(cnf_text),
        cnf=cnf_text if embed_cnf else None,
        proof=proof,
        proof_sha256=sha256_text(proof),
        extra_clauses=extra or [],
        variables=encoder.var_map(),
        checker=used.value,
        check_s=round(time.perf_counter() - start, 4),
    )


def checked_refutation(run: Run, encoder: Any, cnf: CNF, proof: list[str], extra: list[list[int]], claim: str) -> Any:
    """`drup_certificate` of a partition run's CNF ∧ extra, within the time left plus the checking grace."""
    run.progress("check")
    return drup_certificate(
        [*cnf.clauses, *extra], proof, Checker(run.options.checker), claim=claim, encoder=encoder,
        instance_sha256=run.instance.sha256, embed_cnf=run.options.embed_cnf, extra=extra,
        seconds=run.clock.left() + CHECK_GRACE_S,
    )  # fmt: skip


def unrefuted(status: Status, claim: str) -> Certificate:
    """No refutation of `claim`: the solver's verdict was `status` (unknown if the encoding ran out of time)."""
    return Certificate(kind="none", checked=False, claim=f"not refuted ({status.value}): {claim}")


def prove(run: Run, cnf: CNF, extra: list[list[int]], proof: bool) -> SolveResult:
    """Solve `cnf ∧ extra` on the run's proof backend, logging a DRUP proof if `proof`."""
    run.progress("proof")
    return run.proof_backend.solve(CNF(from_clauses=[*cnf.clauses, *extra], by_ref=True), run.limits(proof=proof))


def refute(run: Run, encoder: Any, cnf: CNF, extra: list[list[int]], claim: str) -> Certificate:
    """A checked DRUP refutation of `cnf ∧ extra` if the proof backend finds one in time, else an unchecked `none`."""
    result = prove(run, cnf, extra, proof=True)
    if result.status is not Status.UNSATISFIABLE or result.proof is None:
        return unrefuted(result.status, claim)
    return checked_refutation(run, encoder, cnf, result.proof, extra, claim)


def infeasibility_certificate(run: Run, encoder: Any, target: Any, result: SolveResult) -> Certificate:
    """Why the instance has no solution: the run's own proof of its `target` if it logged one (only a CNF's solver
    does), else a refutation of the direct CNF (built in the time left), else (no proofs asked for) an unchecked
    claim."""
    if result.proof is not None:
        return checked_refutation(run, encoder, target, result.proof, [], INFEASIBLE_CLAIM)
    if not run.options.proof:
        return Certificate(kind="none", checked=False, claim=INFEASIBLE_CLAIM)
    run.progress("encode")
    cnf_encoder = PartitionToCnf(run.clock.deadline())
    try:
        cnf = cnf_encoder.forward(run.instance)
    except TimeLimitReached:
        return unrefuted(Status.UNKNOWN, INFEASIBLE_CLAIM)
    return refute(run, cnf_encoder, cnf, [], INFEASIBLE_CLAIM)


def optimality_certificate(run: Run, violations: int) -> Certificate:
    """Refute "at most `violations` − 1 samples violated" on the CNF with a totalizer bound."""
    if violations == 0:
        return Certificate(kind="solution", checked=True, claim="0 violations is optimal by definition")
    claim = f"a solution with at most {violations - 1} violated samples exists"
    run.progress("encode")
    encoder = PartitionToMaxSat(run.clock.deadline())
    try:
        encoder.forward(run.instance)
        cnf = encoder.optimality_cnf(violations)
    except TimeLimitReached:
        return unrefuted(Status.UNKNOWN, claim)
    certificate = refute(run, encoder, cnf, [], claim)
    if not certificate.checked:  # keep the verified solution as the certificate of what was found
        certificate.kind = "none"
    return certificate


@dataclass
class Uniqueness:
    """The verdict of a uniqueness check: `unique` with its certificate, or a verified `alternative`, or neither
    (the check was cut short), with what the answer's `stats` and `message` should say."""

    unique: bool = False
    certificate: Certificate | None = None
    alternative: list[list[int]] | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    message: str | None = None

    def applied_to(self, answer: Any) -> Any:
        """A copy of `answer` (status `solved`) that says what this check settled."""
        update: dict[str, Any] = {"stats": {**answer.stats, **self.stats}}
        if self.unique:
            update.update(status=AnswerStatus.UNIQUE, certificate=self.certificate)
        if self.alternative is not None:
            update["alternative"] = self.alternative
        if self.message is not None:
            update["message"] = self.message
        return answer.model_copy(update=update)


def settle_uniqueness(run: Run, classes: list[list[int]], solved_by: Any, target: Any) -> Uniqueness:
    """A second solve with the blocking clause of `classes` on the direct CNF: UNSAT (with a checked proof when
    proofs are on) ⇒ unique; a model ⇒ a verified alternative. `solved_by` and `target` are the first solve's map
    and target: reused when they are the direct CNF, else the direct CNF is built in the time left."""
    try:
        encoder, cnf = _direct_cnf(run, solved_by, target)
    except TimeLimitReached as exc:
        return Uniqueness(stats={"unique_check": Status.UNKNOWN.value}, message=f"uniqueness not settled: {exc}")
    blocking = encoder.blocking_clause(PartitionSolution(classes, {}))
    result = prove(run, cnf, [blocking], proof=run.options.proof)
    verdict = Uniqueness(stats={"unique_check": result.status.value})
    if result.status is Status.SATISFIABLE:
        verdict.alternative = verified_rival(run.instance, encoder.backward(result.assignment), classes)
    if result.status is not Status.UNSATISFIABLE:
        return verdict
    if not run.options.proof:
        verdict.unique, verdict.certificate = True, Certificate(kind="none", checked=False, claim=NOT_UNIQUE_CLAIM)
        return verdict
    if result.proof is None:  # a solver without proof logging: the claim stays unproven
        return verdict
    certificate = checked_refutation(run, encoder, cnf, result.proof, [blocking], NOT_UNIQUE_CLAIM)
    if certificate.checked:  # a proof not checked in time leaves the answer `solved`
        verdict.unique, verdict.certificate = True, certificate
    return verdict


def _direct_cnf(run: Run, solved_by: Any, target: Any) -> tuple[PartitionToCnf, CNF]:
    """The exact instance's direct CNF: the one the first solve used (pysat), else one built in the time left."""
    if type(solved_by) is PartitionToCnf:
        return solved_by, target
    run.progress("encode")
    encoder = PartitionToCnf(run.clock.deadline())
    return encoder, encoder.forward(run.instance)


def refined_uniqueness(run: Run, encoder: Any, cnf: CNF, classes: list[list[int]], result: SolveResult) -> Uniqueness:
    """An incremental run on `cnf` that added the blocking clause of `classes` itself: UNSAT with a checked proof
    (or no proof asked for) ⇒ unique."""
    verdict = Uniqueness(stats={"unique_check": result.status.value})
    if result.status is not Status.UNSATISFIABLE:
        return verdict
    blocking = encoder.blocking_clause(PartitionSolution(classes, {}))
    if result.added_clauses and result.added_clauses != [blocking]:
        raise VerificationFailed("the refine loop blocked another partition than the verified answer")
    if result.proof is None:
        verdict.unique, verdict.certificate = True, Certificate(kind="none", checked=False, claim=NOT_UNIQUE_CLAIM)
        return verdict
    certificate = checked_refutation(run, encoder, cnf, result.proof, [blocking], NOT_UNIQUE_CLAIM)
    if certificate.checked:  # a proof not checked in time leaves the answer `solved`
        verdict.unique, verdict.certificate = True, certificate
    return verdict
