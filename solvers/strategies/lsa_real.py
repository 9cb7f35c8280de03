"""The `lsa` real strategy: b and A real in a box with ‖φ(b, A) − X‖∞ ≤ ε.

Backends (first the default): `mathopt`, a MILP with b expanded in binary over a dyadic grid and exact products
(SCIP or HiGHS; its `infeasible` rests on floating-point tolerances: never a checked certificate); `structure`,
exact over the reals for ε = 0 (support enumeration, rescaled into the box by (λb, A/λ)); `gradient` (Adam, a
heuristic). Every point returned passes the exact ε check.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar

from problems.answers import AnswerStatus, Certificate, SolveOptions
from problems.bilinear import fraction_text
from problems.errors import InvalidOptions, VerificationFailed
from problems.lsa.answer import LsaAnswer
from problems.lsa.fit import FitTarget, exact_a_given_b
from problems.lsa.grid import BoxBilinear
from problems.lsa.instance import LsaInstance
from problems.lsa.phi import phi
from problems.lsa.structure import PhiTarget, phi_equals
from reductions.registry import find_encoding
from solvers.base import SolveResult, Status
from solvers.registry import get_backend
from solvers.run import Clock, Progress, Run
from solvers.strategies.lsa_common import (
    REPORT_S,
    LsaStrategy,
    lsa_stats,
    residual,
    split_exact,
    split_floats,
    with_values,
)


@dataclass(frozen=True)
class LsaRealStrategy(LsaStrategy):
    """Real-mode recovery on one backend: the MILP encoding, φ itself, or a least-squares fit target."""

    name: ClassVar[str] = "lsa-real"
    instances: ClassVar[str] = "real"
    backends: ClassVar[tuple[str, ...]] = ("mathopt", "structure", "gradient")
    targets: ClassVar[frozenset[str]] = frozenset({"mathopt", "phi", "phi-fit"})

    def refuses(self, instance: LsaInstance) -> None:
        if self.backend == "structure" and instance.epsilon != 0:
            raise InvalidOptions("the structure backend decides ε = 0 only", "options.backend")

    def _run(self, instance: LsaInstance, options: SolveOptions, clock: Clock, progress: Progress) -> LsaAnswer:
        backend = get_backend(self.backend, self.solver, self.targets)
        run = Run(instance, options, clock, progress, backend)
        takes = backend.solver_accepts(backend.solver)
        limits = run.limits(at_least=REPORT_S)
        if "phi" in takes:  # ε = 0 here: `refuses` turned the others away before any work
            progress("search")
            return exact_over_reals(instance, backend.solve(PhiTarget(instance.x, instance.d), limits))
        if "phi-fit" in takes:  # a local method on the plain least-squares loss
            progress("search")
            result = backend.solve(FitTarget(instance.d, _flat(instance), _identity(instance)), limits)
            b, a = split_floats(result.assignment, instance.d)
            return real_candidate(instance, [Fraction(v) for v in b], a, lsa_stats(result), heuristic=True)
        lo, hi = instance.box
        problem = BoxBilinear(instance.system, lo, hi, instance.spec.bits, instance.epsilon)
        progress("encode")
        model, reduction = find_encoding("box-bilinear", takes).encode(problem)
        progress("search")
        result = backend.solve(model, run.limits(at_least=REPORT_S))
        stats = lsa_stats(result)
        if result.status in (Status.SATISFIABLE, Status.OPTIMAL):
            b, a = reduction.backward(result.assignment)
            return real_candidate(instance, b, a, stats, heuristic=False)
        if result.status is Status.UNSATISFIABLE:
            claim = (
                f"no b on the dyadic grid {fraction_text(lo)} + i·{fraction_text(problem.step)} (0 ≤ i < 2^"
                f"{problem.bits}) with A real in [{fraction_text(lo)}, {fraction_text(hi)}] meets ‖φ(b,A) − X‖∞ ≤ "
                f"{fraction_text(instance.epsilon)} (MILP solver, floating-point tolerances; not a proof)"
            )
            certificate = Certificate(kind="none", checked=False, claim=claim)
            return LsaAnswer(status=AnswerStatus.INFEASIBLE, mode=instance.mode, certificate=certificate, stats=stats)
        return LsaAnswer(status=AnswerStatus.UNKNOWN, mode=instance.mode, stats=stats, message="the time limit ran out")


def _flat(instance: LsaInstance) -> Any:
    import numpy as np

    return np.array([float(v) for row in instance.x for v in row])


def _identity(instance: LsaInstance) -> Any:
    import numpy as np

    return np.eye(len(instance.x) * instance.d)


def real_candidate(
    instance: LsaInstance, b: list[Fraction], a_float: list[list[float]], stats: dict[str, Any], heuristic: bool
) -> LsaAnswer:
    """Accept (b, A) only if max |φ − X| ≤ ε exactly and A is in the box; try the solver's A, then exact LS."""
    lo, hi = instance.box
    candidates = [[[Fraction(v) for v in row] for row in a_float], exact_a_given_b(instance.x, b, instance.d)]
    for a in candidates:
        gap = residual(instance.x, phi(b, a))
        if gap <= instance.epsilon and all(lo <= e <= hi for row in a for e in row):
            claim = f"max |φ(b, A) − X| = {fraction_text(gap)} ≤ ε, A in the box (exact arithmetic)"
            answer = LsaAnswer(status=AnswerStatus.SOLVED, mode=instance.mode, residual=fraction_text(gap), stats=stats)
            return with_values(answer, b, a, Certificate(kind="solution", checked=True, claim=claim))
    why = "a local method: no (b, A) within ε found" if heuristic else "the solver's point fails the exact ε check"
    return LsaAnswer(status=AnswerStatus.UNKNOWN, mode=instance.mode, stats=stats, message=why)


