"""The `lsa` best-fit strategy: minimise the loss excess (φ(b, A) − X*)ᵀ H (φ(b, A) − X*) over (b, A).

Upper bound: the backend's (b, A) (`varpro`, variable projection; or `gradient`, Adam as in the seed paper),
evaluated exactly. Lower bound: 0 (H ⪰ 0), attained and so optimal when X* itself is realisable (then no backend
runs).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import ClassVar

import numpy as np

from problems.answers import AnswerStatus, Certificate, SolveOptions
from problems.bilinear import fraction_text, to_fraction
from problems.lsa.answer import LsaAnswer
from problems.lsa.fit import FitTarget, loss_excess
from problems.lsa.instance import LsaInstance
from problems.lsa.markov import XStar, x_star_cached
from problems.lsa.phi import phi
from problems.lsa.structure import realise_over_reals
from solvers.registry import get_backend
from solvers.run import Clock, Progress, Run
from solvers.strategies.lsa_common import REPORT_S, LsaStrategy, lsa_stats, split_floats, with_values


@dataclass(frozen=True)
class LsaFitStrategy(LsaStrategy):
    """Best fit to the Markov model's X* on one local backend, with the trivial lower bound 0."""

    name: ClassVar[str] = "lsa-fit"
    instances: ClassVar[str] = "best-fit"
    backends: ClassVar[tuple[str, ...]] = ("varpro", "gradient")
    targets: ClassVar[frozenset[str]] = frozenset({"phi-fit"})

    def _run(self, instance: LsaInstance, options: SolveOptions, clock: Clock, progress: Progress) -> LsaAnswer:
        assert instance.spec.markov is not None
        optimum = x_star_cached(instance.d, instance.spec.markov.n, to_fraction(instance.spec.markov.p))
        exact = realise_over_reals(optimum.x, instance.d)
        if exact.status == "realisable":  # X* itself is realisable: the excess 0 is attained and optimal
            assert exact.b is not None and exact.a is not None
            answer = LsaAnswer(
                status=AnswerStatus.OPTIMAL, mode=instance.mode, loss_excess="0", loss_excess_float=0.0,
                lower_bound="0", gap=0.0, residual="0", stats={"x_star_realisable": True},
            )  # fmt: skip
            claim = "φ(b, A) = X* exactly, so the loss excess 0 is optimal"
            return with_values(answer, exact.b, exact.a, Certificate(kind="solution", checked=True, claim=claim))
        run = Run(instance, options, clock, progress, get_backend(self.backend, self.solver, self.targets))
        progress("search")
        result = run.backend.solve(fit_target(optimum, instance.d), run.limits(at_least=REPORT_S))
        b_float, a_float = split_floats(result.assignment, instance.d)
        b = [Fraction(v) for v in b_float]
        a = [[Fraction(v) for v in row] for row in a_float]
        excess = loss_excess(optimum.moments.h, optimum.flat, [v for row in phi(b, a) for v in row])
        stats = {**lsa_stats(result), "x_star_realisable": {"not-realisable": False, "unknown": None}[exact.status]}
        message = "lower bound 0 is the trivial one (H is positive definite)"
        if exact.status == "not-realisable":
            message += "; X* is not realisable, so the true minimum is > 0"
        answer = LsaAnswer(
            status=AnswerStatus.SOLVED, mode=instance.mode, loss_excess=fraction_text(excess),
            loss_excess_float=float(excess), lower_bound="0", gap=float(excess), stats=stats, message=message,
        )  # fmt: skip
        claim = "loss_excess recomputed exactly from (b, A) and the exact H, X*"
        return with_values(answer, b, a, Certificate(kind="solution", checked=True, claim=claim))


def fit_target(optimum: XStar, d: int) -> FitTarget:
    """The loss excess as a weighted least-squares target: X* and its weight H, as floats for the search."""
    flat = np.array([float(v) for row in optimum.x for v in row])
    weight = np.array([[float(v) for v in r] for r in optimum.moments.h])
    return FitTarget(d, flat, weight)
