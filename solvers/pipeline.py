"""The one solve path: problem → encoding → backend → decoding → independent verification → answer + certificate.

The CLI, the service and the benchmarks all call `solve`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pysat.formula import CNF

from problems.answers import Answer, AnswerStatus, Certificate, SolveOptions, TableEntry
from problems.errors import InvalidOptions, UnknownKind, VerificationFailed
from problems.partition import PartitionInstance, PartitionSolution
from problems.verify import canonical_classes, canonical_relabelling, constrained_mask, verify_partition
from reductions.partition_to_cnf import PartitionToCnf, PartitionToMaxSat
from reductions.partition_to_cpsat import PartitionToCpSat
from reductions.partition_to_samples import PartitionToSamples
from solvers.base import Limits, SolveResult, Status, get_backend, is_complete
from solvers.proofs import Checker, check_proof, dimacs, proof_text, sha256_text
from solvers.pysat import DEFAULT_SOLVER, PysatBackend

Encoder = PartitionToCnf | PartitionToCpSat | PartitionToSamples


@dataclass
class Clock:
    """The job's deadline; every step takes what is left of one wall-time budget."""

    seconds: float
    start: float = field(default_factory=time.perf_counter)

    def left(self) -> float:
        return max(0.0, self.seconds - (time.perf_counter() - self.start))

    def elapsed(self) -> float:
        return time.perf_counter() - self.start


def solve(instance: PartitionInstance, options: SolveOptions | None = None) -> Answer:
    """Solve one partition instance and return a verified answer (never an unverified solution)."""
    options = options or SolveOptions()
    _check_options(instance, options)
    clock = Clock(options.time_limit)
    backend = get_backend(options.backend, options.solver)
    if options.unique and not is_complete(backend):
        raise InvalidOptions(f"{options.backend!r} is a heuristic: it cannot prove uniqueness", "options.unique")
    encoder = _encoder(instance, options, backend.accepts)
    target = encoder.forward(instance)
    encode_s = clock.elapsed()
    limits = _limits(options, clock, proof=options.proof and isinstance(backend, PysatBackend))
    result = backend.solve(target, limits)
    stats = _stats(options, backend, result, encode_s, target)
    answer = _interpret(instance, options, encoder, result, clock, stats)
    answer.stats["wall_s"] = round(clock.elapsed(), 4)
    return answer


def _check_options(instance: PartitionInstance, options: SolveOptions) -> None:
    if options.unique and instance.max_violations != 0:
        raise InvalidOptions("uniqueness is defined for exact recovery only (max_violations = 0)", "options.unique")


def _encoder(instance: PartitionInstance, options: SolveOptions, accepts: frozenset[str]) -> Encoder:
    if "samples" in accepts:
        return PartitionToSamples()
    if options.backend == "cpsat":
        return PartitionToCpSat()
    return PartitionToMaxSat() if instance.max_violations == "minimize" else PartitionToCnf()


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
    if result.status is Status.UNKNOWN:
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
            _settle_uniqueness(instance, options, answer, clock)
    answer.stats = {**stats, **answer.stats}
    return answer


