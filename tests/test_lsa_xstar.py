"""Exact X* of the enlarged LSA model on Markov chains: a hand derivation at d = 1, two exact routes, Monte Carlo."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from problems.lsa.markov import exact_moments, loss, min_norm_solution, reference_moments, x_star
from problems.lsa.monte_carlo import mean_and_se, sample_prompts


def _det3(m: list[list[Fraction]]) -> Fraction:
    return (
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    )


def test_d1_matches_the_hand_derivation() -> None:
    """d = 1, p = 1/2, n = 100: the chain is (s0, s1), x = s0, y = s1, and g = (mean z0, mean z0 z1, mean z1).

    Given the kernel, M_0 = Pr[s0 = 1] = 1/2, s := M_01 = (1 − p10)/2, q := M_1 = (1 − p10 + p01)/2. Over U(0,1)²:
    E[s] = 1/4, E[q] = 1/2, E[s²] = 1/12, E[q²] = (1/3 + 1/2 + 1/3)/4 = 7/24, E[sq] = (1/3 + 1/4)/4 = 7/48.
    Features f_a = g_a x_0 and E[x_0² | P] = M_0 = 1/2, so H_ab = (1/2) K_ab with
    K_ab = E[(1/n) M_{a∪b} + (1 − 1/n) M_a M_b] (every union of two distinct rows is {0,1}):
        K_00 = 1/(2n) + (1 − 1/n)/4        K_01 = 1/(4n) + (1 − 1/n)/8     K_02 = 1/(4n) + (1 − 1/n)/4
        K_11 = 1/(4n) + (1 − 1/n)/12       K_12 = 1/(4n) + (1 − 1/n)·7/48  K_22 = 1/(2n) + (1 − 1/n)·7/24
    r_a = E[M_a · M_01]: r = (1/8, 1/12, 7/48); E[y²] = E[q] = 1/2.
    Cramer's rule on this 3×3 system at n = 100 gives X* = (−200/16527, 29800/16527, 80/787).
    """
    n = Fraction(100)
    a, b = 1 / n, 1 - 1 / n
    k = [
        [a / 2 + b / 4, a / 4 + b / 8, a / 4 + b / 4],
        [a / 4 + b / 8, a / 4 + b / 12, a / 4 + b * Fraction(7, 48)],
        [a / 4 + b / 4, a / 4 + b * Fraction(7, 48), a / 2 + b * Fraction(7, 24)],
    ]
    h = [[v / 2 for v in row] for row in k]
    r = [Fraction(1, 8), Fraction(1, 12), Fraction(7, 48)]
    moments = exact_moments(1, 100, Fraction(1, 2))
    assert moments.h == h
    assert moments.r == r
    assert moments.ey2 == Fraction(1, 2)
    det = _det3(h)
    cramer = [_det3([[r[i] if c == col else h[i][c] for c in range(3)] for i in range(3)]) / det for col in range(3)]
    result = x_star(1, 100, Fraction(1, 2))
    assert result.flat == cramer
    assert result.x == [[Fraction(-200, 16527)], [Fraction(29800, 16527)], [Fraction(80, 787)]]
    assert result.min_loss == Fraction(1, 2) - sum((ri * xi for ri, xi in zip(r, cramer, strict=True)), Fraction(0))


@pytest.mark.parametrize(("d", "n", "p"), [(1, 3, Fraction(1, 2)), (2, 5, Fraction(1, 3)), (2, 1, Fraction(3, 4))])
def test_quadrature_route_equals_beta_integrals(d: int, n: int, p: Fraction) -> None:
    fast, slow = exact_moments(d, n, p), reference_moments(d, n, p)
    assert fast.h == slow.h
    assert fast.r == slow.r
    assert fast.ey2 == slow.ey2


def test_x_star_is_a_stationary_point_and_the_minimum() -> None:
    result = x_star(2, 7, Fraction(2, 5))
    moments = result.moments
    flat = result.flat
    gradient = [
        sum((h * x for h, x in zip(row, flat, strict=True)), Fraction(0)) - r
        for row, r in zip(moments.h, moments.r, strict=True)
    ]
    assert not any(gradient)
    assert result.rank == len(flat)
    assert loss(moments, flat) == result.min_loss
    nudged = list(flat)
    nudged[3] += Fraction(1, 1000)
    assert loss(moments, nudged) > result.min_loss


def test_degenerate_start_gives_the_minimum_norm_solution() -> None:
    """p = 0 pins s_0 = 0, so every feature with row (0, ·) or column 0 vanishes and H is singular."""
    result = x_star(2, 4, 0)
    assert result.rank == 3
    h = result.moments.h
    assert all(
        sum((a * b for a, b in zip(row, result.flat, strict=True)), Fraction(0)) == r
        for row, r in zip(h, result.moments.r, strict=True)
    )
    # minimum norm: X* lies in the row space of H, so it is zero on every feature that H ignores
    for i, row in enumerate(h):
        if not any(row):
            assert result.flat[i] == 0


def test_min_norm_solution_on_a_small_singular_system() -> None:
    matrix = [[Fraction(1), Fraction(1)], [Fraction(1), Fraction(1)]]
    x, rank = min_norm_solution(matrix, [Fraction(2), Fraction(2)])
    assert (x, rank) == ([Fraction(1), Fraction(1)], 1)


@pytest.mark.parametrize(("d", "n", "prompts"), [(1, 4, 200_000), (2, 4, 150_000), (3, 3, 100_000)])
def test_monte_carlo_agrees_within_three_standard_errors(d: int, n: int, prompts: int) -> None:
    """Scalar statistics, each within 3 SE: E[y], the loss at X*, and random projections uᵀ r and uᵀ H u."""
    result = x_star(d, n, Fraction(1, 2))
    sample = sample_prompts(d, n, 0.5, prompts, seed=d)
    f, y = sample.features, sample.labels
    xs = np.array([float(v) for v in result.flat])
    checks = [(y, result.moments.ey2), ((f @ xs - y) ** 2, result.min_loss)]
    rng = np.random.default_rng(100 + d)
    for _ in range(3):
        u = rng.standard_normal(len(xs))
        u_frac = [Fraction(v) for v in u]
        exact_r = sum((a * b for a, b in zip(u_frac, result.moments.r, strict=True)), Fraction(0))
        hu = [sum((h * v for h, v in zip(row, u_frac, strict=True)), Fraction(0)) for row in result.moments.h]
        exact_q = sum((a * b for a, b in zip(u_frac, hu, strict=True)), Fraction(0))
        checks += [((f @ u) * y, exact_r), ((f @ u) ** 2, exact_q)]
    for values, exact in checks:
        mean, se = mean_and_se(values)
        assert abs(mean - float(exact)) <= 3 * se, (mean, float(exact), se)
