"""DRUP proof checking: the formally verified `drup` package, and two checkers of ours cross-checked with it.

- `drup`: formally verified, checks every lemma, no watched literals (slow past a few hundred thousand steps).
- `rup`: forward, every lemma, on MiniSat's unit propagation (pysat); honours deletions by rebuilding the
  propagator from the live clauses once enough of them are deleted. Fastest on every proof we measured, so `auto`
  picks it; the tests cross-check it against `drup` on more than 100 proofs and their tampered copies.
- `backward`: drat-trim's backward check in pure Python (`solvers.drup_backward`): only the lemmas the refutation
  needs are checked, and they are returned as a trimmed core. Slower than `rup` here (CaDiCaL's proofs are already
  lean: 80-90% of the lemmas are needed), so `auto` never picks it; see bench/checkers.py.

Deleting a clause can only make a RUP step harder, so honouring deletions accepts nothing that ignoring them would
reject; ignoring a deletion is sound as well, since the formula implies every clause that was added.
"""

from __future__ import annotations

import gc
import hashlib
import itertools
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from problems.answers import Checker
from solvers.proof_text import (
    MalformedProof,
    compact_variables,
    largest_variable,
    parse_cnf,
    parse_proof,
    parse_steps,
)

# The RUP checker rebuilds its propagator without the deleted clauses once they outnumber the live ones (and this).
REBUILD_AFTER_DELETIONS = 10_000


def dimacs(clauses: Sequence[Sequence[int]], n_vars: int | None = None) -> str:
    """DIMACS CNF text: a `p cnf` header and one `... 0` line per clause (trailing newline).

    >>> dimacs([[1, -2], [], [2]])
    'p cnf 2 3\\n1 -2 0\\n0\\n2 0\\n'
    """
    lengths = np.fromiter(map(len, clauses), dtype=np.int64, count=len(clauses))
    literals = np.fromiter(itertools.chain.from_iterable(clauses), dtype=np.int64, count=int(lengths.sum()))
    largest = int(np.abs(literals).max()) if literals.size else 0
    header = f"p cnf {largest if n_vars is None else n_vars} {len(clauses)}\n"
    if largest > literals.size:  # sparse variable ids: a table of their texts would outgrow the formula
        return header + "".join(" ".join(map(str, [*clause, 0])) + "\n" for clause in clauses)
    # every literal's text looked up in one table (twice as fast as str() per literal); 0 ends a line
    texts = [str(value) for value in range(-largest, largest + 1)]
    texts[largest] = "0\n"
    codes = np.insert(literals + largest, np.cumsum(lengths), largest)
    return header + " ".join(map(texts.__getitem__, codes.tolist())).replace("\n ", "\n")


def proof_text(lines: Iterable[str]) -> str:
    return "\n".join(lines) + "\n"


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def binary_drup_lines(data: bytes) -> list[str] | None:
    """Text lines of a binary DRUP proof (CaDiCaL's trace: `a`/`d`, varint literals 2v or 2v+1, a 0 byte ends a
    clause), decoded with numpy; None if the bytes are not that format.

    A 0 byte only ends a clause: a varint's continuation bytes have their high bit set and its last byte is
    non-zero. PySAT's own decoder loops over the bytes in Python, a quarter of a small uniqueness job.

    >>> binary_drup_lines(bytes([97, 2, 5, 0, 100, 2, 5, 0, 97, 0]))
    ['1 -2 0', 'd 1 -2 0', '0']
    """
    raw = np.frombuffer(data, dtype=np.uint8)
    if raw.size == 0:
        return []
    ends = np.flatnonzero(raw == 0)
    if ends.size == 0 or ends[-1] != raw.size - 1:
        return None
    starts = np.concatenate(([0], ends[:-1] + 1))
    markers = raw[starts]
    if not np.all((markers == ord("a")) | (markers == ord("d"))):
        return None
    body = np.ones(raw.size, dtype=bool)
    body[starts] = body[ends] = False
    last_byte = body & (raw < 0x80)  # a literal's final byte has the high bit clear
    if body.any() and not last_byte[np.flatnonzero(body)[-1]]:
        return None
    literals = _varints(raw[body], last_byte[body])
    bounds = np.concatenate(([0], np.cumsum(last_byte)[ends])).tolist()
    deleted = (markers == ord("d")).tolist()
    return [
        ("d " if deletion else "") + " ".join(map(str, [*literals[begin:end], 0]))
        for deletion, begin, end in zip(deleted, bounds[:-1], bounds[1:], strict=True)
    ]


def _varints(data: Any, is_last: Any) -> list[int]:
    """Signed literals from little-endian base-128 codes 2v (v) and 2v+1 (−v); `is_last` marks each code's end."""
    if data.size == 0:
        return []
    firsts = np.concatenate(([0], np.flatnonzero(is_last)[:-1] + 1))
    code_of_byte = np.cumsum(is_last) - is_last  # how many codes ended before this byte
    shifts = 7 * (np.arange(data.size) - firsts[code_of_byte])
    codes = np.add.reduceat((data.astype(np.int64) & 0x7F) << shifts, firsts)
    return np.where(codes & 1, -(codes >> 1), codes >> 1).tolist()


