"""exact-grid recovery: CP-SAT and the CNF encoding against brute force, planted recovery, checked refutations."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings

from problems.bilinear import verify_bilinear
from problems.lsa.grid import GridBilinear, brute_force_grid
from problems.lsa.phi import phi, phi_system
from reductions.bilinear_to_cnf import BilinearToCnf
from reductions.bilinear_to_cpsat import BilinearToCpSat
from solvers.base import Limits, Status
from solvers.proofs import Checker, check_proof, dimacs, proof_text
from solvers.registry import get_backend
from tests.lsa_strategies import tiny_grid_problems

INTEGER_GRID = tuple(Fraction(v) for v in range(-2, 3))
ENCODINGS = [(BilinearToCpSat, "cpsat"), (BilinearToCnf, "pysat")]


def _solve(problem: GridBilinear, reduction_type: type, backend: str) -> tuple[Status, object, object]:
    reduction = reduction_type()
    target = reduction.forward(problem)
    result = get_backend(backend).solve(target, Limits(seconds=30, proof=backend == "pysat"))
    solution = reduction.backward(result.assignment) if result.status is Status.SATISFIABLE else None
    return result.status, solution, (target, result)


def planted(d: int, seed: int) -> tuple[list[list[Fraction]], GridBilinear]:
    rng = np.random.default_rng(seed)
    b = [Fraction(int(v)) for v in rng.integers(-2, 3, d + 1)]
    a = [[Fraction(int(v)) for v in rng.integers(-2, 3, d)] for _ in range(d + 1)]
    x = phi(b, a)
    return x, GridBilinear(phi_system(x, d), INTEGER_GRID)


@settings(max_examples=40)
@given(tiny_grid_problems())
@pytest.mark.parametrize(("reduction_type", "backend"), ENCODINGS)
def test_grid_encodings_match_brute_force(reduction_type: type, backend: str, problem: GridBilinear) -> None:
    status, solution, _ = _solve(problem, reduction_type, backend)
    truth = brute_force_grid(problem)
    assert (status is Status.SATISFIABLE) == (truth is not None)
    if solution is not None:
        assert verify_bilinear(problem.system, solution)
        assert all(v in problem.grid for v in solution.b)
        assert all(v in problem.grid for row in solution.a for v in row)


@pytest.mark.parametrize("d", [1, 2, 3, 4])
@pytest.mark.parametrize(("reduction_type", "backend"), ENCODINGS)
def test_planted_grid_points_are_recovered_exactly(reduction_type: type, backend: str, d: int) -> None:
    x, problem = planted(d, seed=10 + d)
    status, solution, _ = _solve(problem, reduction_type, backend)
    assert status is Status.SATISFIABLE
    assert phi(solution.b, solution.a) == x  # may differ from the planted (b, A): scale symmetry


def test_perturbed_x_is_refuted_with_a_drup_checked_proof() -> None:
    x, _ = planted(2, seed=3)
    x[1][0] += 1
    problem = GridBilinear(phi_system(x, 2), INTEGER_GRID)
    assert brute_force_grid(problem) is None
    status, _, (cnf, result) = _solve(problem, BilinearToCnf, "pysat")
    assert status is Status.UNSATISFIABLE
    valid, checker = check_proof(dimacs(cnf.clauses), proof_text(result.proof), Checker.DRUP)
    assert valid and checker is Checker.DRUP
    # the same proof must not refute the unperturbed (feasible) CNF
    x[1][0] -= 1
    feasible = BilinearToCnf().forward(GridBilinear(phi_system(x, 2), INTEGER_GRID))
    assert not check_proof(dimacs(feasible.clauses), proof_text(result.proof), Checker.DRUP)[0]
    status_cp, _, _ = _solve(problem, BilinearToCpSat, "cpsat")
    assert status_cp is Status.UNSATISFIABLE
