"""Hypothesis strategies for tiny LSA/bilinear grid problems."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from problems.lsa.grid import GridBilinear
from problems.lsa.phi import phi, phi_system

GRID_POOL = [Fraction(v) for v in (-2, -1, 0, 1, 2)] + [Fraction(1, 2)]


@st.composite
def tiny_grid_problems(draw: st.DrawFn, max_d: int = 2) -> GridBilinear:
    """d ≤ 2, a grid of 2–3 values; X is φ of a grid point, sometimes perturbed in one entry (often infeasible)."""
    d = draw(st.integers(1, max_d))
    grid = tuple(sorted(draw(st.lists(st.sampled_from(GRID_POOL), min_size=2, max_size=3, unique=True))))
    b = draw(st.lists(st.sampled_from(grid), min_size=d + 1, max_size=d + 1))
    a = [draw(st.lists(st.sampled_from(grid), min_size=d, max_size=d)) for _ in range(d + 1)]
    x = phi(b, a)
    if draw(st.booleans()):
        row = draw(st.integers(0, len(x) - 1))
        col = draw(st.integers(0, d - 1))
        x[row][col] += draw(st.sampled_from([Fraction(1), Fraction(-1), Fraction(1, 2)]))
    return GridBilinear(phi_system(x, d), grid)
