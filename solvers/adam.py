"""The baseline users would otherwise pick: Adam (lr 0.01) on the LSA parameters (b, A) directly, in numpy."""

from __future__ import annotations

import time

import numpy as np

from problems.lsa.fit import FitTarget, phi_np
from problems.lsa.markov import unique_pairs
from solvers.base import Limits, SolveResult, Status

LEARNING_RATE = 0.01
MAX_STEPS = 20_000


def loss_and_grad(target: FitTarget, b: np.ndarray, a: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """(φ − x)ᵀ W (φ − x) and its gradients in b and A (φ is bilinear: chain rule through both factors)."""
    d = target.d
    res = phi_np(b, a) - target.target
    g = (2 * target.weight @ res).reshape(-1, d)  # ∂loss/∂X, m × d
    pairs = unique_pairs(d)
    u = np.array([p[0] for p in pairs])
    v = np.array([p[1] for p in pairs])
    off = u != v
    grad_b = np.zeros_like(b)
    grad_a = np.zeros_like(a)
    # X_(uv) = b_u A_v + b_v A_u (u < v);  X_(uu) = b_u A_u
    np.add.at(grad_b, u, np.einsum("ij,ij->i", g, a[v]))
    np.add.at(grad_b, v[off], np.einsum("ij,ij->i", g[off], a[u[off]]))
    np.add.at(grad_a, v, b[u, None] * g)
    np.add.at(grad_a, u[off], b[v[off], None] * g[off])
    return float(res @ target.weight @ res), grad_b, grad_a


def fit_adam(target: FitTarget, limits: Limits) -> SolveResult:
    """Adam on (b, A) from a seeded small random start: the `adam` sub-solver of the `gradient` backend.

    `assignment` is the best (b, A) seen, b then A row-major (floats); `objective` its loss.
    """
    start = time.perf_counter()
    rng = np.random.default_rng(limits.seed)
    d = target.d
    params = [rng.normal(0, 0.1, d + 1), rng.normal(0, 0.1, (d + 1, d))]
    moments = [np.zeros_like(p) for p in params]
    squares = [np.zeros_like(p) for p in params]
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    best = (np.inf, params[0].copy(), params[1].copy())
    step = 0
    for step in range(1, MAX_STEPS + 1):
        value, *grads = loss_and_grad(target, *params)
        if value < best[0]:
            best = (value, params[0].copy(), params[1].copy())
        for i, grad in enumerate(grads):
            moments[i] = beta1 * moments[i] + (1 - beta1) * grad
            squares[i] = beta2 * squares[i] + (1 - beta2) * grad**2
            m_hat = moments[i] / (1 - beta1**step)
            v_hat = squares[i] / (1 - beta2**step)
            params[i] = params[i] - LEARNING_RATE * m_hat / (np.sqrt(v_hat) + eps)
        if time.perf_counter() - start > limits.seconds:  # every step: one costs microseconds (d ≤ 12)
            break
    value, b, a = best
    return SolveResult(
        Status.SATISFIABLE,
        assignment=[*b.tolist(), *a.reshape(-1).tolist()],
        objective=value,
        wall_s=time.perf_counter() - start,
        stats={"solver": "adam", "steps": step, "lr": LEARNING_RATE},
    )
