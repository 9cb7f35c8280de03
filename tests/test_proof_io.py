"""Our numpy decoder of CaDiCaL's binary DRUP trace against PySAT's own, on every proof of the checker corpus."""

from __future__ import annotations

import pytest
from pysat.solvers import Solver

from solvers.proofs import binary_drup_lines
from solvers.pysat import proof_lines
from tests.test_checker_crosscheck import candidate_formulas


@pytest.mark.parametrize("solver_name", ["cadical195", "cadical153", "glucose4"])
def test_decoded_proofs_equal_pysats_on_every_formula(solver_name: str) -> None:
    compared = 0
    for name, formula in candidate_formulas():
        if formula is None:
            continue
        with Solver(name=solver_name, bootstrap_with=formula, with_proof=True) as solver:
            solver.solve()
            assert proof_lines(solver) == list(solver.get_proof()), name
            compared += 1
    assert compared >= 100


def test_bytes_that_are_not_a_binary_trace_are_refused() -> None:
    assert binary_drup_lines(b"1 -2 0\n") is None  # text DRUP
    assert binary_drup_lines(bytes([97, 2, 5])) is None  # unterminated clause
    assert binary_drup_lines(bytes([120, 2, 0])) is None  # neither `a` nor `d`
    assert binary_drup_lines(bytes([97, 0x82, 0])) is None  # a literal cut short by the clause's end
    assert binary_drup_lines(bytes([97, 0x80, 0x01, 0])) == ["64 0"]  # two-byte literal: 128 = 2·64
    assert binary_drup_lines(b"") == []