def exact_over_reals(instance: LsaInstance, result: SolveResult) -> LsaAnswer:
    """The support-enumeration verdict over the reals (ε = 0), its (b, A) re-verified in Q(√D)."""
    stats = lsa_stats(result)
    if result.status is Status.SATISFIABLE:
        b, a = split_exact(result.assignment, instance.d)
        if not phi_equals(instance.x, b, a):
            raise VerificationFailed("the structure backend's (b, A) does not reproduce X exactly")
        scaled = into_box(b, a, *instance.box)
        if scaled is None:
            why = "X is realisable over the reals, but no rescaling (λb, A/λ) of the (b, A) found fits the box"
            return LsaAnswer(status=AnswerStatus.UNKNOWN, mode=instance.mode, stats=stats, message=why)
        (b, a), scale = scaled
        answer = LsaAnswer(status=AnswerStatus.SOLVED, mode=instance.mode, residual="0", stats=stats)
        rescaled = f"; rescaled into the box by the symmetry (λb, A/λ), λ = {scale}" if scale != 1 else ""
        answer.message = "exact over the reals" + rescaled
        claim = "φ(b, A) = X exactly (arithmetic in Q(√D)), b and A in the box"
        return with_values(answer, b, a, Certificate(kind="solution", checked=True, claim=claim))
    if result.status is Status.UNSATISFIABLE:
        claim = "no real (b, A), in any box, gives φ(b, A) = X: support enumeration (docs/lsa.md), not a checked proof"
        certificate = Certificate(kind="none", checked=False, claim=claim)
        return LsaAnswer(status=AnswerStatus.INFEASIBLE, mode=instance.mode, certificate=certificate, stats=stats)
    return LsaAnswer(
        status=AnswerStatus.UNKNOWN, mode=instance.mode, stats=stats, message="a degenerate support is undecided"
    )


def into_box(
    b: list[Any], a: list[list[Any]], lo: Fraction, hi: Fraction
) -> tuple[tuple[list[Any], list[list[Any]]], Fraction] | None:
    """(λb, A/λ) with every entry in [lo, hi] for a simple rational λ (φ is unchanged), or None if none is found.

    λ is searched in floats on a log grid of both signs, nearest 1 first, then confirmed in exact arithmetic."""
    import numpy as np

    floats_b = [float(v) for v in b]
    floats_a = [float(v) for row in a for v in row]
    for magnitude in sorted(np.logspace(-4, 4, 801), key=lambda m: abs(np.log(m))):
        for lam in (magnitude, -magnitude):
            inside = all(lo <= lam * v <= hi for v in floats_b) and all(lo <= v / lam <= hi for v in floats_a)
            if inside:
                scale = Fraction(lam).limit_denominator(1000) or Fraction(1)
                scaled_b = [v * scale for v in b]
                scaled_a = [[v * (1 / scale) for v in row] for row in a]
                if all(_within(v, lo, hi) for v in [*scaled_b, *(e for row in scaled_a for e in row)]):
                    return (scaled_b, scaled_a), scale
    return None


def _within(value: Any, lo: Fraction, hi: Fraction) -> bool:
    if isinstance(value, Fraction):
        return lo <= value <= hi
    return bool((value - lo).sign() >= 0 and (value - hi).sign() <= 0)
