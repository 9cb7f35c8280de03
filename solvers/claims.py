"""The last step of every solve: the status says exactly what was proven, and the message says why when less was.

A status that claims a refutation (`infeasible`, `unique`, `optimal`) keeps it only with a certificate that was
checked before we answered (SPEC, status table). A solver's UNSAT whose proof was not checked in time is the
solver's word, not a certificate: the answer falls back to what *was* verified (`unknown`, or `solved` with the
verified solution) and keeps the unchecked proof where `latentsat check` can finish it (partition `unknown`
answers; README "Certificates"). With proofs turned off (`--no-proof`) nothing is demoted: the caller asked for
the solver's word, and the message says that `check` will not accept it.

An answer asked for uniqueness that is not `unique` says why in `message`: a rival was found, the refutation of
every rival was not checked in time, or uniqueness was not settled in time.
"""

from __future__ import annotations

from typing import Any

from problems.answers import Answer, AnswerStatus, Certificate, SolveOptions

REFUTING = (AnswerStatus.INFEASIBLE, AnswerStatus.UNIQUE, AnswerStatus.OPTIMAL)
FALLBACK = {
    AnswerStatus.INFEASIBLE: AnswerStatus.UNKNOWN,
    AnswerStatus.UNIQUE: AnswerStatus.SOLVED,
    AnswerStatus.OPTIMAL: AnswerStatus.SOLVED,
}


def state_what_was_proven(answer: Any, options: SolveOptions) -> Any:
    """`answer` with its status lowered to what its checked evidence supports, and a `message` for every answer
    that claims less than was asked (`unique`) or than the solver said."""
    if answer.status in REFUTING and not _certified(answer.certificate):
        answer = _without_proof(answer) if options.proof else _solver_word(answer)
    if options.unique and answer.status is not AnswerStatus.UNIQUE and answer.message is None:
        answer = answer.model_copy(update={"message": _why_not_unique(answer)})
    return answer


def _certified(certificate: Certificate | None) -> bool:
    return certificate is not None and certificate.checked and certificate.kind != "none"


def _solver_word(answer: Any) -> Any:
    note = f"{answer.status.value} is the solver's word: proofs were turned off, so `latentsat check` rejects it"
    return answer.model_copy(update={"message": answer.message or note})


def _without_proof(answer: Any) -> Any:
    """The status its verified part supports; the unchecked refutation stays only where `check` can finish it (a
    partition `unknown`: solvers/certificates.py)."""
    claimed, fallback, certificate = answer.status, FALLBACK[answer.status], answer.certificate
    unchecked_drup = certificate is not None and certificate.kind == "drup"  # `_certified` said: not checked
    if unchecked_drup:
        what = "its DRUP proof was not checked within the time limit"
    else:
        what = certificate.claim if certificate is not None and certificate.claim else "it carries no refutation"
    message = f"the solver's verdict was {claimed.value}, not certified: {what}; {fallback.value} is what was verified"
    if fallback is AnswerStatus.SOLVED:  # the verified solution is the certificate of `solved`
        certificate = Certificate(kind="solution", checked=True, claim="the solution, verified")
    elif unchecked_drup and isinstance(answer, Answer):
        message += " (the proof is kept: `latentsat check` checks it)"
    else:
        certificate = Certificate(kind="none", checked=False, claim=what)
    return answer.model_copy(update={"status": fallback, "message": message, "certificate": certificate})


def _why_not_unique(answer: Any) -> str:
    if answer.status is AnswerStatus.INFEASIBLE:
        return "not unique: no solution exists"
    if getattr(answer, "alternative", None) is not None:
        return "not unique: a second solution was found and verified (see `alternative`)"
    if answer.stats.get("unique_check") == "unsatisfiable":
        return "uniqueness not certified: every rival was refuted, but the proof was not checked within the time limit"
    return "uniqueness not settled within the time limit"
