"""Decoding and verification: a backend's assignment → a partition → its canonical form → the independent check
against the raw samples → an `Answer`. Nothing here trusts the solver; a decoded solution that fails the check is
our bug (`VerificationFailed`), never an answer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from problems.answers import Answer, AnswerStatus, Certificate, TableEntry
from problems.errors import TimeLimitReached, VerificationFailed
from problems.partition import PartitionInstance, PartitionSolution
from problems.verify import canonicalise, constrained_mask, verify_partition
from solvers.base import SolveResult


def verified_answer(
    instance: PartitionInstance, decoded: PartitionSolution, status: AnswerStatus, bound: float | None = None
) -> Answer:
    """Canonicalise a decoded solution and re-check it against the raw samples. An `unknown` (partial) answer may
    violate samples: the verifier counts them, and the certificate says how many it explains."""
    solution = canonicalise(instance, decoded)
    partial = status is AnswerStatus.UNKNOWN
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


def decoded_answer(instance: PartitionInstance, decoder: Any, result: SolveResult, status: AnswerStatus) -> Answer:
    """`verified_answer` of `decoder.backward(result.assignment)`; an optimum's objective must match the verifier's
    count, and a refine loop's second model becomes the verified `alternative` (so: not unique)."""
    answer = verified_answer(instance, decoder.backward(result.assignment), status, result.bound)
    if result.objective is not None and status is AnswerStatus.OPTIMAL and answer.violations != result.objective:
        raise VerificationFailed(f"solver claims {result.objective} violations, verifier counts {answer.violations}")
    if result.last_assignment:
        assert answer.classes is not None
        answer.alternative = verified_rival(instance, decoder.backward(result.last_assignment), answer.classes)
    return answer


def verified_rival(
    instance: PartitionInstance, solution: PartitionSolution, answer_classes: list[list[int]]
) -> list[list[int]]:
    """A rival partition's canonical classes, after the independent verifier accepts it and finds it another
    partition than the answer's (`answer_classes`, canonical): a "rival" equal to the answer is our bug."""
    rival = verified_answer(instance, solution, AnswerStatus.SOLVED).classes or []
    if rival == answer_classes:
        raise VerificationFailed("a rival solution is the answer's own partition")
    return rival


def result_stats(backend_option: str, solver: str, result: SolveResult, encode_s: float, target: Any) -> dict:
    """What an answer's `stats` say about one backend run: names, seconds, the target's size, the solver's own."""
    stats: dict[str, Any] = {
        "backend": backend_option,
        "solver": solver,
        "encode_s": round(encode_s, 4),
        "solve_s": round(result.wall_s, 4),
        "backend_status": result.status.value,
    }
    stats.update(target_size(target))
    stats.update({k: v for k, v in result.stats.items() if k != "solver"})
    return stats


def target_size(target: Any) -> dict[str, int]:
    """Variables and clauses (or constraints) of a target, where it has them."""
    if hasattr(target, "nv"):
        clauses = len(getattr(target, "clauses", None) or target.hard) + len(getattr(target, "soft", []))
        return {"variables": target.nv, "clauses": clauses}
    if hasattr(target, "proto"):
        return {"variables": len(target.proto.variables), "constraints": len(target.proto.constraints)}
    return {}


def out_of_time(backend_option: str, solver: str, exc: TimeLimitReached, encode_s: float, **stats: Any) -> Answer:
    """`unknown`: the time limit ran out while the target was being built, so no solver ran."""
    return Answer(
        status=AnswerStatus.UNKNOWN,
        message=str(exc),
        stats={
            "backend": backend_option,
            "solver": solver,
            **stats,
            "encode_s": round(encode_s, 4),
            "reason": "time limit during encoding",
        },
    )
