"""A small Levenberg–Marquardt search for real solutions of a bilinear system (test evidence, not a decision).

It finds approximate solutions of feasible systems from random starts; a failure to find one is no proof of
infeasibility (the system is nonconvex), which is how the R3 tests use it. Single-column systems only (q = 1).
"""

from __future__ import annotations

import numpy as np

from problems.bilinear import BilinearSystem, to_fraction


def dense_form(system: BilinearSystem) -> tuple[np.ndarray, np.ndarray]:
    """D as an (equations × p × p) array and the targets X, for a system with one column of A."""
    assert system.a_cols == 1, "the search handles one column of A"
    p = system.b_dim
    d = np.zeros((len(system.equations), p, p))
    for r, equation in enumerate(system.equations):
        for k, m, c in equation.coefficients:
            d[r, k, m] += float(to_fraction(c))
    return d, np.asarray([float(to_fraction(e.target)) for e in system.equations])


def least_squares_search(
    system: BilinearSystem, seed: int, starts: int = 4, iterations: int = 150
) -> tuple[float, np.ndarray, np.ndarray]:
    """The smallest max-residual |bᵀ D_r a − X_r| found over `starts` random starts, with its b and a."""
    d, targets = dense_form(system)
    p = system.b_dim
    rng = np.random.default_rng(seed)

    def residual(b: np.ndarray, a: np.ndarray) -> np.ndarray:
        return (d @ a) @ b - targets

    best = (np.inf, np.zeros(p), np.zeros(p))
    for _ in range(starts):
        b, a = rng.normal(size=p), rng.normal(size=p)
        b[0] = a[0] = 1.0  # start away from the saddle b = a = 0
        damping = 1e-2
        current = residual(b, a)
        for _ in range(iterations):
            if np.max(np.abs(current)) < 1e-13:
                break
            jacobian = np.hstack([d @ a, np.tensordot(b, d, axes=([0], [1]))])
            step = np.linalg.solve(jacobian.T @ jacobian + damping * np.eye(2 * p), -jacobian.T @ current)
            trial_b, trial_a = b + step[:p], a + step[p:]
            trial = residual(trial_b, trial_a)
            if trial @ trial < current @ current:
                b, a, current, damping = trial_b, trial_a, trial, max(damping / 3, 1e-12)
            else:
                damping *= 4
        error = float(np.max(np.abs(current)))
        if error < best[0]:
            best = (error, b.copy(), a.copy())
        if error < 1e-13:
            break
    return best
