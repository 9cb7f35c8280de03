"""The LSA map φ(b, A) = X (SPEC §2), its exact verifier, and its converter to the general bilinear form.

Rows of X are the unique entries (i', j'), i' ≤ j', of the (d+1)×(d+1) matrix G in row-major upper-triangular order;
columns are j = 0..d-1:
    X_{(i'j'), j} = b_{i'} A_{j'j} + b_{j'} A_{i'j}   (i' < j'),      X_{(i'i'), j} = b_{i'} A_{i'j}.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from problems.bilinear import BilinearEquation, BilinearSolution, BilinearSystem, fraction_text
from problems.lsa.markov import unique_pairs


def phi(b: Sequence[Fraction], a: Sequence[Sequence[Fraction]]) -> list[list[Fraction]]:
    """X = φ(b, A) exactly, for b of length d+1 and A of shape (d+1) × d.

    >>> phi([1, 2], [[3], [5]])  # d = 1: rows (0,0), (0,1), (1,1)
    [[3], [11], [10]]
    """
    size = len(b)
    d = size - 1
    if len(a) != size or any(len(row) != d for row in a):
        raise ValueError(f"A must be {size}×{d} for b of length {size}")
    out = []
    for u, v in unique_pairs(d):
        if u == v:
            out.append([b[u] * a[u][j] for j in range(d)])
        else:
            out.append([b[u] * a[v][j] + b[v] * a[u][j] for j in range(d)])
    return out


def phi_system(x: Sequence[Sequence[Fraction]], d: int) -> BilinearSystem:
    """The general bilinear form of φ(b, A) = X: one equation per (row (u,v), column j), D = e_u e_vᵀ + e_v e_uᵀ."""
    equations = []
    for (u, v), row in zip(unique_pairs(d), x, strict=True):
        coefficients: list[tuple[int, int, int | str]] = [(u, u, 1)] if u == v else [(u, v, 1), (v, u, 1)]
        for j, target in enumerate(row):
            equations.append(BilinearEquation(coefficients=coefficients, column=j, target=fraction_text(target)))
    return BilinearSystem(b_dim=d + 1, a_cols=d, equations=equations)


def phi_residual(x: Sequence[Sequence[Fraction]], solution: BilinearSolution) -> Fraction:
    """max |X − φ(b, A)| over all entries, exactly."""
    image = phi(solution.b, solution.a)
    return max(
        abs(Fraction(t) - v) for trow, vrow in zip(x, image, strict=True) for t, v in zip(trow, vrow, strict=True)
    )
