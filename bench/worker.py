"""One benchmark run in its own process: build the instance, solve it, check the answer, write one JSON record.

Usage (by the harness): `python -m bench.worker JOB_JSON RESULT_PATH`. The parent sets the memory limit and
measures wall time, CPU time and peak RSS; this process reports what only it can see.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from bench.configs import solver_config
from bench.suites import Spec, build_instance, build_lsa_instance
from problems.answers import Answer, AnswerStatus, SolveOptions
from problems.lsa.answer import LsaAnswer
from problems.lsa.instance import LsaInstance
from problems.partition import PartitionInstance
from problems.verify import canonical_classes, constrained_mask, verify_partition

PROVEN = (AnswerStatus.UNIQUE, AnswerStatus.INFEASIBLE)


def run(job: dict[str, Any]) -> dict[str, Any]:
    """Solve the job's instance with its solver configuration; never raises (errors become records)."""
    record: dict[str, Any] = {}
    try:
        options = solver_config(job["solver"]).solve_options(job["time_limit"])
        run_kind = run_lsa if job["instance"]["kind"] == "lsa" else run_partition
        run_kind(job["instance"], options, record)
    except MemoryError:
        record.update(status="memout", error="MemoryError")
    except Exception as exc:  # a crash is a result too: record it and let the harness move on
        record.update(status="error", error=f"{type(exc).__name__}: {exc}", trace=traceback.format_exc(limit=3))
    return record


def run_partition(spec: Spec, options: SolveOptions, record: dict[str, Any]) -> None:
    instance, truth = build_instance(spec)
    record["n_samples"] = instance.n_samples
    from solvers.pipeline import solve
    from solvers.registry import preload_solvers

    preload_solvers()  # the timer is for solving: module imports are a per-process cost, not a per-solve one
    start = time.perf_counter()
    answer = solve(instance, options)
    record["inner_wall_s"] = round(time.perf_counter() - start, 4)
    record.update(summarise(instance, truth, answer))


def run_lsa(spec: Spec, options: SolveOptions, record: dict[str, Any]) -> None:
    instance = build_lsa_instance(spec)
    record["unknowns"] = (instance.d + 1) ** 2  # b and A
    from solvers.pipeline import solve
    from solvers.registry import preload_solvers

    preload_solvers()
    start = time.perf_counter()
    answer = solve(instance, options)
    record["inner_wall_s"] = round(time.perf_counter() - start, 4)
    certificate = answer.certificate
    record.update(
        status=answer.status.value,
        verified=verified_lsa(instance, answer),
        recovered=None,  # a planted (b, A) is one of several preimages (λb, A/λ, ...): not a recovery target
        backend_used=answer.stats.get("backend"),
        solve_s=answer.stats.get("solve_s"),
        pipeline_wall_s=answer.stats.get("wall_s"),
        check_s=certificate.check_s if certificate else None,
        checker=certificate.checker if certificate else None,
        proof_bytes=len(certificate.proof) if certificate and certificate.proof else None,
        loss_excess=answer.loss_excess_float,
    )


def verified_lsa(instance: LsaInstance, answer: LsaAnswer) -> bool | None:
    """φ(b, A) recomputed exactly (`solvers.check_lsa.verify_values`); None for an answer with nothing to check."""
    from solvers.check_lsa import verify_values

    return verify_values(instance, answer)


def summarise(instance: PartitionInstance, truth: list[list[int]] | None, answer: Answer) -> dict[str, Any]:
    """Status, independent verification, recovery of the planted truth, and the timings the pipeline measured."""
    certificate = answer.certificate
    stats = answer.stats
    return {
        "status": answer.status.value,
        "verified": verified(instance, answer),
        "recovered": recovered(instance, truth, answer),
        "encode_s": stats.get("encode_s"),
        "solve_s": stats.get("solve_s"),
        "pipeline_wall_s": stats.get("wall_s"),
        "check_s": certificate.check_s if certificate else None,
        "checker": certificate.checker if certificate else None,
        "proof_bytes": len(certificate.proof) if certificate and certificate.proof else None,
        "proof_lines": certificate.proof.count("\n") if certificate and certificate.proof else None,
        "explained_fraction": stats.get("explained_fraction", 1.0 if answer.classes is not None else None),
        "unique_check": stats.get("unique_check"),
        "rival": answer.alternative is not None,  # another verified solution: uniqueness settled (no)
        "conflicts": stats.get("conflicts"),
        "certificate_kind": certificate.kind if certificate else None,  # drup, clique, pigeonhole, solution, …
        "winner": stats.get("winner"),  # the portfolio's winning member
    }


def verified(instance: PartitionInstance, answer: Answer) -> bool | None:
    """Re-check the answer with the independent verifier; proofs count only if the pipeline's checker accepted them.

    None for an `unknown` answer with nothing to check.
    """
    if answer.classes is None:
        if answer.status is AnswerStatus.INFEASIBLE:
            return bool(answer.certificate and answer.certificate.checked)
        return None
    allowed = instance.n_samples if answer.status is AnswerStatus.UNKNOWN else None
    table = [(entry.cell, entry.label) for entry in answer.table or []]
    ok = verify_partition(instance, answer.classes, table, allowed).ok
    if answer.status in PROVEN:
        ok = ok and bool(answer.certificate and answer.certificate.checked)
    return ok


def recovered(instance: PartitionInstance, truth: list[list[int]] | None, answer: Answer) -> bool | None:
    """Whether the answer's classes equal the planted ones on the constrained tokens (None without a truth)."""
    if truth is None:
        return None
    if answer.classes is None:
        return False
    masks = constrained_mask(instance)
    return canonical_classes(answer.classes, masks) == canonical_classes(truth, masks)


def main() -> None:
    job = json.loads(sys.argv[1])
    Path(sys.argv[2]).write_text(json.dumps(run(job)))


if __name__ == "__main__":
    main()
