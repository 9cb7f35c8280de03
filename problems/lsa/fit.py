"""Exact and float helpers for fitting (b, A): φ as a linear map of A for fixed b, least squares, the loss excess.

For fixed b, φ(b, A) is linear in A: vec(φ) = L(b) vec(A) with vec row-major over (row (u,v), column j) and over
(l, j) respectively:  L[(u,v),j ; l,j] = b_u [l = v] + b_v [l = u] for u < v, and b_u [l = u] for u = v.
The loss excess of X against the Markov optimum is E(X) = (X − X*)ᵀ H (X − X*) = L(X) − L(X*) (SPEC §2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

import numpy as np

from problems.lsa.markov import min_norm_solution, unique_pairs


def column_map(b: Sequence[Fraction], d: int) -> list[list[Fraction]]:
    """M(b) (m × (d+1)) with φ(b, A)[:, j] = M(b) A[:, j] for every column j."""
    pairs = unique_pairs(d)
    out = [[Fraction(0)] * (d + 1) for _ in pairs]
    for i, (u, v) in enumerate(pairs):
        out[i][v] += b[u]
        if u != v:
            out[i][u] += b[v]
    return out


def exact_a_given_b(x: Sequence[Sequence[Fraction]], b: Sequence[Fraction], d: int) -> list[list[Fraction]]:
    """The minimum-norm least-squares A for fixed b, exactly: per column, (MᵀM) a = Mᵀ X[:, j]."""
    m_b = column_map(b, d)
    gram = [[sum((r[i] * r[k] for r in m_b), Fraction(0)) for k in range(d + 1)] for i in range(d + 1)]
    columns = []
    for j in range(d):
        rhs = [sum((r[i] * x[row][j] for row, r in enumerate(m_b)), Fraction(0)) for i in range(d + 1)]
        columns.append(min_norm_solution(gram, rhs)[0] if any(any(r) for r in gram) else [Fraction(0)] * (d + 1))
    return [[columns[j][row] for j in range(d)] for row in range(d + 1)]


def loss_excess(h: Sequence[Sequence[Fraction]], x_star: Sequence[Fraction], x: Sequence[Fraction]) -> Fraction:
    """(X − X*)ᵀ H (X − X*) exactly (flat, row-major)."""
    diff = [a - c for a, c in zip(x, x_star, strict=True)]
    nonzero = [i for i, v in enumerate(diff) if v]
    return sum((diff[i] * diff[k] * h[i][k] for i in nonzero for k in nonzero), Fraction(0))


# ---------------------------------------------------------------- float versions for searches


def linear_map_np(b: np.ndarray, d: int) -> np.ndarray:
    """L(b) as a float array (m d × (d+1) d)."""
    pairs = unique_pairs(d)
    out = np.zeros((len(pairs) * d, (d + 1) * d))
    for i, (u, v) in enumerate(pairs):
        for j in range(d):
            out[i * d + j, v * d + j] += b[u]
            if u != v:
                out[i * d + j, u * d + j] += b[v]
    return out


def phi_np(b: np.ndarray, a: np.ndarray) -> np.ndarray:
    """φ(b, A) flattened row-major, in floats (vectorised)."""
    d = a.shape[1]
    pairs = unique_pairs(d)
    u = np.array([p[0] for p in pairs])
    v = np.array([p[1] for p in pairs])
    rows = b[u, None] * a[v] + b[v, None] * a[u]
    rows[u == v] /= 2
    return rows.reshape(-1)


def best_a_np(
    b: np.ndarray, d: int, weight: np.ndarray, target: np.ndarray, root: np.ndarray | None = None
) -> tuple[np.ndarray, float]:
    """argmin_A (L a − x)ᵀ W (L a − x) for fixed b (W positive definite, W = R Rᵀ), and its value, in floats."""
    lin = linear_map_np(b, d)
    if root is None:
        root = np.linalg.cholesky(weight)  # the loss is ‖Rᵀ (L a − x)‖²
    a, *_ = np.linalg.lstsq(root.T @ lin, root.T @ target, rcond=None)
    res = lin @ a - target
    return a.reshape(d + 1, d), float(res @ weight @ res)


@dataclass(frozen=True)
class FitTarget:
    """Minimise (φ(b, A) − x)ᵀ W (φ(b, A) − x) over real (b, A): x flat (m d), W positive definite (m d × m d)."""

    d: int
    target: np.ndarray
    weight: np.ndarray

    @cached_property
    def root(self) -> np.ndarray:
        """R with W = R Rᵀ (Cholesky), computed once."""
        return np.linalg.cholesky(self.weight)
