"""The finite (exact-grid) form of the bilinear problem: every entry of b and A takes a value from one grid.

Brute force for the tests: equation r reads only column j_r of A and is linear in that column once b is fixed,
so the columns separate given b. Cost: |grid|^p · q · |grid|^p checks.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction

from problems.bilinear import BilinearSolution, BilinearSystem, to_fraction


@dataclass(frozen=True)
class GridBilinear:
    """Find b ∈ grid^p, A ∈ grid^{p×q} with bᵀ D^(r) A[:, j_r] = X_r for all r."""

    system: BilinearSystem
    grid: tuple[Fraction, ...]


def _column_equations(system: BilinearSystem, column: int) -> list[tuple[list[tuple[int, int, Fraction]], Fraction]]:
    return [
        ([(k, row, to_fraction(v)) for k, row, v in eq.coefficients], to_fraction(eq.target))
        for eq in system.equations
        if eq.column == column
    ]


def brute_force_grid(problem: GridBilinear) -> BilinearSolution | None:
    """Some grid solution, or None when none exists (exhaustive; tiny instances only)."""
    system, grid = problem.system, problem.grid
    columns = [_column_equations(system, j) for j in range(system.a_cols)]
    for b in itertools.product(grid, repeat=system.b_dim):
        found = []
        for eqs in columns:
            col = next(
                (
                    cand
                    for cand in itertools.product(grid, repeat=system.b_dim)
                    if all(sum((c * b[k] * cand[row] for k, row, c in coeffs), Fraction(0)) == t for coeffs, t in eqs)
                ),
                None,
            )
            if col is None:
                break
            found.append(col)
        else:
            a = [[found[j][row] for j in range(system.a_cols)] for row in range(system.b_dim)]
            return BilinearSolution(list(b), a)
    return None


@dataclass(frozen=True)
class BoxBilinear:
    """Find b on the dyadic grid lo + i·(hi − lo)/2^K (0 ≤ i < 2^K) and real A ∈ [lo, hi]^{p×q}
    with |bᵀ D^(r) A[:, j_r] − X_r| ≤ ε for all r."""

    system: BilinearSystem
    lo: Fraction
    hi: Fraction
    bits: int
    epsilon: Fraction

    @property
    def step(self) -> Fraction:
        return (self.hi - self.lo) / 2**self.bits

    def b_value(self, index: int) -> Fraction:
        return self.lo + index * self.step
