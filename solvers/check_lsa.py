"""Re-check an LSA answer from scratch: (b, A) re-verified by recomputing φ exactly, refutations re-checked.

What each (mode, status) must carry, derived from the instance alone (README "Certificates", LSA table):

| mode | status | evidence |
|---|---|---|
| exact-grid | solved | b, A rationals on the grid with φ(b, A) = X exactly (`residual` "0"); certificate `solution` |
| exact-grid | infeasible | a `drup` refutation of the `bilinear-grid->cnf` encoding of (X, grid), rebuilt here |
| real | solved | b, A exact (rationals or surds) in the box, max|φ(b, A) − X| = `residual` ≤ ε exactly |
| best-fit | optimal | φ(b, A) = X* exactly (best fit is unconstrained): loss excess 0, `lower_bound` "0", `gap` 0 |
| best-fit | solved | b, A rationals; `loss_excess` recomputed exactly from H and X*; `lower_bound` "0" |
| any | unknown | nothing claimed: no b, A or fit; certificate none |

Anything else is rejected: in particular `infeasible` in mode `real` (the MILP solver's floating-point verdict
and the support enumeration are not proofs that a checker can re-run), and any lower bound above 0 on the
best-fit loss excess (0 is the only bound re-derived here: H is positive semidefinite).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from fractions import Fraction

from problems.answers import AnswerStatus
from problems.bilinear import fraction_text, to_fraction
from problems.lsa.answer import LsaAnswer
from problems.lsa.fit import loss_excess
from problems.lsa.grid import GridBilinear
from problems.lsa.instance import LsaInstance
from problems.lsa.markov import XStar, x_star_cached
from problems.lsa.phi import phi
from problems.lsa.structure import Radical, phi_radical
from reductions.bilinear_to_cnf import BilinearToCnf
from solvers.certificates import CheckReport, timed_report
from solvers.proofs import Checker
from solvers.refutation import Rejected, check_refutation, require, require_kind

Exact = Fraction | Radical
FIT_FIELDS = ("residual", "loss_excess", "loss_excess_float", "lower_bound", "gap")
_NUMBER = r"-?[0-9]{1,2000}(?:/[0-9]{1,2000})?"
_TERM = re.compile(rf"({_NUMBER})(?:\*sqrt\(([0-9]{{1,2000}})\))?")


def verify_values(instance: LsaInstance, answer: LsaAnswer) -> bool | None:
    """Whether `check_lsa_answer` accepts the answer (the bench's independent verification); None for an answer
    that claims nothing to check (no b, A and not `infeasible`)."""
    if answer.b is None and answer.status is not AnswerStatus.INFEASIBLE:
        return None
    return check_lsa_answer(instance, answer).ok


def check_lsa_answer(instance: LsaInstance, answer: LsaAnswer, checker: Checker = Checker.AUTO) -> CheckReport:
    """Accept the answer only if it carries exactly what its mode and status need, and that checks."""
    return timed_report(_check, instance, answer, checker)


def _check(instance: LsaInstance, answer: LsaAnswer, checker: Checker) -> tuple[str, str]:
    require(answer.mode == instance.mode, f"the answer is for mode {answer.mode!r}, the instance is {instance.mode!r}")
    key = (instance.mode, answer.status)
    if answer.status is AnswerStatus.UNKNOWN:
        _require_absent(answer, ("b", "a", "b_float", "a_float", *FIT_FIELDS))
        require_kind(answer.certificate, (None, "none"), "unknown")
        return "unknown: nothing claimed beyond the status", ""
    if key == ("exact-grid", AnswerStatus.INFEASIBLE):
        _require_absent(answer, ("b", "a", "b_float", "a_float", *FIT_FIELDS))
        require_kind(answer.certificate, ("drup",), "infeasible")
        assert answer.certificate is not None
        encoder = BilinearToCnf()
        clauses = encoder.forward(GridBilinear(instance.system, tuple(instance.grid))).clauses
        used = check_refutation(answer.certificate, clauses, encoder, instance.sha256, [], checker)
        return f"infeasible: no grid point solves X; proof accepted by the {used} checker", used
    checks = {
        ("exact-grid", AnswerStatus.SOLVED): _grid_solution,
        ("real", AnswerStatus.SOLVED): _real_solution,
        ("best-fit", AnswerStatus.OPTIMAL): _best_fit_optimal,
        ("best-fit", AnswerStatus.SOLVED): _best_fit_solution,
    }
    if key not in checks:
        why = " (no checkable certificate: not a proof)" if answer.status is AnswerStatus.INFEASIBLE else ""
        raise Rejected(f"{answer.status.value} is not a checkable answer in mode {instance.mode!r}{why}")
    require_kind(answer.certificate, ("solution",), answer.status.value)
    b, a = _values(answer, instance.d)
    return checks[key](instance, answer, b, a), ""


def _grid_solution(instance: LsaInstance, answer: LsaAnswer, b: list[Exact], a: list[list[Exact]]) -> str:
    grid = set(instance.grid)
    require(all(v in grid for v in [*b, *(e for row in a for e in row)]), "an entry of b or A is not on the grid")
    require(phi(b, a) == instance.x, "φ(b, A) differs from X")  # on the grid: all rational
    require(answer.residual == "0", "residual must be '0' for φ(b, A) = X")
    _require_absent(answer, ("loss_excess", "loss_excess_float", "lower_bound", "gap"))
    return "solved: b and A on the grid, φ(b, A) = X exactly"


def _real_solution(instance: LsaInstance, answer: LsaAnswer, b: list[Exact], a: list[list[Exact]]) -> str:
    _require_in_box(instance, b, a)
    image = phi_radical([_radical(v) for v in b], [[_radical(v) for v in row] for row in a])
    gaps = [image[i][j] - target for i, row in enumerate(instance.x) for j, target in enumerate(row)]
    if all(gap.is_rational() for gap in gaps):
        residual = max(abs(gap.as_fraction()) for gap in gaps)
        require(answer.residual == fraction_text(residual), f"residual is {fraction_text(residual)}")
        require(residual <= instance.epsilon, f"max |φ(b, A) − X| = {fraction_text(residual)} exceeds ε")
    else:  # an irrational gap has no finite text: only ε-membership is claimed, checked by exact signs
        eps = instance.epsilon
        require(all(_sign(gap - eps) <= 0 and _sign(gap + eps) >= 0 for gap in gaps), "|φ(b, A) − X| exceeds ε")
        require(answer.residual is None, "an irrational residual cannot be written exactly: leave it out")
    _require_absent(answer, ("loss_excess", "loss_excess_float", "lower_bound", "gap"))
    return "solved: b and A in the box, ‖φ(b, A) − X‖∞ ≤ ε exactly"


def _best_fit_optimal(instance: LsaInstance, answer: LsaAnswer, b: list[Exact], a: list[list[Exact]]) -> str:
    optimum = _x_star(instance)
    image = phi_radical([_radical(v) for v in b], [[_radical(v) for v in row] for row in a])
    require(image == optimum.x, "φ(b, A) differs from X*: the loss excess is not 0")
    fit = (answer.loss_excess, answer.loss_excess_float, answer.lower_bound, answer.gap, answer.residual)
    require(fit == ("0", 0.0, "0", 0.0, "0"), "an optimal best fit has loss excess, lower bound, gap, residual 0")
    return "optimal: φ(b, A) = X* exactly, so the loss excess 0 is the minimum"


def _best_fit_solution(instance: LsaInstance, answer: LsaAnswer, b: list[Exact], a: list[list[Exact]]) -> str:
    require(all(isinstance(v, Fraction) for v in [*b, *(e for row in a for e in row)]), "best fit: rationals only")
    optimum = _x_star(instance)
    excess = loss_excess(optimum.moments.h, optimum.flat, [v for row in phi(b, a) for v in row])
    require(answer.loss_excess == fraction_text(excess), f"loss_excess is {fraction_text(excess)}, recomputed")
    require(answer.loss_excess_float == _float(excess), "loss_excess_float is not the float of loss_excess")
    require(answer.lower_bound == "0", "the only lower bound re-derived is 0 (H is positive semidefinite)")
    require(answer.gap == _float(excess), "gap must be loss_excess − lower_bound")
    _require_absent(answer, ("residual",))
    return f"solved: loss excess {float(excess):.6g} recomputed exactly; lower bound 0"


def _x_star(instance: LsaInstance) -> XStar:
    assert instance.spec.markov is not None  # best-fit instances name their Markov model
    return x_star_cached(instance.d, instance.spec.markov.n, to_fraction(instance.spec.markov.p))


def _values(answer: LsaAnswer, d: int) -> tuple[list[Exact], list[list[Exact]]]:
    """Exact b (d+1) and A ((d+1)×d) from their strings; the float views must be their floats."""
    require(answer.b is not None and answer.a is not None, f"{answer.status.value} needs exact b and A")
    assert answer.b is not None and answer.a is not None
    require(len(answer.b) == d + 1, f"b has {len(answer.b)} entries, not d + 1 = {d + 1}")
    require(len(answer.a) == d + 1 and all(len(row) == d for row in answer.a), f"A must be {d + 1}×{d}")
    b = [_parse(text) for text in answer.b]
    a = [[_parse(text) for text in row] for row in answer.a]
    require(answer.b_float in (None, [_float(v) for v in b]), "b_float is not the float view of b")
    require(answer.a_float in (None, [[_float(v) for v in row] for row in a]), "a_float is not the float view of A")
    return b, a


def _float(value: Exact) -> float:
    """The float view of an exact value, or a rejection if it has none (beyond ±1.8e308: no latentsat answer)."""
    try:
        return float(value)
    except OverflowError:
        raise Rejected("an entry of b or A lies beyond the float range") from None


def _parse(text: str) -> Exact:
    """'p/q', or terms 'c*sqrt(r)' joined by ' + ' (the wire form); bounded sizes, so no text can stall us."""
    terms = text.split(" + ")
    matches = [_TERM.fullmatch(term) for term in terms]
    require(len(terms) <= 64 and all(matches), f"{text[:60]!r} is not an exact value ('p/q' or 'c*sqrt(r)' terms)")
    value = Radical()
    for match in matches:
        assert match is not None
        coeff, radicand = match.groups()
        try:
            value = value + Radical({int(radicand) if radicand else 1: Fraction(coeff)})
        except ZeroDivisionError:
            raise Rejected(f"{text[:60]!r} divides by 0") from None
    return value.as_fraction() if value.is_rational() else value


def _radical(value: Exact) -> Radical:
    return value if isinstance(value, Radical) else Radical.rational(value)


def _require_in_box(instance: LsaInstance, b: Sequence[Exact], a: Sequence[Sequence[Exact]]) -> None:
    lo, hi = instance.box
    for value in [*b, *(e for row in a for e in row)]:
        inside = _sign(_radical(value) - lo) >= 0 and _sign(_radical(value) - hi) <= 0
        if not inside:
            raise Rejected(f"an entry of b or A ({_float(value):.6g}) is outside the box [{lo}, {hi}]")


def _sign(value: Radical) -> int:
    return value.sign()


def _require_absent(answer: LsaAnswer, names: Sequence[str]) -> None:
    present = [name for name in names if getattr(answer, name) is not None]
    require(not present, f"{answer.status.value} does not carry {', '.join(present)} here")
