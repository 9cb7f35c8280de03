"""Proof and CNF text: one strict reading for every checker, in linear time, bounded by the formula's variables.

The fast reader (numpy) is compared with a token-by-token reference on random texts over an alphabet chosen to
hit every trap (non-ASCII digits, signs, leading zeros, `d` in the wrong place, missing `0`s); every malformed
text gets the same verdict from every checker, and no text can size a checker by a number it made up.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solvers.proof_text import MAX_VARIABLE, MalformedProof, parse_cnf, parse_proof
from solvers.proofs import Checker, check_proof, dimacs, verify_refutation

CHECKERS = [Checker.RUP, Checker.DRUP, Checker.BACKWARD, Checker.AUTO]
# x1 ∧ ¬x1 after one resolution step on x2: refuted by the lemma `1 0` and then the empty clause
XOR_CNF = dimacs([[1, 2], [-1, 2], [1, -2], [-1, -2]])
VALID = "1 0\n0\n"


def reference_steps(text: str, n_vars: int) -> list[tuple[bool, list[int]]]:
    """The grammar of docs (solvers/proof_text.py), one token at a time: the slow, obviously right reading."""
    steps: list[tuple[bool, list[int]]] = []
    current: list[int] | None = None
    deletion = False
    for line in text.split("\n"):
        if re.match(r"[ \t]*c", line):
            continue
        for token in re.split(r"[ \t\r\x0b\x0c]+", line):
            if token == "":
                continue
            if token == "d" and current is None:
                deletion, current = True, []
            elif token == "0":
                steps.append((deletion, current or []))
                current, deletion = None, False
            elif re.fullmatch(r"-?[1-9][0-9]*", token) and abs(int(token)) <= n_vars:
                current = (current or []) + [int(token)]
            else:
                raise MalformedProof(token)
    if current is not None:
        raise MalformedProof("unterminated")
    return steps


TRAPS = ["0", "1", "2", "7", "-", "d", " ", "\n", "\t", "\r", "c", "x", "+", "\uff11", "\u0661", "\u00a0", "_"]


@given(st.lists(st.sampled_from(TRAPS), max_size=30))
def test_the_reader_agrees_with_a_token_by_token_reference(pieces: list[str]) -> None:
    text = "".join(pieces)
    try:
        expected = reference_steps(text, n_vars=20)
    except MalformedProof:
        with pytest.raises(MalformedProof):
            parse_proof(text, n_vars=20)
        return
    assert parse_proof(text, n_vars=20) == expected


@given(st.lists(st.tuples(st.booleans(), st.lists(st.integers(-30, 30).filter(bool), max_size=6)), max_size=20))
def test_written_proofs_read_back_exactly(steps: list[tuple[bool, list[int]]]) -> None:
    text = "".join(("d " if deletion else "") + " ".join(map(str, clause)) + " 0\n" for deletion, clause in steps)
    assert parse_proof(text, n_vars=30) == steps


MALFORMED = {
    "the issue's lemma": "2000000000 -2000000000 0\n" + VALID,
    "a literal just past the CNF": "3 -3 0\n" + VALID,
    "a literal past 2^63": "9" * 30 + " 0\n" + VALID,
    "5000 digits": "9" * 5000 + " 0\n" + VALID,
    "no final 0": "1 0\n1\n",
    "a lone d at the end": VALID + "d\n",
    "d inside a clause": "1 d 2 0\n" + VALID,
    "d d": "d d 1 2 0\n" + VALID,
    "a fullwidth digit": "\uff11 0\n0\n",
    "an Arabic-Indic digit": "\u0661 0\n0\n",
    "1_0 (Python's int() reads it)": "1_0 0\n0\n",
    "+1": "+1 0\n0\n",
    "-0": "1 -0\n0\n",
    "a leading zero": "01 0\n0\n",
    "a no-break space": "1\u00a00\n0\n",
    "a NUL byte": "1 0\x00\n0\n",
    "a header in a proof": "p cnf 2 4\n" + VALID,
    "a negative literal past the CNF": "-2000000000 0\n0\n",
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_every_checker_gives_a_malformed_proof_one_verdict(name: str) -> None:
    verdicts = {
        checker: verify_refutation([[1, 2], [-1, 2], [1, -2], [-1, -2]], MALFORMED[name], checker)
        for checker in CHECKERS
    }
    assert {v.valid for v in verdicts.values()} == {False}, verdicts
    reasons = {v.reason for v in verdicts.values()}
    assert len(reasons) == 1 and reasons.pop().startswith("malformed proof: "), reasons
    assert {check_proof(XOR_CNF, MALFORMED[name], checker)[0] for checker in CHECKERS} == {False}


def test_the_issues_lemma_is_named_in_one_line() -> None:
    verdict = verify_refutation([[1, 2], [-1, 2], [1, -2], [-1, -2]], MALFORMED["the issue's lemma"])
    assert verdict.reason == ("malformed proof: proof step 1: literal 2000000000 is outside the CNF's variables 1..2")


@pytest.mark.parametrize(
    "proof",
    [
        VALID,
        "c a comment\n1 0\n0\n",  # comment lines anywhere
        "1\t0\r\n0\r\n",  # tabs, CRLF
        "1\n0\n0\n",  # a clause spanning lines
        "d 0\n" + VALID,  # deleting the (absent) empty clause changes nothing
        "2 -2 0\n" + VALID,  # a tautology within the CNF's variables
        "1 2 0\nd 1 2 0\n" + VALID,  # deleting a formula clause that is still needed: ignored by every checker
    ],
)
def test_every_checker_accepts_the_same_valid_proofs(proof: str) -> None:
    assert {check_proof(XOR_CNF, proof, checker)[0] for checker in CHECKERS} == {True}


def test_a_deletion_that_a_later_lemma_needs_is_ignored_by_every_checker() -> None:
    """Honouring the deletion of `1 2` would make `2 0` fail RUP; ignoring deletions is sound, and is what the
    forward checkers and drup do, so the backward checker falls back to it rather than disagree."""
    proof = "d 1 2 0\n2 0\n0\n"
    assert {check_proof(XOR_CNF, proof, checker)[0] for checker in CHECKERS} == {True}


def test_the_empty_proof_gets_one_verdict() -> None:
    assert {check_proof(XOR_CNF, "", checker)[0] for checker in CHECKERS} == {False}
    refuted_by_units = dimacs([[1], [-1]])
    assert {check_proof(refuted_by_units, "", checker)[0] for checker in CHECKERS} == {True}


def test_the_cnf_header_bounds_its_literals_and_counts_its_clauses() -> None:
    assert parse_cnf("p cnf 3 1\n1 -3 0\n").n_vars == 3
    for text, why in [
        ("p cnf 2 1\n1 -3 0\n", "outside the CNF's variables 1..2"),
        ("p cnf 3 2\n1 -3 0\n", "announces 2 clauses"),
        ("p cnf 3\n1 0\n", "not a `p cnf V C` header"),
        (f"p cnf {MAX_VARIABLE + 1} 1\n1 0\n", "at most"),
        ("p cnf 3 1\nd 1 0\n", "deletion"),
    ]:
        with pytest.raises(MalformedProof, match=re.escape(why)):
            parse_cnf(text)


def test_sparse_variables_cannot_size_a_checker() -> None:
    """`p cnf 2000000000 2` with two unit clauses: a valid refutation, checked by every checker in 1 GB of
    address space (MiniSat alone would allocate gigabytes for variable 2·10^9 without the renumbering)."""
    script = textwrap.dedent(
        """
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        from solvers.proofs import Checker, check_proof
        cnf = "p cnf 2000000000 2\\n2000000000 0\\n-2000000000 0\\n"
        print([check_proof(cnf, "0\\n", c)[0] for c in (Checker.RUP, Checker.DRUP, Checker.BACKWARD)])
        print([check_proof(cnf, "1999999999 0\\n0\\n", c)[0] for c in (Checker.RUP, Checker.DRUP, Checker.BACKWARD)])
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split("\n")[:2] == ["[True, True, True]", "[True, True, True]"]


def test_a_rat_lemma_is_not_a_drup_step_for_any_checker() -> None:
    """`-3` is RAT (its only resolvent, `1`, is RUP) but not RUP: the drup package alone would accept it."""
    cnf = dimacs([[1, 2], [-1, 2], [1, -2], [-1, -2], [3, 1]])
    proof = "-3 0\n1 0\n0\n"
    assert {check_proof(cnf, proof, checker)[0] for checker in CHECKERS} == {False}


def test_a_lemma_of_two_million_copies_of_one_literal_gets_a_verdict_from_every_checker() -> None:
    """A 4 MB line once kept the drup package busy for minutes; every checker answers at once now (the bound of
    120 s only catches a hang)."""
    script = textwrap.dedent(
        """
        from solvers.proofs import Checker, check_proof, dimacs
        cnf = dimacs([[1, 2], [-1, 2], [1, -2], [-1, -2], [1, 3]])
        proof = " ".join(["3"] * 2_000_000) + " 0\\n1 0\\n0\\n"
        print([check_proof(cnf, proof, c)[0] for c in (Checker.RUP, Checker.DRUP)])
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[True, True]"  # `3` is RUP here: ¬3 forces 1, then 2 and ¬2
