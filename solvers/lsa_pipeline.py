"""The solve path of the `lsa` kind: mode → reduction → backend → decode → exact re-verification → answer.

Backends per mode (the first is the default; the generic default `pysat` maps to it):
  exact-grid  pysat (one-hot CNF, DRUP-checked `infeasible`), cpsat (products), structure (support enumeration)
  real        mathopt (MILP, SCIP or HiGHS), structure (ε = 0: exact over the reals, box not applied), gradient
  best-fit    varpro (variable projection), gradient (Adam, the baseline)
Every (b, A) returned is checked by recomputing φ exactly (problems/lsa); a failed check raises VerificationFailed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from problems.answers import AnswerStatus, Certificate, SolveOptions
from problems.bilinear import BilinearSolution, fraction_text, to_fraction
from problems.errors import InvalidOptions, VerificationFailed
from problems.lsa.answer import LsaAnswer
from problems.lsa.fit import FitTarget, exact_a_given_b, loss_excess
from problems.lsa.grid import BoxBilinear, GridBilinear
from problems.lsa.instance import LsaInstance
from problems.lsa.markov import XStar, x_star_cached
from problems.lsa.phi import phi
from problems.lsa.structure import PhiTarget, Radical, phi_equals, realise_over_reals
from reductions.bilinear_to_cnf import BilinearToCnf
from reductions.bilinear_to_cpsat import BilinearToCpSat
from reductions.bilinear_to_milp import BilinearToMilp
from solvers.base import LSA_TARGETS, Limits, SolveResult, Status, get_backend
from solvers.proofs import Checker, checked_drup_certificate

BACKENDS = {
    "exact-grid": ("pysat", "cpsat", "structure"),
    "real": ("mathopt", "structure", "gradient"),
    "best-fit": ("varpro", "gradient"),
}


def solve_lsa(instance: LsaInstance, options: SolveOptions | None = None) -> LsaAnswer:
    """Solve one LSA recovery instance; every returned (b, A) has been re-verified exactly."""
    options = options or SolveOptions()
    backend = _backend_for(instance, options)
    start = time.perf_counter()
    if instance.mode == "exact-grid":
        answer = _exact_grid(instance, options, backend, start)
    elif instance.mode == "real":
        answer = _real(instance, options, backend, start)
    else:
        answer = _best_fit(instance, options, backend, start)
    answer.stats = {"backend": backend, **answer.stats, "wall_s": round(time.perf_counter() - start, 4)}
    return answer


def _backend_for(instance: LsaInstance, options: SolveOptions) -> str:
    allowed = BACKENDS[instance.mode]
    if options.backend in allowed:
        return options.backend
    if options.backend == "pysat":  # the generic default: take this mode's default
        return allowed[0]
    raise InvalidOptions(f"mode {instance.mode!r} takes backends {', '.join(allowed)}", "options.backend")


def _limits(options: SolveOptions, start: float, proof: bool = False) -> Limits:
    left = max(0.01, options.time_limit - (time.perf_counter() - start))
    return Limits(seconds=left, seed=options.seed, num_workers=options.num_workers, proof=proof)


def _solver(options: SolveOptions, backend: str, default: str | None = None) -> Any:
    solver = options.solver if options.solver is not None else default
    return get_backend(backend, solver, LSA_TARGETS)


# ---------------------------------------------------------------- exact-grid


def _exact_grid(instance: LsaInstance, options: SolveOptions, backend: str, start: float) -> LsaAnswer:
    problem = GridBilinear(instance.system, tuple(instance.grid))
    if backend == "structure":
        result = _solver(options, "structure").solve(
            PhiTarget(instance.x, instance.d, tuple(instance.grid)), _limits(options, start)
        )
        stats = _result_stats(result)
        if result.status is Status.SATISFIABLE:
            b, a = _split_exact(result.assignment, instance.d)
            return _grid_solution(instance, BilinearSolution(b, a), stats)
        return _grid_infeasible(instance, options, start, None, "exhaustive support enumeration", stats)
    reduction: BilinearToCnf | BilinearToCpSat = BilinearToCnf() if backend == "pysat" else BilinearToCpSat()
    target = reduction.forward(problem)
    proof = backend == "pysat" and options.proof
    result = _solver(options, backend).solve(target, _limits(options, start, proof))
    stats = _result_stats(result)
    if result.status is Status.SATISFIABLE:
        return _grid_solution(instance, reduction.backward(result.assignment), stats)
    if result.status is Status.UNSATISFIABLE:
        pair = (reduction, result) if isinstance(reduction, BilinearToCnf) else None
        return _grid_infeasible(instance, options, start, pair, f"{backend} found no model", stats)
    return LsaAnswer(status=AnswerStatus.UNKNOWN, mode=instance.mode, stats=stats, message="the time limit ran out")


def _grid_solution(instance: LsaInstance, solution: BilinearSolution, stats: dict[str, Any]) -> LsaAnswer:
    """Verify φ(b, A) = X exactly and that every entry is on the grid, then answer `solved`."""
    grid = set(instance.grid)
    on_grid = all(v in grid for v in [*solution.b, *(e for row in solution.a for e in row)])
    if not on_grid or phi(solution.b, solution.a) != instance.x:
        raise VerificationFailed("a decoded grid solution does not reproduce X exactly")
    return _with_values(
        LsaAnswer(status=AnswerStatus.SOLVED, mode=instance.mode, residual="0", stats=stats),
        solution.b,
        solution.a,
        certificate=Certificate(kind="solution", checked=True, claim="φ(b, A) = X exactly, b and A on the grid"),
    )


def _grid_infeasible(
    instance: LsaInstance,
    options: SolveOptions,
    start: float,
    pair: tuple[BilinearToCnf, SolveResult] | None,
    how: str,
    stats: dict[str, Any],
) -> LsaAnswer:
    claim = "no b, A on the grid give φ(b, A) = X"
    if pair is None and options.proof:  # refute the CNF encoding to get a checkable proof
        cnf_reduction = BilinearToCnf()
        cnf = cnf_reduction.forward(GridBilinear(instance.system, tuple(instance.grid)))
        result = get_backend("pysat").solve(cnf, _limits(options, start, proof=True))
        if result.status is Status.SATISFIABLE:
            raise VerificationFailed(f"{how} said infeasible but the CNF encoding has a model: a bug")
        if result.status is Status.UNSATISFIABLE:
            pair = (cnf_reduction, result)
    if pair is None or pair[1].proof is None:
        certificate = Certificate(kind="none", checked=False, claim=f"{claim} ({how}; no proof)")
    else:
        certificate = _drup_certificate(instance, options, pair[0], pair[1].proof, claim)
    return LsaAnswer(status=AnswerStatus.INFEASIBLE, mode=instance.mode, certificate=certificate, stats=stats)


def _drup_certificate(
    instance: LsaInstance, options: SolveOptions, reduction: BilinearToCnf, proof_lines: list[str], claim: str
) -> Certificate:
    return checked_drup_certificate(
        reduction.cnf.clauses, proof_lines, Checker(options.checker), claim=claim, encoder=reduction,
        instance_sha256=instance.sha256, embed_cnf=options.embed_cnf,
    )  # fmt: skip


# ---------------------------------------------------------------- real


def _real(instance: LsaInstance, options: SolveOptions, backend: str, start: float) -> LsaAnswer:
    if backend == "structure":
        return _real_structure(instance, options, start)
    if backend == "gradient":
        target = _fit_target(instance.x, None, instance.d)
        result = _solver(options, "gradient").solve(target, _limits(options, start))
        b, a = _split(result.assignment, instance.d)
        return _real_candidate(instance, [Fraction(v) for v in b], a, _result_stats(result), heuristic=True)
    lo, hi = instance.box
    problem = BoxBilinear(instance.system, lo, hi, instance.spec.bits, instance.epsilon)
    reduction = BilinearToMilp()
    model = reduction.forward(problem)
    result = _solver(options, "mathopt", "gscip").solve(model, _limits(options, start))
    stats = _result_stats(result)
    if result.status in (Status.SATISFIABLE, Status.OPTIMAL):
        b, a = reduction.backward(result.assignment)
        return _real_candidate(instance, b, a, stats, heuristic=False)
    if result.status is Status.UNSATISFIABLE:
        claim = (
            f"no b on the dyadic grid {fraction_text(lo)} + i·{fraction_text(problem.step)} (0 ≤ i < 2^"
            f"{problem.bits}) with A real in [{fraction_text(lo)}, {fraction_text(hi)}] meets ‖φ(b,A) − X‖∞ ≤ "
            f"{fraction_text(instance.epsilon)} (MILP solver, floating-point tolerances; not a proof)"
        )
        certificate = Certificate(kind="none", checked=False, claim=claim)
        return LsaAnswer(status=AnswerStatus.INFEASIBLE, mode=instance.mode, certificate=certificate, stats=stats)
    return LsaAnswer(status=AnswerStatus.UNKNOWN, mode=instance.mode, stats=stats, message="the time limit ran out")


def _real_candidate(
    instance: LsaInstance, b: list[Fraction], a_float: list[list[float]], stats: dict[str, Any], heuristic: bool
) -> LsaAnswer:
    """Accept (b, A) only if max |φ − X| ≤ ε exactly and A is in the box; try the solver's A, then exact LS."""
    lo, hi = instance.box
    candidates = [[[Fraction(v) for v in row] for row in a_float], exact_a_given_b(instance.x, b, instance.d)]
    for a in candidates:
        residual = _residual(instance.x, phi(b, a))
        if residual <= instance.epsilon and all(lo <= e <= hi for row in a for e in row):
            claim = f"max |φ(b, A) − X| = {fraction_text(residual)} ≤ ε, A in the box (exact arithmetic)"
            answer = LsaAnswer(status=AnswerStatus.SOLVED, mode=instance.mode, residual=fraction_text(residual))
            answer.stats = stats
            return _with_values(answer, b, a, Certificate(kind="solution", checked=True, claim=claim))
    why = "a local method: no (b, A) within ε found" if heuristic else "the solver's point fails the exact ε check"
    return LsaAnswer(status=AnswerStatus.UNKNOWN, mode=instance.mode, stats=stats, message=why)


