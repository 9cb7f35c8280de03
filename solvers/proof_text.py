"""Strict reading of DIMACS CNF and DRUP proof text: linear time, and every literal bounded by the formula.

One grammar for both (DIMACS as SATLIB and drat-trim write it): comment lines start with `c`; a CNF may open
with one header `p cnf V C`; a step is optional `d` (a deletion, proofs only), then literals, then `0`; steps
may span lines. A literal is `-?[1-9][0-9]*` in ASCII with a variable in 1..V: V is the CNF's header (or its
largest variable), and a proof's literals must name the CNF's variables. Anything else (a non-ASCII digit, `+1`,
`01`, `-0`, a `d` inside a clause, a missing final `0`, a literal beyond V) raises `MalformedProof` naming the
line, so every checker sees the same clauses or none, and no checker is sized by a number the text made up.

The fast path is numpy's C parser plus checks that need no Python loop over the tokens; only when they fail does
a line-by-line pass run, to name the first bad line.
"""

from __future__ import annotations

import itertools
import re
import warnings
from dataclasses import dataclass

import numpy as np

Step = tuple[bool, list[int]]  # (is_deletion, clause)

MAX_VARIABLE = 2**31 - 1  # the largest variable DIMACS tools take (a signed 32-bit literal)
_MARK = 1 << 40  # stands for `d` in numpy's parse: beyond any literal
_MARK_TEXT = str(_MARK)
_WHITESPACE = " \t\r\n\x0b\x0c"
_ALLOWED = re.compile(r"[0-9\-d \t\r\n\x0b\x0c]*")
_LITERAL = re.compile(r"-?[1-9][0-9]*")
_HEADER = re.compile(r"p[ \t]+cnf[ \t]+([0-9]+)[ \t]+([0-9]+)[ \t]*")
_COMMENT_LINES = re.compile(r"^[ \t]*c[^\n]*", re.MULTILINE)
_POWERS_OF_TEN = np.array([10**k for k in range(1, 19)], dtype=np.int64)


class MalformedProof(ValueError):
    """The proof or formula text does not parse as DIMACS/DRUP, or names a variable outside the formula."""


@dataclass(frozen=True)
class Formula:
    """The clauses of a CNF and its variable count V (the header's, or the largest variable without one)."""

    clauses: list[list[int]]
    n_vars: int


def parse_cnf(text: str) -> Formula:
    """A DIMACS CNF: the header (if any) bounds the literals and must count the clauses.

    >>> parse_cnf("c tiny\\np cnf 2 2\\n1 -2 0\\n2\\n 0\\n")
    Formula(clauses=[[1, -2], [2]], n_vars=2)
    """
    body, header = _without_comments_and_header(text)
    steps = _steps(body, MAX_VARIABLE if header is None else header[0], "CNF", deletions=False)
    clauses = [clause for _, clause in steps]
    if header is not None and header[1] != len(clauses):
        raise MalformedProof(f"CNF: the header announces {header[1]} clauses, the text has {len(clauses)}")
    largest = max((abs(lit) for clause in clauses for lit in clause), default=0)
    return Formula(clauses, largest if header is None else header[0])


def parse_proof(text: str, n_vars: int) -> list[Step]:
    """The steps of a DRUP proof of a formula over variables 1..`n_vars`, in order.

    >>> parse_proof("1 -2 0\\nd 1 -2 0\\n-2\\n 0\\n", n_vars=2)
    [(False, [1, -2]), (True, [1, -2]), (False, [-2])]
    >>> parse_proof("2000000000 -2000000000 0\\n", n_vars=2)
    Traceback (most recent call last):
    ...
    solvers.proof_text.MalformedProof: proof step 1: literal 2000000000 is outside the CNF's variables 1..2
    """
    body, header = _without_comments_and_header(text)
    if header is not None:
        raise MalformedProof("proof: a `p cnf` header belongs to the CNF, not to the proof")
    return _steps(body, n_vars, "proof", deletions=True)


def parse_steps(text: str) -> list[Step]:
    """Steps of a proof or CNF text with literals up to `MAX_VARIABLE`, a leading header skipped."""
    body, _ = _without_comments_and_header(text)
    return _steps(body, MAX_VARIABLE, "text", deletions=True)


def largest_variable(clauses: list[list[int]]) -> int:
    return max((abs(lit) for clause in clauses for lit in clause), default=0)


SPARSE_FACTOR = 4  # variables beyond this many per literal occurrence are renumbered before checking


def compact_variables(formula: list[list[int]], steps: list[Step]) -> tuple[list[list[int]], list[Step]]:
    """The same formula and proof with the variables renumbered 1..m when they are sparse.

    Every checker sizes its arrays by the largest variable (MiniSat, drup, ours): `p cnf 2000000000 1` with one
    clause `2000000000 0` would otherwise take gigabytes. Renumbering a variable consistently changes no RUP step.
    """
    lengths = [len(clause) for clause in formula] + [len(clause) for _, clause in steps]
    occurrences = sum(lengths)
    largest = max(largest_variable(formula), max((abs(lit) for _, c in steps for lit in c), default=0))
    if largest <= SPARSE_FACTOR * occurrences + 1024:
        return formula, steps
    flat = np.fromiter(itertools.chain(*formula, *(c for _, c in steps)), dtype=np.int64, count=occurrences)
    variables = np.unique(np.abs(flat))
    renamed = (np.searchsorted(variables, np.abs(flat)) + 1) * np.sign(flat)
    clauses = np.split(renamed, np.cumsum(lengths)[:-1]) if lengths else []
    new_formula = [clause.tolist() for clause in clauses[: len(formula)]]
    added = clauses[len(formula) :]
    new_steps = [(deletion, clause.tolist()) for (deletion, _), clause in zip(steps, added, strict=True)]
    return new_formula, new_steps


