"""The answer and option models of the wire format (SPEC §3), shared by the CLI, the service and the client."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from problems.limits import SEED_MAX


class AnswerStatus(StrEnum):
    """The spec's answer table: one status per answer."""

    SOLVED = "solved"
    UNIQUE = "unique"
    INFEASIBLE = "infeasible"
    OPTIMAL = "optimal"
    UNKNOWN = "unknown"


class Checker(StrEnum):
    """The DRUP proof checkers, by the one name each has everywhere (options, certificates, `check --checker`):
    `drup` (formally verified), `rup` (fast, ours), `backward` (ours, checks only the lemmas used), and `auto`
    (`rup`: drup has no watched literals and takes 100× the solve time even on proofs of a thousand lemmas)."""

    DRUP = "drup"
    RUP = "rup"
    BACKWARD = "backward"
    AUTO = "auto"


class SolveOptions(BaseModel):
    """How to solve: backend, sub-solver, wall-time limit, and which certificates to produce."""

    model_config = ConfigDict(extra="forbid")
    backend: str | None = Field(
        default=None,
        description="a backend or named strategy (`GET /v1/solvers`), `backend/solver` for a sub-solver; none: the "
        "default for the instance (the `fast` strategy for exact partitions, `noisy` for noisy ones, each lsa mode's "
        "first backend); `pysat` is the plain direct CNF",
        examples=["fast"],
    )
    solver: str | None = Field(default=None, description="sub-solver, e.g. cadical195 for pysat")
    time_limit: float = Field(default=60.0, gt=0, le=86_400, description="wall seconds, encoding included")
    unique: bool = Field(default=False, description="also prove the solution unique up to relabelling")
    proof: bool = Field(default=True, description="log and check DRUP proofs for infeasible/unique/optimal")
    embed_cnf: bool = Field(default=True, description="put the refuted DIMACS CNF in the certificate")
    checker: Checker = Field(
        default=Checker.AUTO,
        description="proof checker: drup (formally verified), rup (fast), backward (checks only the lemmas used), "
        "auto (rup)",
    )
    num_workers: int = Field(default=2, ge=1, le=64, description="CP-SAT worker threads")
    seed: int = Field(
        default=0,
        ge=0,
        le=SEED_MAX,
        description="solver random seed, 0..2^31-1 (CP-SAT's int32 range)",
    )
    all: int | None = Field(
        default=None,
        ge=1,
        le=10_000,
        description="enumerate up to this many solutions (distinct up to relabelling on the constrained tokens), and "
        "prove the count exact when no more exist (exact partition instances; strategies fast and pysat)",
    )


class Certificate(BaseModel):
    """Why the answer holds: the solution itself, or a DRUP refutation that anyone can re-check."""

    kind: str = Field(
        description="'solution', 'drup', 'pigeonhole' (samples with more distinct labels than cells), 'clique' "
        "(K_i + 1 tokens that must pairwise differ), or 'none'"
    )
    checked: bool = Field(description="true when our independent checker accepted it before we answered")
    claim: str | None = Field(default=None, description="what the proof refutes, in words")
    encoder: str | None = None
    encoder_version: str | None = None
    instance_sha256: str | None = None
    cnf_sha256: str | None = None
    cnf: str | None = Field(default=None, description="the refuted DIMACS CNF")
    proof: str | None = Field(default=None, description="the DRUP proof text (absent when it is in `proof_file`)")
    proof_sha256: str | None = Field(default=None, description="SHA-256 of the proof text (UTF-8), inline or not")
    proof_file: str | None = Field(
        default=None,
        description="a proof too large to inline: its file name, relative to the answer's (over HTTP: "
        "`/v1/jobs/{id}/certificate/proof`)",
    )
    cnf_file: str | None = Field(default=None, description="like `proof_file`, for a CNF too large to inline")
    extra_clauses: list[list[int]] = Field(default_factory=list, description="clauses appended to the encoding")
    variables: dict[str, list[list[int]]] | None = Field(default=None, description="CNF variable meanings")
    checker: str | None = Field(default=None, description="the checker that accepted the proof")
    check_s: float | None = None
    samples: list[int] | None = Field(
        default=None, description="pigeonhole: indices of ΠK_i + 1 samples whose labels are pairwise different"
    )
    group: int | None = Field(default=None, description="clique: the group whose tokens must pairwise differ")
    tokens: list[int] | None = Field(default=None, description="clique: K_group + 1 tokens of that group")
    sample_pairs: list[list[int]] | None = Field(
        default=None,
        description="clique: per token pair (in the order (0,1), (0,2), …, (1,2), …) two samples that agree on every "
        "other group and differ in label",
    )


class BoundPart(BaseModel):
    """One part of a violation lower bound: these samples alone need at least `at_least` violations.

    The refuted CNF is `partition-part->cnf` on the sub-instance of `samples` (in this order): the direct CNF, with
    relaxation literals and a cardinality network Σ r_s ≤ at_least − 1 when `at_least` > 1. See docs/noisy.md.
    """

    samples: list[int] = Field(description="sample indices of the part (disjoint from every other part)")
    at_least: int = Field(ge=1, description="every partition violates at least this many of these samples")
    cnf_sha256: str = Field(description="SHA-256 of the part's DIMACS CNF, which `check` regenerates")
    proof: str = Field(description="DRUP refutation of that CNF")
    checked: bool = Field(description="true when our checker accepted the proof before we answered")


class BoundCertificate(BaseModel):
    """A proven lower bound on the violations of every partition: Σ at_least over sample-disjoint parts."""

    kind: Literal["violation-bound"] = "violation-bound"
    encoder: str = Field(description="the encoder of every part's CNF, with its version")
    encoder_version: str
    instance_sha256: str
    parts: list[BoundPart] = Field(default_factory=list)
    checker: str | None = Field(default=None, description="the checker that accepted the proofs")

    @property
    def bound(self) -> int:
        return sum(part.at_least for part in self.parts)


class TableEntry(BaseModel):
    cell: list[int]
    label: int | float | str


class Answer(BaseModel):
    """The answer to one partition instance (SPEC §3)."""

    status: AnswerStatus
    classes: list[list[int]] | None = None
    table: list[TableEntry] | None = None
    unconstrained: list[list[int]] | None = None
    violations: int | None = None
    violated: list[int] | None = Field(default=None, description="(noisy mode) indices of the samples not explained")
    lower_bound: int | None = Field(
        default=None, description="(noisy mode) proven: every partition violates at least this many samples"
    )
    gap: int | None = Field(default=None, description="violations − lower_bound")
    lower_bound_certificate: BoundCertificate | None = Field(
        default=None, description="the proof of lower_bound (with `optimal`/`infeasible` from it, also the reason)"
    )
    certificate: Certificate | None = None
    alternative: list[list[int]] | None = Field(
        default=None,
        description="another partition (canonical classes) that explains every sample: proof of non-uniqueness",
    )
    solutions: list[list[list[int]]] | None = Field(
        default=None,
        description="with `all: M`: up to M verified solutions (canonical classes), pairwise distinct up to "
        "relabelling on the constrained tokens; the first is `classes`",
    )
    count_exact: bool | None = Field(
        default=None,
        description="with `all: M`: true when the certificate refutes any solution beyond the listed ones",
    )
    ambiguous: list[list[int]] | None = Field(
        default=None,
        description="with `all: M`: per group, the constrained tokens whose class differs between the solutions "
        "(each solution's classes matched to the first's by the relabelling that agrees most)",
    )
    stats: dict[str, Any] = Field(default_factory=dict)
    message: str | None = None