def _real_structure(instance: LsaInstance, options: SolveOptions, start: float) -> LsaAnswer:
    if instance.epsilon != 0:
        raise InvalidOptions("the structure backend decides ε = 0 only", "options.backend")
    result = get_backend("structure").solve(PhiTarget(instance.x, instance.d), _limits(options, start))
    stats = _result_stats(result)
    if result.status is Status.SATISFIABLE:
        b, a = _split_exact(result.assignment, instance.d)
        if not phi_equals(instance.x, b, a):
            raise VerificationFailed("the structure backend's (b, A) does not reproduce X exactly")
        scaled = _into_box(b, a, *instance.box)
        if scaled is None:
            why = "X is realisable over the reals, but no rescaling (λb, A/λ) of the (b, A) found fits the box"
            return LsaAnswer(status=AnswerStatus.UNKNOWN, mode=instance.mode, stats=stats, message=why)
        (b, a), scale = scaled
        answer = LsaAnswer(status=AnswerStatus.SOLVED, mode=instance.mode, residual="0", stats=stats)
        rescaled = f"; rescaled into the box by the symmetry (λb, A/λ), λ = {scale}" if scale != 1 else ""
        answer.message = "exact over the reals" + rescaled
        claim = "φ(b, A) = X exactly (arithmetic in Q(√D)), b and A in the box"
        return _with_values(answer, b, a, Certificate(kind="solution", checked=True, claim=claim))
    if result.status is Status.UNSATISFIABLE:
        claim = "no real (b, A), in any box, gives φ(b, A) = X: support enumeration (docs/lsa.md), not a checked proof"
        certificate = Certificate(kind="none", checked=False, claim=claim)
        return LsaAnswer(status=AnswerStatus.INFEASIBLE, mode=instance.mode, certificate=certificate, stats=stats)
    return LsaAnswer(
        status=AnswerStatus.UNKNOWN, mode=instance.mode, stats=stats, message="a degenerate support is undecided"
    )


