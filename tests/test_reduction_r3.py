"""R3 (two-plane separability → bilinear system) and the exhaustive separability decider.

What these tests establish, and what they do not:
- the 1D/2D decider agrees with two independent characterisations (the interval rule in 1D; in 2D, "Q splits into
  two parts, each strictly linearly separable from P", decided by LP);
- separable ⇒ target feasible: the decider's planes map forward to a target solution that satisfies every
  equation exactly in rationals, and backward maps it (and rescaled copies) to separating planes;
- target solutions found by a numerical search, not by our forward map, lift to separating planes;
- non-separable ⇒ target infeasible is only *evidenced* here: a Levenberg–Marquardt search from random starts
  finds no approximate solution. That direction rests on the proof in docs/reductions.md (R3); a real bilinear
  system cannot be proven infeasible by sampling.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from problems.bilinear import BilinearSolution, verify_bilinear
from problems.hard_instances import random_point_sets
from problems.separability import Plane, SeparabilityInstance, TwoPlanes, decide_separability, separates
from reductions.separability_to_bilinear import SeparabilityToBilinear, four_squares, rational_four_squares
from tests.bilinear_search import least_squares_search
from tests.strategies_reductions import tiny_point_sets


def strictly_linearly_separable(positive: list, negative: list) -> bool:
    """LP (GLOP): ∃ w, γ with w·p − γ ≥ 1 on P and γ − w·q ≥ 1 on the given part of Q."""
    from ortools.linear_solver import pywraplp

    solver = pywraplp.Solver.CreateSolver("GLOP")
    dim = len((positive or negative)[0])
    w = [solver.NumVar(-solver.infinity(), solver.infinity(), f"w{j}") for j in range(dim)]
    gamma = solver.NumVar(-solver.infinity(), solver.infinity(), "gamma")
    for p in positive:
        solver.Add(sum(float(c) * wj for c, wj in zip(p, w, strict=True)) - gamma >= 1)
    for q in negative:
        solver.Add(gamma - sum(float(c) * wj for c, wj in zip(q, w, strict=True)) >= 1)
    return solver.Solve() in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE)


def separable_by_lp(instance: SeparabilityInstance) -> bool:
    positive, negative = instance.points()
    if not positive or not negative:
        return True
    for mask in range(1 << len(negative)):
        first = [q for i, q in enumerate(negative) if mask >> i & 1]
        second = [q for i, q in enumerate(negative) if not mask >> i & 1]
        if all(not part or strictly_linearly_separable(positive, part) for part in (first, second)):
            return True
    return False


@settings(max_examples=200)
@given(instance=tiny_point_sets(dim=1))
def test_decider_1d_is_the_interval_rule(instance: SeparabilityInstance) -> None:
    positive, negative = instance.points()
    low, high = min(p[0] for p in positive), max(p[0] for p in positive)
    expected = not any(low <= q[0] <= high for q in negative)
    planes = decide_separability(instance)
    assert (planes is not None) == expected
    if planes is not None:
        assert separates(instance, planes)


@settings(max_examples=150)
@given(instance=tiny_point_sets(dim=2))
def test_decider_2d_agrees_with_lp_characterisation(instance: SeparabilityInstance) -> None:
    planes = decide_separability(instance)
    event(f"separable: {planes is not None}")
    assert (planes is not None) == separable_by_lp(instance)
    if planes is not None:
        assert separates(instance, planes)


def check_witness_round_trip(instance: SeparabilityInstance, planes: TwoPlanes) -> None:
    reduction = SeparabilityToBilinear()
    system = reduction.forward(instance)
    d, n_p, n_q = instance.dim, len(instance.positive), len(instance.negative)
    unknowns = 2 * (d + 1) + 8 * n_p + 10 * n_q
    assert (system.b_dim, system.a_cols, len(system.equations)) == (unknowns + 1, 1, 1 + unknowns + 2 * n_p + 3 * n_q)
    solution = reduction.forward_solution(planes)
    assert verify_bilinear(system, solution)  # exact, in rationals
    assert separates(instance, reduction.backward(solution))
    for scale in (Fraction(-3, 7), Fraction(5)):  # the symmetry (λb, A/λ) gives other solutions
        scaled = BilinearSolution([scale * v for v in solution.b], [[v / scale for v in row] for row in solution.a])
        assert verify_bilinear(system, scaled)
        assert separates(instance, reduction.backward(scaled))


@settings(max_examples=150)
@given(instance=st.sampled_from([1, 2]).flatmap(lambda dim: tiny_point_sets(dim=dim)))
def test_r3_separable_witness_maps_to_exact_target_solution(instance: SeparabilityInstance) -> None:
    planes = decide_separability(instance)
    event(f"dim {instance.dim}, separable: {planes is not None}")
    if planes is not None:
        check_witness_round_trip(instance, planes)


def numeric_cases() -> list[SeparabilityInstance]:
    cases = [random_point_sets(1 + seed % 2, 2, 2 + seed % 2, spread=3, seed=seed) for seed in range(20)]
    cases.append(SeparabilityInstance(dim=2, positive=[[0, 0], [2, 0]], negative=[[1, 0], [0, 1]]))
    cases.append(SeparabilityInstance(dim=1, positive=[[-1], [1]], negative=[[0]]))
    return cases


@pytest.mark.parametrize("index", range(22))
def test_r3_numeric_search_agrees_with_decider(index: int) -> None:
    instance = numeric_cases()[index]
    reduction = SeparabilityToBilinear()
    system = reduction.forward(instance)
    error, b, a = least_squares_search(system, seed=index)
    if decide_separability(instance) is None:
        assert error > 1e-3, "a near-solution of a non-separable instance would contradict the proof"
        return
    assert error < 1e-9, "the search found no solution of a separable instance (search failure, not a proof)"
    found = BilinearSolution([Fraction(v) for v in b], [[Fraction(v)] for v in a])
    assert separates(instance, reduction.backward(found))  # a solution our forward map did not make


def test_r3_worked_example() -> None:
    """docs/reductions.md, R3 example: P = {0}, Q = {-1, 1} on the line is separable; P = {-1, 1}, Q = {0} is not."""
    inside = SeparabilityInstance(dim=1, positive=[[0]], negative=[[-1], [1]])
    planes = decide_separability(inside)
    assert planes is not None
    reduction = SeparabilityToBilinear()
    system = reduction.forward(inside)
    assert (system.b_dim, len(system.equations)) == (33, 41)
    solution = reduction.forward_solution(planes)
    assert verify_bilinear(system, solution)
    lifted = reduction.backward(solution)
    assert separates(inside, lifted)
    assert decide_separability(SeparabilityInstance(dim=1, positive=[[-1], [1]], negative=[[0]])) is None


@settings(max_examples=300)
@given(n=st.integers(0, 10**40), numerator=st.integers(0, 10**12), denominator=st.integers(1, 10**12))
def test_four_squares(n: int, numerator: int, denominator: int) -> None:
    assert sum(v * v for v in four_squares(n)) == n
    value = Fraction(numerator, denominator)
    assert sum(t * t for t in rational_four_squares(value)) == value


def test_forward_solution_rejects_planes_that_do_not_separate() -> None:
    instance = SeparabilityInstance(dim=1, positive=[[-1], [1]], negative=[[0]])
    reduction = SeparabilityToBilinear()
    reduction.forward(instance)
    planes = TwoPlanes(Plane((Fraction(1),), Fraction(-2)), Plane((Fraction(-1),), Fraction(-2)))
    with pytest.raises(ValueError):
        reduction.forward_solution(planes)
