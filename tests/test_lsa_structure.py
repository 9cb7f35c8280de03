"""The support-enumeration algorithm for φ: exact over a grid (vs brute force) and over the reals (surds)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from problems.lsa.grid import GridBilinear, brute_force_grid
from problems.lsa.markov import x_star
from problems.lsa.phi import phi
from problems.lsa.structure import Radical, phi_equals, poly_gcd, realise_on_grid, realise_over_reals
from tests.lsa_strategies import tiny_grid_problems


def x_of(problem: GridBilinear) -> tuple[list[list[Fraction]], int]:
    d = problem.system.a_cols
    targets = [Fraction(eq.target) for eq in problem.system.equations]
    return [targets[i * d : (i + 1) * d] for i in range(len(targets) // d)], d


def test_radical_arithmetic() -> None:
    root2 = Radical.sqrt_of(Fraction(2))
    assert (1 + root2) * (1 - root2) == -1
    assert Radical.sqrt_of(Fraction(8)) == 2 * root2
    assert Radical.sqrt_of(Fraction(2)) * Radical.sqrt_of(Fraction(3)) == Radical.sqrt_of(Fraction(6))
    assert not (root2 + Radical.sqrt_of(Fraction(3))).is_zero()
    assert Radical.sqrt_of(Fraction(1, 2)) == root2 * Fraction(1, 2)
    value = Radical({1: Fraction(3), 5: Fraction(2)})
    assert value * value.inverse_single() == 1


def test_poly_gcd() -> None:
    # (ρ − 1)(ρ − 2) and (ρ − 1)(ρ + 3) share ρ − 1
    assert poly_gcd([[Fraction(1), Fraction(-3), Fraction(2)], [Fraction(1), Fraction(2), Fraction(-3)]]) == [1, -1]
    assert poly_gcd([[Fraction(0)], []]) == []


@settings(max_examples=60)
@given(tiny_grid_problems())
def test_grid_algorithm_matches_brute_force(problem: GridBilinear) -> None:
    x, d = x_of(problem)
    found = realise_on_grid(x, d, list(problem.grid))
    truth = brute_force_grid(problem)
    assert (found is None) == (truth is None)
    if found is not None:
        assert phi(found.b, found.a) == x
        assert all(v in problem.grid for v in [*found.b, *(e for row in found.a for e in row)])


@settings(max_examples=60)
@given(tiny_grid_problems())
def test_real_algorithm_agrees_with_grid_solutions(problem: GridBilinear) -> None:
    """A grid solution is a real one; and every `realisable` answer checks exactly."""
    x, d = x_of(problem)
    real = realise_over_reals(x, d)
    if brute_force_grid(problem) is not None:
        assert real.status in ("realisable", "unknown")
    if real.status == "realisable":
        assert phi_equals(x, real.b, real.a)


@pytest.mark.parametrize("d", [1, 2, 3, 4, 5])
def test_planted_real_points_are_realisable(d: int) -> None:
    rng = np.random.default_rng(d)
    b = [Fraction(int(v), int(w)) for v, w in zip(rng.integers(-9, 10, d + 1), rng.integers(1, 5, d + 1), strict=True)]
    b = [v if v != 0 else Fraction(1) for v in b]
    a = [[Fraction(int(v), 3) for v in rng.integers(-9, 10, d)] for _ in range(d + 1)]
    x = phi(b, a)
    result = realise_over_reals(x, d)
    assert result.status == "realisable"
    assert phi_equals(x, result.b, result.a)
    if d >= 2:  # d = 1 has 3 equations for 3 degrees of freedom: a nudge usually stays realisable
        x[-1][0] += 1
        assert realise_over_reals(x, d).status in ("not-realisable", "unknown")


def test_d1_x_star_is_realisable_only_with_a_surd() -> None:
    """d = 1: X = (x00, x01, x11) and b = (1, ρ) needs x00 ρ² − x01 ρ + x11 = 0; here the discriminant is no square."""
    xs = x_star(1, 100)
    result = realise_over_reals(xs.x, 1)
    assert result.status == "realisable"
    assert not result.b[1].is_rational()
    assert phi_equals(xs.x, result.b, result.a)


@pytest.mark.parametrize("d", [2, 3])
def test_x_star_is_not_realisable_for_d_at_least_2(d: int) -> None:
    assert realise_over_reals(x_star(d, 100).x, d).status == "not-realisable"


@given(st.integers(-3, 3), st.integers(-3, 3), st.integers(-3, 3))
def test_d1_realisability_by_the_discriminant(x00: int, x01: int, x11: int) -> None:
    """d = 1, derived by hand: realisable iff x00 = x11 = 0, or x01² ≥ 4 x00 x11 (a real ratio or a zero b_u)."""
    x = [[Fraction(x00)], [Fraction(x01)], [Fraction(x11)]]
    expected = x01 * x01 >= 4 * x00 * x11 or (x00 == 0 and x11 == 0)
    result = realise_over_reals(x, 1)
    assert result.status != "unknown" or (x00 == 0 and x01 == 0 and x11 == 0)
    assert (result.status == "realisable") == expected