def _into_box(
    b: list[Any], a: list[list[Any]], lo: Fraction, hi: Fraction
) -> tuple[tuple[list[Any], list[list[Any]]], Fraction] | None:
    """(λb, A/λ) with every entry in [lo, hi] for a simple rational λ (φ is unchanged), or None if none is found.

    λ is searched in floats on a log grid of both signs, nearest 1 first, then confirmed in exact arithmetic."""
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
    return (value - lo).sign() >= 0 and (value - hi).sign() <= 0


# ---------------------------------------------------------------- best-fit


def _best_fit(instance: LsaInstance, options: SolveOptions, backend: str, start: float) -> LsaAnswer:
    """Upper bound: the backend's (b, A), evaluated exactly. Lower bound: 0 (H ⪰ 0), or exactly 0 attained."""
    assert instance.spec.markov is not None
    optimum = x_star_cached(instance.d, instance.spec.markov.n, to_fraction(instance.spec.markov.p))
    exact = realise_over_reals(optimum.x, instance.d)
    if exact.status == "realisable":  # X* itself is realisable: the excess 0 is attained and optimal
        assert exact.b is not None and exact.a is not None
        answer = LsaAnswer(
            status=AnswerStatus.OPTIMAL,
            mode=instance.mode,
            loss_excess="0",
            loss_excess_float=0.0,
            lower_bound="0",
            gap=0.0,
            residual="0",
            stats={"x_star_realisable": True},
        )
        claim = "φ(b, A) = X* exactly, so the loss excess 0 is optimal"
        return _with_values(answer, exact.b, exact.a, Certificate(kind="solution", checked=True, claim=claim))
    target = _fit_target(optimum.x, optimum, instance.d)
    result = _solver(options, backend).solve(target, _limits(options, start))
    b_float, a_float = _split(result.assignment, instance.d)
    b = [Fraction(v) for v in b_float]
    a = [[Fraction(v) for v in row] for row in a_float]
    excess = loss_excess(optimum.moments.h, optimum.flat, [v for row in phi(b, a) for v in row])
    stats = {**_result_stats(result), "x_star_realisable": {"not-realisable": False, "unknown": None}[exact.status]}
    message = "lower bound 0 is the trivial one (H is positive definite)"
    if exact.status == "not-realisable":
        message += "; X* is not realisable, so the true minimum is > 0"
    answer = LsaAnswer(
        status=AnswerStatus.SOLVED,
        mode=instance.mode,
        loss_excess=fraction_text(excess),
        loss_excess_float=float(excess),
        lower_bound="0",
        gap=float(excess),
        stats=stats,
        message=message,
    )
    claim = "loss_excess recomputed exactly from (b, A) and the exact H, X*"
    return _with_values(answer, b, a, Certificate(kind="solution", checked=True, claim=claim))


