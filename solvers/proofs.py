"""DRUP proof checking: the formally verified `drup` package, and a fast forward RUP checker cross-checked with it.

Both take the DIMACS text of the refuted CNF and the DRUP proof text. Deletions are skipped: keeping a deleted
clause can only make a RUP step easier to justify by clauses that the formula implies anyway, so it stays sound.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any

# drup's checker has no watched literals: past this many (formula clauses × lemmas) it takes minutes.
DRUP_WORK_LIMIT = 300_000


class Checker(StrEnum):
    """Which checker accepts a proof: `drup` (formally verified), `rup` (fast, ours), or `auto`."""

    DRUP = "drup"
    RUP = "rup"
    AUTO = "auto"


class MalformedProof(ValueError):
    """The proof or formula text does not parse as DIMACS/DRUP."""


def dimacs(clauses: Sequence[Sequence[int]], n_vars: int | None = None) -> str:
    """DIMACS CNF text: a `p cnf` header and one `... 0` line per clause (trailing newline).

    >>> dimacs([[1, -2], [2]])
    'p cnf 2 2\\n1 -2 0\\n2 0\\n'
    """
    if n_vars is None:
        n_vars = max((abs(lit) for clause in clauses for lit in clause), default=0)
    lines = [f"p cnf {n_vars} {len(clauses)}"]
    lines.extend(" ".join(map(str, clause)) + " 0" for clause in clauses)
    return "\n".join(lines) + "\n"


def proof_text(lines: Iterable[str]) -> str:
    return "\n".join(lines) + "\n"


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def parse_dimacs(text: str) -> list[list[int]]:
    """Clauses of a DIMACS CNF; comments and the header are skipped, clauses may span lines."""
    return _parse_clauses(text, allow_deletions=False)


def parse_drup(text: str) -> list[list[int]]:
    """Added lemmas of a DRUP proof, in order; `d` (deletion) lines are dropped."""
    return _parse_clauses(text, allow_deletions=True)


def _parse_clauses(text: str, allow_deletions: bool) -> list[list[int]]:
    clauses: list[list[int]] = []
    current: list[int] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        words = line.split()
        if not words or words[0] in ("c", "p") or words[0].startswith("c"):
            continue
        deletion = words[0] == "d"
        if deletion and not allow_deletions:
            raise MalformedProof(f"line {line_no}: deletion in a formula")
        try:
            literals = [int(w) for w in words[1:]] if deletion else [int(w) for w in words]
        except ValueError as exc:
            raise MalformedProof(f"line {line_no}: {line!r} is not a clause") from exc
        if not literals or literals[-1] != 0 or 0 in literals[:-1]:
            if deletion or 0 in literals:
                raise MalformedProof(f"line {line_no}: {line!r} must end with one 0")
            current.extend(literals)  # a clause that continues on the next line
            continue
        if not deletion:
            clauses.append(current + literals[:-1])
        current = []
    if current:
        raise MalformedProof("the last clause is not terminated by 0")
    return clauses


def check_with_drup(formula: list[list[int]], lemmas: list[list[int]]) -> bool:
    """The formally verified checker (Why3-extracted); slow on large proofs."""
    import drup

    return drup.check_proof(formula, lemmas).outcome == drup.Outcome.VALID


def check_with_rup(formula: list[list[int]], lemmas: list[list[int]]) -> bool:
    """Forward RUP check on MiniSat's unit propagation: each lemma's negation must propagate to a conflict.

    The refutation is complete when the empty clause is derived, or when formula ∧ lemmas is refuted by unit
    propagation alone (drup accepts the same).
    """
    from pysat.solvers import Solver

    with Solver(name="minisat22", bootstrap_with=formula) as propagator:
        for lemma in lemmas:
            if not lemma:
                return not propagator.propagate(assumptions=[])[0]
            if not _is_rup(propagator, lemma):
                return False
            propagator.add_clause(lemma)
        return not propagator.propagate(assumptions=[])[0]


def _is_rup(propagator: Any, lemma: list[int]) -> bool:
    negation = {-lit for lit in lemma}
    if any(-lit in negation for lit in negation):  # a tautology is implied by anything
        return True
    no_conflict, _ = propagator.propagate(assumptions=sorted(negation))
    return not no_conflict


def check_proof(cnf_text: str, proof: str, checker: Checker = Checker.AUTO) -> tuple[bool, Checker]:
    """Check that `proof` refutes `cnf_text`; returns (valid, the checker that decided).

    `auto` uses drup while the work is small enough for it, and the fast RUP checker beyond.
    """
    try:
        formula = parse_dimacs(cnf_text)
        lemmas = parse_drup(proof)
    except MalformedProof:
        return False, checker
    if checker is Checker.AUTO:
        checker = Checker.DRUP if len(formula) * max(len(lemmas), 1) <= DRUP_WORK_LIMIT else Checker.RUP
    valid = check_with_drup(formula, lemmas) if checker is Checker.DRUP else check_with_rup(formula, lemmas)
    return valid, checker


def checked_drup_certificate(
    cnf_text: str,
    proof_lines: list[str],
    checker: Checker,
    *,
    claim: str,
    encoder: Any,
    instance_sha256: str,
    embed_cnf: bool,
    extra: list[list[int]] | None = None,
    seconds: float | None = None,
) -> Any:
    """Check a solver's DRUP proof of `cnf_text` and wrap it as a certificate; a rejected proof is our bug.

    `encoder` is the reduction that produced the CNF (its `name`, `version` and `var_map()` go in the certificate).
    With `seconds`, the check runs in a child process killed at that budget (the job's time limit covers it); a
    check cut short gives `checked: false`, and `latentsat check` can finish it later.
    """
    import time

    from problems.answers import Certificate
    from problems.errors import VerificationFailed

    proof = proof_text(proof_lines)
    start = time.perf_counter()
    valid, used = _bounded_check(cnf_text, proof, checker, seconds)
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
        extra_clauses=extra or [],
        variables=encoder.var_map(),
        checker=used.value,
        check_s=round(time.perf_counter() - start, 4),
    )


def _bounded_check(cnf_text: str, proof: str, checker: Checker, seconds: float | None) -> tuple[bool | None, Checker]:
    """`check_proof`, or (None, checker) when a time budget is given and runs out first."""
    if seconds is None:
        return check_proof(cnf_text, proof, checker)
    from solvers.child import ChildTimeout, run_in_child

    try:
        valid, used = run_in_child(check_proof, (cnf_text, proof, checker), seconds)
    except ChildTimeout:
        return None, checker
    return valid, used