def parse_dimacs(text: str) -> list[list[int]]:
    """Clauses of a DIMACS CNF (`solvers.proof_text.parse_cnf`: strict, header-bounded)."""
    return parse_cnf(text).clauses


def parse_drup(text: str) -> list[list[int]]:
    """Added lemmas of a DRUP proof, in order; `d` (deletion) lines are dropped."""
    return [clause for deletion, clause in parse_drup_steps(text) if not deletion]


def parse_drup_steps(text: str) -> list[tuple[bool, list[int]]]:
    """The steps of a DRUP proof in order, as (is_deletion, clause), literals up to 2^31 − 1.

    To check a proof against a formula use `parse_proof(text, n_vars)`, which bounds the literals by the formula.

    >>> parse_drup_steps("1 -2 0\\nd 1 -2 0\\n-2\\n 0\\n")
    [(False, [1, -2]), (True, [1, -2]), (False, [-2])]
    """
    return parse_steps(text)


def check_with_drup(formula: list[list[int]], lemmas: list[list[int]]) -> bool:
    """The formally verified checker (Why3-extracted); slow on large proofs. It also accepts RAT lemmas (DRAT).

    A clause is a set: repeated literals are dropped first (drup ran for minutes on one lemma of 2·10^6 copies of
    one literal, where the other checkers take 0.2 s)."""
    import drup

    unique = [list(dict.fromkeys(clause)) for clause in lemmas]
    return drup.check_proof([list(dict.fromkeys(c)) for c in formula], unique).outcome == drup.Outcome.VALID


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


def check_steps_with_rup(
    formula: list[list[int]], steps: list[tuple[bool, list[int]]], rebuild_after: int | None = None
) -> bool:
    """`check_with_rup` honouring the proof's deletions, which keeps propagation fast on long proofs.

    MiniSat cannot delete a clause, so once the deleted clauses outnumber the live ones (and
    `REBUILD_AFTER_DELETIONS`), or number `rebuild_after` when given, the propagator is rebuilt from the live
    clauses. A rebuild forgets the top-level literals whose reason clause was deleted; should that
    ever make a step fail, the proof is checked again with every clause kept, so no valid proof is lost.
    """
    from pysat.solvers import Solver

    live: dict[tuple[int, ...], int] | None = None  # clauses by sorted literals; counted only once a rebuild is due
    counted = 0  # steps[:counted] are counted in `live`
    n_live, deletions, rebuilt = len(formula), 0, False
    propagator = Solver(name="minisat22", bootstrap_with=formula)
    try:
        for index, (deletion, lits) in enumerate(steps):
            if deletion:
                n_live, deletions = n_live - 1, deletions + 1
                continue
            if not lits:
                break
            if not _is_rup(propagator, lits):
                return rebuilt and check_with_rup(formula, [lemma for is_del, lemma in steps if not is_del])
            propagator.add_clause(lits)
            n_live += 1
            if deletions >= (rebuild_after or max(REBUILD_AFTER_DELETIONS, n_live) + 1):
                live = _count_live(live, formula, steps[counted : index + 1])
                counted, deletions, rebuilt = index + 1, 0, True
                propagator.delete()
                propagator = Solver(name="minisat22", bootstrap_with=[list(clause) for clause in live])
        valid = not propagator.propagate(assumptions=[])[0]
        return valid or (rebuilt and check_with_rup(formula, [lemma for is_del, lemma in steps if not is_del]))
    finally:
        propagator.delete()


def _count_live(
    live: dict[tuple[int, ...], int] | None, formula: list[list[int]], steps: list[tuple[bool, list[int]]]
) -> dict[tuple[int, ...], int]:
    """`live` (the formula's clauses when None) after `steps`: additions counted, deletions uncounted."""
    if live is None:
        live = {}
        for clause in formula:
            key = tuple(sorted(set(clause)))
            live[key] = live.get(key, 0) + 1
    for deletion, lits in steps:
        key = tuple(sorted(set(lits)))
        if deletion:
            _forget(live, key)
        else:
            live[key] = live.get(key, 0) + 1
    return live


def _forget(live: dict[tuple[int, ...], int], key: tuple[int, ...]) -> None:
    """Drop one copy of a clause from `live`; units are kept (their literal must stay assigned)."""
    copies = live.get(key, 0)
    if copies and len(key) > 1:
        if copies == 1:
            del live[key]
        else:
            live[key] = copies - 1


def check_with_backward(formula: list[list[int]], steps: list[tuple[bool, list[int]]]) -> bool:
    """drat-trim's backward check (`solvers.drup_backward`): only the lemmas the refutation uses are checked.

    Deletions are honoured first (fast); a proof rejected that way is checked again with them ignored, which is
    sound (the formula implies every lemma) and is what `rup` and `drup` accept, so the checkers agree on it.
    """
    from solvers.drup_backward import check_backward

    if check_backward(formula, steps).valid:
        return True
    return any(deletion for deletion, _ in steps) and check_backward(formula, _additions(steps)).valid