def _without_comments_and_header(text: str) -> tuple[str, tuple[int, int] | None]:
    """The text with comment lines blanked (line numbers kept) and a leading `p cnf V C` header removed."""
    if "c" in text:
        text = _COMMENT_LINES.sub("", text)
    start = len(text) - len(text.lstrip(_WHITESPACE))
    if not text.startswith("p", start):
        return text, None
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    match = _HEADER.fullmatch(text[start:end].rstrip("\r"))
    if match is None:
        raise MalformedProof(f"line {_line_of(text, start)}: {text[start:end][:60]!r} is not a `p cnf V C` header")
    n_vars, n_clauses = int(match[1]), int(match[2])
    if n_vars > MAX_VARIABLE:
        raise MalformedProof(f"the header declares {n_vars} variables; DIMACS checkers take at most {MAX_VARIABLE}")
    return "\n" * text.count("\n", 0, end) + text[end:], (n_vars, n_clauses)


def _steps(body: str, n_vars: int, what: str, deletions: bool) -> list[Step]:
    numbers = _numbers(body)
    if numbers is None or not _well_formed(numbers, n_vars, deletions):
        _raise_first_error(body, n_vars, what, deletions)
        raise AssertionError("the line reader accepts what the fast reader refused")  # pragma: no cover
    if numbers.size == 0:
        return []
    ends = np.flatnonzero(numbers == 0)
    starts = np.concatenate(([0], ends[:-1] + 1))
    values = numbers.tolist()
    return [
        (True, values[start + 1 : end]) if values[start] == _MARK else (False, values[start:end])
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True)
    ]


def _numbers(body: str) -> np.ndarray | None:
    """Every token as an int64 (`d` as `_MARK`), or None unless each token is a canonical ASCII integer or `d`."""
    if not body.isascii() or not _ALLOWED.fullmatch(body):
        return None
    text = body.replace("d", _MARK_TEXT)
    if not text.strip(_WHITESPACE):
        return np.empty(0, dtype=np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            numbers = np.fromstring(text, dtype=np.int64, sep=" ")
        except (ValueError, DeprecationWarning):
            return None
    # numpy also reads `01`, `-0`, a lone `-` (as 0) and `- 1`, and saturates on overflow: each of those has a
    # `-` that no negative number accounts for, or more characters than the canonical text of the number read
    if np.count_nonzero(numbers < 0) != text.count("-") or text.endswith("-"):
        return None
    if any("-" + blank in text for blank in _WHITESPACE):
        return None
    blanks = sum(text.count(ch) for ch in _WHITESPACE)
    return numbers if _canonical_length(numbers) == len(text) - blanks else None


def _canonical_length(numbers: np.ndarray) -> int:
    magnitude = np.abs(numbers)
    digits = 1 + np.searchsorted(_POWERS_OF_TEN, magnitude, side="right")
    return int(digits.sum() + np.count_nonzero(numbers < 0))


def _well_formed(numbers: np.ndarray, n_vars: int, deletions: bool) -> bool:
    """Every step ends with 0, `d` only opens a step (and only in proofs), every literal within 1..n_vars."""
    if numbers.size == 0:
        return True
    marks = numbers == _MARK
    starts = np.concatenate(([0], np.flatnonzero(numbers == 0)[:-1] + 1))
    n_marks = int(np.count_nonzero(marks))
    if numbers[-1] != 0 or (n_marks and not deletions) or n_marks != int(np.count_nonzero(marks[starts])):
        return False
    return bool(np.all(np.abs(numbers[~marks]) <= n_vars))


def _raise_first_error(body: str, n_vars: int, what: str, deletions: bool) -> None:
    """Name the first bad token of a text the fast reader refused (linear; runs only on bad input)."""
    step, open_clause, line_no = 1, False, 0
    for line_no, line in enumerate(body.split("\n"), start=1):
        for token in re.split(r"[ \t\r\x0b\x0c]+", line.strip(_WHITESPACE)):
            if not token:
                continue
            where = f"{what} line {line_no}"
            if token == "d":
                if not deletions:
                    raise MalformedProof(f"{where}: a deletion (`d`) in a CNF")
                if open_clause:
                    raise MalformedProof(f"{where}: `d` inside a clause (it opens a deletion step)")
                open_clause = True
                continue
            if token == "0":
                step, open_clause = step + 1, False
                continue
            if not token.isascii() or not _LITERAL.fullmatch(token):
                raise MalformedProof(f"{where}: {token[:40]!r} is not a literal (-?[1-9][0-9]* in ASCII)")
            if len(token.lstrip("-")) > len(str(n_vars)) or abs(int(token)) > n_vars:
                raise MalformedProof(
                    f"{what} step {step}: literal {token[:40]} is outside the CNF's variables 1..{n_vars}"
                )
            open_clause = True
    if open_clause:
        raise MalformedProof(f"{what} line {line_no}: the last clause is not terminated by 0")


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1
