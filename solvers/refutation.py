"""Re-check a `drup` certificate against a CNF that the checker rebuilt itself (never one read from the answer).

Shared by every kind whose answers carry DRUP refutations (partition, lsa). The caller rebuilds the CNF from the
instance and the status alone, names the encoder that must have made it and the clauses that status adds; this
module checks that the certificate says the same (encoder, version, hashes, extra clauses, variable map) and that
the proof refutes it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from problems.answers import Certificate
from solvers.proofs import Checker, dimacs, sha256_text, verify_refutation


class Rejected(Exception):
    """The answer does not carry what its status needs (a verdict, not our error): the message is the reason."""


# Which fields each certificate kind may carry as evidence; `kind`, `checked`, `claim`, `checker` and `check_s`
# are the producer's notes and are never relied on.
EVIDENCE_FIELDS: dict[str, frozenset[str]] = {
    "drup": frozenset(
        {
            "encoder",
            "encoder_version",
            "instance_sha256",
            "cnf_sha256",
            "cnf",
            "cnf_file",
            "proof",
            "proof_sha256",
            "proof_file",
            "extra_clauses",
            "variables",
        }
    ),
    "pigeonhole": frozenset({"instance_sha256", "samples"}),
    "clique": frozenset({"instance_sha256", "group", "tokens", "sample_pairs"}),
    "solution": frozenset(),
    "partial": frozenset(),
    "none": frozenset(),
}
NOTES = frozenset({"kind", "checked", "claim", "checker", "check_s"})


def require(condition: bool, reason: str) -> None:
    if not condition:
        raise Rejected(reason)


def require_kind(
    certificate: Certificate | None, allowed: Sequence[str | None], status: str, why: str = ""
) -> str | None:
    """The certificate's kind, if `status` admits it, and no evidence field that the kind does not use."""
    kind = certificate.kind if certificate is not None else None
    if kind not in allowed:
        wanted = " or ".join(f"a {k!r} certificate" if k else "no certificate" for k in allowed)
        wanted += f" ({why})" if why else ""
        raise Rejected(f"{status} needs {wanted}; this one is {kind or 'absent'}")
    if certificate is not None:
        carried = {name for name, value in certificate if value not in (None, []) and name not in NOTES}
        stray = sorted(carried - EVIDENCE_FIELDS.get(certificate.kind, frozenset()))
        require(not stray, f"a {certificate.kind} certificate does not carry {', '.join(stray)}")
    return kind


def check_refutation(
    certificate: Certificate,
    clauses: list[list[int]],
    encoder: Any,
    instance_sha256: str,
    extra: list[list[int]],
    checker: Checker,
) -> str:
    """Accept `certificate` only as a DRUP refutation of `clauses` (the encoding plus `extra`, rebuilt by the
    caller with `encoder`) for the instance hashing to `instance_sha256`; returns the accepting checker's name.

    Raises `Rejected` with the first mismatch: encoder or version, instance or CNF hash, embedded CNF text,
    extra clauses, variable map, proof hash, or the proof itself (malformed, or rejected by the checker).
    """
    require(
        (certificate.encoder, certificate.encoder_version) == (encoder.name, encoder.version),
        f"the refutation must come from encoder {encoder.name!r} version {encoder.version!r}, "
        f"not {certificate.encoder!r} version {certificate.encoder_version!r}",
    )
    require(certificate.instance_sha256 == instance_sha256, "instance_sha256 is not this instance's hash")
    require(certificate.extra_clauses == extra, "extra_clauses are not the clauses this status adds")
    cnf_text = dimacs(clauses)
    require(certificate.cnf_sha256 == sha256_text(cnf_text), "cnf_sha256 is not the hash of the rebuilt CNF")
    require(certificate.cnf is None or certificate.cnf == cnf_text, "the embedded CNF differs from the rebuilt one")
    if certificate.variables is not None:
        require(_json(certificate.variables) == _json(encoder.var_map()), "the variable map is not the encoder's")
    proof = certificate.proof
    require(proof is not None, "no proof: the certificate carries neither `proof` nor a readable `proof_file`")
    assert proof is not None
    if certificate.proof_sha256 is not None or certificate.proof_file is not None:
        require(certificate.proof_sha256 == sha256_text(proof), "proof_sha256 is not the hash of the proof text")
    verdict = verify_refutation(clauses, proof, checker)
    require(verdict.valid, verdict.reason)
    return verdict.checker.value


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value))