def _additions(steps: list[tuple[bool, list[int]]]) -> list[tuple[bool, list[int]]]:
    return [(False, clause) for deletion, clause in steps if not deletion]


@dataclass(frozen=True)
class ProofVerdict:
    """Whether a proof refutes a formula, the checker that decided, and a one-line reason."""

    valid: bool
    checker: Checker
    reason: str


def check_proof(cnf_text: str, proof: str, checker: Checker = Checker.AUTO) -> tuple[bool, Checker]:
    """Check that `proof` refutes `cnf_text`; returns (valid, the checker that decided)."""
    with gc_paused():
        try:
            formula = parse_cnf(cnf_text)
        except MalformedProof:
            return False, checker
    verdict = verify_refutation(formula.clauses, proof, checker, formula.n_vars)
    return verdict.valid, verdict.checker


def verify_refutation(
    clauses: list[list[int]], proof: str, checker: Checker = Checker.AUTO, n_vars: int | None = None
) -> ProofVerdict:
    """Read `proof` against a formula over variables 1..n_vars (default: its largest) and check it.

    A malformed proof, or one naming a variable outside the formula, is rejected before any checker runs, so
    every checker gives the same verdict on it.
    """
    used = Checker.RUP if checker is Checker.AUTO else checker
    with gc_paused():
        try:
            steps = parse_proof(proof, largest_variable(clauses) if n_vars is None else n_vars)
        except MalformedProof as exc:
            return ProofVerdict(False, used, f"malformed proof: {exc}")
        valid, used = check_steps(clauses, steps, checker)
    reason = f"proof accepted by the {used} checker" if valid else f"the DRUP proof is rejected by the {used} checker"
    return ProofVerdict(valid, used, reason)


def check_steps(
    formula: list[list[int]], steps: list[tuple[bool, list[int]]], checker: Checker = Checker.AUTO
) -> tuple[bool, Checker]:
    """Check parsed proof steps against parsed clauses; returns (valid, the checker that decided)."""
    if checker is Checker.AUTO:
        checker = Checker.RUP
    with gc_paused():
        formula, steps = compact_variables(formula, steps)
        if checker is Checker.DRUP:  # drup also takes RAT lemmas: a DRUP proof must be RUP throughout as well
            lemmas = [clause for deletion, clause in steps if not deletion]
            valid = check_steps_with_rup(formula, steps) and check_with_drup(formula, lemmas)
        elif checker is Checker.BACKWARD:
            valid = check_with_backward(formula, steps)
        else:
            valid = check_steps_with_rup(formula, steps)
    return valid, checker


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while many clause lists are made (an encoding, a proof check): they hold no
    cycles, and the collector's passes over them can take longer than the work itself."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# A rup check this small takes well under a second (0.08-0.23 s at 43k clauses and 7-12k steps): with at least
# that much budget left it is not worth a fork and a copy of the formula.
IN_PROCESS_CHECK_MAX_CLAUSES = 60_000
IN_PROCESS_CHECK_MAX_STEPS = 20_000
IN_PROCESS_CHECK_MIN_BUDGET_S = 1.0


def check_within(
    formula: list[list[int]], proof: str, checker: Checker, seconds: float | None
) -> tuple[bool | None, Checker]:
    """Parse and check the proof text, or (None, checker) when a time budget (seconds) is given and runs out
    first. Parsing counts against the budget: a proof of millions of lines takes seconds to read, so a large one
    is read and checked in a child process killed at the budget; a small one in this process."""
    if seconds is None or _small_check(formula, proof, checker, seconds):
        return parse_and_check(formula, proof, checker)
    from solvers.child import ChildTimeout, run_in_child

    try:
        valid, used = run_in_child(parse_and_check, (formula, proof, checker), seconds)
    except ChildTimeout:
        return None, checker
    return valid, used


def parse_and_check(formula: list[list[int]], proof: str, checker: Checker) -> tuple[bool, Checker]:
    """`check_steps` on the proof text; a malformed proof is rejected (False)."""
    try:
        steps = parse_proof(proof, largest_variable(formula))
    except MalformedProof:
        return False, checker
    return check_steps(formula, steps, checker)


def _small_check(formula: list[list[int]], proof: str, checker: Checker, seconds: float) -> bool:
    """Worth doing in this process: a small formula, a short proof (counted in lines before any parsing) and a
    budget that such a check cannot outrun."""
    small = len(formula) <= IN_PROCESS_CHECK_MAX_CLAUSES and proof.count("\n") <= IN_PROCESS_CHECK_MAX_STEPS
    return small and checker in (Checker.AUTO, Checker.RUP) and seconds >= IN_PROCESS_CHECK_MIN_BUDGET_S