def _fit_target(x: Sequence[Sequence[Fraction]], optimum: XStar | None, d: int) -> FitTarget:
    flat = np.array([float(v) for row in x for v in row])
    weight = np.eye(len(flat)) if optimum is None else np.array([[float(v) for v in r] for r in optimum.moments.h])
    return FitTarget(d, flat, weight)


# ---------------------------------------------------------------- shared


def _split_exact(values: Sequence[Any], d: int) -> tuple[list[Any], list[list[Any]]]:
    rest = list(values[d + 1 :])
    return list(values[: d + 1]), [rest[i * d : (i + 1) * d] for i in range(d + 1)]


def _split(assignment: Sequence[float], d: int) -> tuple[list[float], list[list[float]]]:
    b = [float(v) for v in assignment[: d + 1]]
    rest = [float(v) for v in assignment[d + 1 : (d + 1) * (d + 1)]]
    return b, [rest[i * d : (i + 1) * d] for i in range(d + 1)]


def _residual(x: Sequence[Sequence[Fraction]], image: Sequence[Sequence[Fraction]]) -> Fraction:
    return max(abs(t - v) for trow, vrow in zip(x, image, strict=True) for t, v in zip(trow, vrow, strict=True))


def _text(value: Fraction | Radical) -> str:
    return fraction_text(value) if isinstance(value, Fraction) else str(value)


def _with_values(
    answer: LsaAnswer,
    b: Sequence[Fraction | Radical],
    a: Sequence[Sequence[Fraction | Radical]],
    certificate: Certificate,
) -> LsaAnswer:
    answer.b = [_text(v) for v in b]
    answer.a = [[_text(v) for v in row] for row in a]
    answer.b_float = [float(v) for v in b]
    answer.a_float = [[float(v) for v in row] for row in a]
    answer.certificate = certificate
    return answer


def _result_stats(result: SolveResult) -> dict[str, Any]:
    stats = {"solve_s": round(result.wall_s, 4), "backend_status": result.status.value}
    stats.update({k: v for k, v in result.stats.items() if isinstance(v, int | float | str)})
    if result.objective is not None:
        stats["objective"] = result.objective
    return stats