def _verified_answer(
    instance: PartitionInstance, encoder: Encoder, result: SolveResult, status: AnswerStatus
) -> Answer:
    """Decode, canonicalise and re-check against the raw samples; a failed check is our bug."""
    solution = canonicalise(instance, encoder.backward(result.assignment))
    partial = status is AnswerStatus.UNKNOWN  # a partial answer may violate samples; the verifier counts them
    allowed = instance.n_samples if partial else None
    verdict = verify_partition(instance, solution.classes, solution.table_entries(instance), allowed)
    if not verdict.ok:
        raise VerificationFailed(f"decoded solution does not verify: {verdict.reason}")
    if result.objective is not None and status is AnswerStatus.OPTIMAL and len(verdict.violated) != result.objective:
        raise VerificationFailed(
            f"solver claims {result.objective} violations, verifier counts {len(verdict.violated)}"
        )
    masks = constrained_mask(instance)
    explained = instance.n_samples - len(verdict.violated)
    stats: dict[str, Any] = {"bound": result.bound} if result.bound is not None else {}
    if partial:
        stats["explained_fraction"] = round(explained / instance.n_samples, 6)
    return Answer(
        status=status,
        classes=solution.classes,
        table=[TableEntry(cell=list(cell), label=label) for cell, label in solution.table_entries(instance)],
        unconstrained=[[int(t) for t, used in enumerate(mask) if not used] for mask in masks],
        violations=len(verdict.violated),
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
    reached = {tuple(classes[i][t] for i, t in enumerate(row)) for row in _distinct_token_rows(instance)}
    table = {}
    for cell, label in solution.table.items():
        if all(k in relabel[i] for i, k in enumerate(cell)):
            new_cell = tuple(relabel[i][k] for i, k in enumerate(cell))
            if new_cell in reached:
                table[new_cell] = label
    return PartitionSolution(classes, table)


def _distinct_token_rows(instance: PartitionInstance) -> list[tuple[int, ...]]:
    import numpy as np

    return [tuple(row) for row in np.unique(instance.tokens, axis=0).tolist()]


# ---------------------------------------------------------------- certificates


def _infeasibility_certificate(
    instance: PartitionInstance, options: SolveOptions, encoder: Encoder, result: SolveResult, clock: Clock
) -> Certificate:
    claim = "no partition within the class budgets explains the samples"
    if isinstance(encoder, PartitionToCnf) and result.proof is not None:
        return _checked_certificate(instance, options, encoder, encoder.hard, result.proof, [], claim)
    if not options.proof:
        return Certificate(kind="none", checked=False, claim=claim)
    cnf_encoder = PartitionToCnf()
    cnf = cnf_encoder.forward(instance)
    return _refute(instance, options, cnf_encoder, cnf, [], claim, clock)


def _settle_uniqueness(instance: PartitionInstance, options: SolveOptions, answer: Answer, clock: Clock) -> None:
    """Second solve with the blocking clause: UNSAT (with a checked proof) ⇒ `unique`."""
    assert answer.classes is not None
    encoder = PartitionToCnf()
    cnf = encoder.forward(instance)
    blocking = encoder.blocking_clause(PartitionSolution(answer.classes, {}))
    claim = "a solution exists that differs from this one on the constrained tokens (up to relabelling)"
    if not options.proof:
        verdict = _solve_cnf(CNF(from_clauses=[*cnf.clauses, blocking]), options, clock, proof=False)
        answer.stats["unique_check"] = verdict.status.value
        if verdict.status is Status.UNSATISFIABLE:
            answer.status = AnswerStatus.UNIQUE
            answer.certificate = Certificate(kind="none", checked=False, claim=claim)
        return
    certificate = _refute(instance, options, encoder, cnf, [blocking], claim, clock)
    answer.stats["unique_check"] = certificate.kind if certificate.checked else "not refuted"
    if certificate.checked:
        answer.status = AnswerStatus.UNIQUE
        answer.certificate = certificate


def _optimality_certificate(
    instance: PartitionInstance, options: SolveOptions, answer: Answer, clock: Clock
) -> Certificate:
    """Refute "fewer than `violations` samples violated" on the CNF with a totalizer bound."""
    violations = answer.violations or 0
    if violations == 0:
        return Certificate(kind="solution", checked=True, claim="0 violations is optimal by definition")
    encoder = PartitionToMaxSat()
    encoder.forward(instance)
    cnf = encoder.optimality_cnf(violations)
    claim = f"a solution with at most {violations - 1} violated samples exists"
    certificate = _refute(instance, options, encoder, cnf, [], claim, clock)
    if not certificate.checked:  # keep the verified solution as the certificate of what was found
        certificate.kind = "none"
    return certificate


def _solve_cnf(cnf: CNF, options: SolveOptions, clock: Clock, proof: bool) -> SolveResult:
    solver = options.solver if options.backend == "pysat" and options.solver else DEFAULT_SOLVER
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
    result = _solve_cnf(CNF(from_clauses=[*cnf.clauses, *extra]), options, clock, proof=True)
    if result.status is not Status.UNSATISFIABLE or result.proof is None:
        return Certificate(kind="none", checked=False, claim=f"not refuted ({result.status.value}): {claim}")
    return _checked_certificate(instance, options, encoder, cnf, result.proof, extra, claim)


def _checked_certificate(
    instance: PartitionInstance,
    options: SolveOptions,
    encoder: PartitionToCnf,
    cnf: CNF,
    proof_lines: list[str],
    extra: list[list[int]],
    claim: str,
) -> Certificate:
    cnf_text = dimacs([*cnf.clauses, *extra])
    proof = proof_text(proof_lines)
    start = time.perf_counter()
    valid, checker = check_proof(cnf_text, proof, Checker(options.checker))
    if not valid:
        raise VerificationFailed(f"the solver's DRUP proof was rejected by the {checker} checker")
    return Certificate(
        kind="drup",
        checked=True,
        claim=f"refuted: {claim}",
        encoder=encoder.name,
        encoder_version=encoder.version,
        instance_sha256=instance.sha256,
        cnf_sha256=sha256_text(cnf_text),
        cnf=cnf_text if options.embed_cnf else None,
        proof=proof,
        extra_clauses=extra,
        variables=encoder.var_map(),
        checker=checker.value,
        check_s=round(time.perf_counter() - start, 4),
    )


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
    from problems.partition import PartitionSpec, instance_from_dict

    return {
        "partition": Kind(
            name="partition",
            parse=instance_from_dict,
            solve=solve,
            schema=PartitionSpec.model_json_schema,
            summary="partition recovery: class maps c_i and a table g with y = g(c_1(x_1), ..., c_I(x_I))",
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
