"""Variable projection for best fits: A is eliminated exactly per b (weighted least squares); b is searched."""

from __future__ import annotations

import time
from typing import ClassVar

import numpy as np

from problems.lsa.fit import FitTarget, best_a_np
from solvers.adam import loss_and_grad
from solvers.base import Backend, Limits, SolveResult, Status

RESTARTS = 24
ITERATIONS = 300


class VarProBackend(Backend):
    """min_b f(b), f(b) = min_A (φ(b,A) − x)ᵀ W (φ(b,A) − x); f(λb) = f(b), so b stays on the unit sphere.

    Multi-start descent with the exact gradient of f (envelope theorem) and a backtracking line search.
    A local method: it gives an upper bound (the caller re-evaluates it exactly), never a lower bound.
    """

    name: ClassVar[str] = "varpro"
    accepts: ClassVar[frozenset[str]] = frozenset({"phi-fit"})
    complete: ClassVar[bool] = False  # a local method: an upper bound, never a proof
    default_solver: ClassVar[str] = "varpro"

    def solve(self, target: FitTarget, limits: Limits) -> SolveResult:
        self.check_target(target)
        start = time.perf_counter()
        rng = np.random.default_rng(limits.seed)
        best_value, best_b = np.inf, np.ones(target.d + 1)
        restarts = 0
        while restarts < RESTARTS and time.perf_counter() - start <= limits.seconds:
            restarts += 1
            value, b = _descend(target, rng.standard_normal(target.d + 1), start, limits.seconds)
            if value < best_value:
                best_value, best_b = value, b
        a, value = best_a_np(best_b, target.d, target.weight, target.target, target.root)
        return SolveResult(
            Status.SATISFIABLE,
            assignment=[*best_b.tolist(), *a.reshape(-1).tolist()],  # type: ignore[list-item]
            objective=value,
            wall_s=time.perf_counter() - start,
            stats={"solver": "varpro", "restarts": restarts},
        )


def _reduced(target: FitTarget, b: np.ndarray) -> tuple[float, np.ndarray]:
    """f(b) and ∇f(b): by the envelope theorem ∇f(b) = ∂loss/∂b at A = A*(b), the exact inner minimiser."""
    a, _ = best_a_np(b, target.d, target.weight, target.target, target.root)
    value, grad_b, _ = loss_and_grad(target, b, a)
    return value, grad_b


def _descend(target: FitTarget, b: np.ndarray, start: float, seconds: float) -> tuple[float, np.ndarray]:
    b = b / np.linalg.norm(b)
    value, grad = _reduced(target, b)
    step = 0.1
    for _ in range(ITERATIONS):
        grad = grad - (grad @ b) * b  # tangent to the sphere (f is scale invariant)
        if np.linalg.norm(grad) < 1e-13 or time.perf_counter() - start > seconds:
            break
        while step > 1e-12:
            trial = b - step * grad / np.linalg.norm(grad)
            trial /= np.linalg.norm(trial)
            trial_value, trial_grad = _reduced(target, trial)
            if trial_value < value:
                b, value, grad, step = trial, trial_value, trial_grad, step * 2
                break
            step /= 2
        else:
            break
    return value, b
