"""Exact recovery for the φ-structured case by enumerating the support of b (SPEC §2; proof in docs/lsa.md).

Let S = {u : b_u ≠ 0} and u0 = min S. The equations of φ(b, A) = X are
    diagonal      b_u A_u = X_uu                       (A_u is row u of A; X_uv is row (u,v) of X, u ≤ v)
    off-diagonal  b_u A_v + b_v A_u = X_uv             (u < v).
Over the reals the scale symmetry (λb, A/λ) lets us fix b_u0 = 1. Then:
  * u ∈ S:  A_u = X_uu / b_u;
  * v ∉ S:  the diagonal forces X_vv = 0, the pairs outside S force X_vv' = 0, and the pair with u0 forces
            A_v = X_{u0 v} / b_u0 (b_v = 0);
  * u ∈ S \\ {u0}: the pair (u0, u) reads X_uu / ρ + ρ X_{u0u0} = X_{u0u} with ρ = b_u, i.e. ρ is a nonzero common
            real root of the d quadratics q_j(ρ) = X_{u0u0,j} ρ² − X_{u0u,j} ρ + X_{uu,j}, i.e. of g = gcd_j q_j.
So every solution is, after rescaling, one of ≤ 2^{|S|−1} candidates per support: the products of the roots of
each g. Checking φ(b, A) = X exactly on every candidate of every support decides realisability, unless some g is
identically zero (then ρ_u is not pinned by the pair with u0, and `realise_over_reals` says `unknown`).
The roots are rational or quadratic surds; `Radical` does exact arithmetic in Q(√D_1, √D_2, …).

On a finite grid the scale is not free: b_u0 ranges over the nonzero grid values, b_u = ρ b_u0 with ρ a root of g
(or, when g ≡ 0, every nonzero grid value), and every value must lie on the grid. That enumeration is complete, so
`realise_on_grid` decides the exact-grid problem for φ; its cost is Σ_S |grid| · Π_u |candidates_u| checks, at most
|grid| · 3^{d+1} when no g vanishes.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from problems.bilinear import BilinearSolution
from problems.lsa.markov import unique_pairs

# ---------------------------------------------------------------- exact arithmetic with square roots


def _is_square(value: int) -> int | None:
    """isqrt(value) when value is a perfect square ≥ 0, else None."""
    if value < 0:
        return None
    root = math.isqrt(value)
    return root if root * root == value else None


class Radical:
    """An element Σ_r c_r √r of Q(√r_1, √r_2, …), radicands positive integers, 1 meaning the rational part.

    Kept normal: no radicand is a perfect square (other than 1) and no two radicands differ by a square factor
    ratio (r·r' a square), so the √r are linearly independent over Q (Besicovitch) and zero means all c_r = 0.
    """

    __slots__ = ("terms",)

    def __init__(self, terms: dict[int, Fraction] | None = None) -> None:
        self.terms: dict[int, Fraction] = {}
        for radicand, coeff in (terms or {}).items():
            self._add_term(radicand, Fraction(coeff))

    @classmethod
    def rational(cls, value: Fraction | int) -> Radical:
        return cls({1: Fraction(value)})

    @classmethod
    def parse(cls, text: str) -> Radical:
        """The inverse of `str`: "p/q", or terms "c*sqrt(r)" joined by " + " (the wire form of exact values).

        >>> Radical.parse("1/2 + -3*sqrt(5)") == Radical({1: Fraction(1, 2), 5: Fraction(-3)})
        True
        """
        total = cls()
        for term in text.split(" + "):
            coeff, _, root = term.partition("*sqrt(")
            total = total + cls({int(root.removesuffix(")")) if root else 1: Fraction(coeff)})
        return total

    @classmethod
    def sqrt_of(cls, value: Fraction) -> Radical:
        """√value for a rational value ≥ 0: √(p/q) = √(pq)/q."""
        if value < 0:
            raise ValueError(f"no real square root of {value}")
        return cls({value.numerator * value.denominator: Fraction(1, value.denominator)})

    def _add_term(self, radicand: int, coeff: Fraction) -> None:
        if coeff == 0:
            return
        root = _is_square(radicand)
        if root is not None:
            radicand, coeff = 1, coeff * root
        else:
            for rep in self.terms:
                if rep != 1 and (s := _is_square(rep * radicand)) is not None:
                    radicand, coeff = rep, coeff * Fraction(s, rep)  # √r = (s / rep) √rep
                    break
        total = self.terms.get(radicand, Fraction(0)) + coeff
        if total == 0:
            self.terms.pop(radicand, None)
        else:
            self.terms[radicand] = total

    def __add__(self, other: Radical | Fraction | int) -> Radical:
        other = _lift(other)
        out = Radical(self.terms)
        for r, c in other.terms.items():
            out._add_term(r, c)
        return out

    def __neg__(self) -> Radical:
        return Radical({r: -c for r, c in self.terms.items()})

    def __sub__(self, other: Radical | Fraction | int) -> Radical:
        return self + (-_lift(other))

    def __mul__(self, other: Radical | Fraction | int) -> Radical:
        other = _lift(other)
        out = Radical()
        for (r1, c1), (r2, c2) in itertools.product(self.terms.items(), other.terms.items()):
            out._add_term(r1 * r2, c1 * c2)
        return out

    __rmul__ = __mul__
    __radd__ = __add__

    def __rsub__(self, other: Fraction | int) -> Radical:
        return _lift(other) - self

    def inverse_single(self) -> Radical:
        """1/(a + c√D) = (a − c√D)/(a² − c² D), for an element with at most one radicand besides 1."""
        others = [r for r in self.terms if r != 1]
        if len(others) > 1:
            raise ValueError("inverse of an element with several radicands is not needed here")
        a = self.terms.get(1, Fraction(0))
        if not others:
            return Radical.rational(1 / a)
        radicand = others[0]
        c = self.terms[radicand]
        norm = a * a - c * c * radicand
        return Radical({1: a / norm, radicand: -c / norm})

    def is_zero(self) -> bool:
        return not self.terms

    def is_rational(self) -> bool:
        return all(r == 1 for r in self.terms)

    def as_fraction(self) -> Fraction:
        if not self.is_rational():
            raise ValueError(f"{self} is irrational")
        return self.terms.get(1, Fraction(0))

    def sign(self) -> int:
        """The exact sign (−1, 0, 1): bracket each √r between rationals, tighter until the sum's interval excludes 0
        (it does, for a nonzero value: the √r of a normal form are linearly independent over Q).

        >>> (Radical.sqrt_of(Fraction(2)) - Fraction(141421356, 10**8)).sign()
        1
        """
        if self.is_zero():
            return 0
        bits = 64
        while True:
            low = high = Fraction(0)
            for radicand, coeff in self.terms.items():
                root = math.isqrt(radicand << (2 * bits))
                below, above = Fraction(root, 1 << bits), Fraction(root + 1, 1 << bits)
                low += coeff * (below if coeff > 0 else above)
                high += coeff * (above if coeff > 0 else below)
            if low > 0 or high < 0:
                return 1 if low > 0 else -1
            bits *= 2

    def __float__(self) -> float:
        return float(sum(float(c) * math.sqrt(r) for r, c in self.terms.items()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Radical | Fraction | int):
            return (self - _lift(other)).is_zero()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.terms.items())))

    def __str__(self) -> str:
        if not self.terms:
            return "0"
        parts = [str(c) if r == 1 else f"{c}*sqrt({r})" for r, c in sorted(self.terms.items())]
        return " + ".join(parts)

    __repr__ = __str__


def _lift(value: Radical | Fraction | int) -> Radical:
    return value if isinstance(value, Radical) else Radical.rational(Fraction(value))


# ---------------------------------------------------------------- polynomials in one variable over Q


Poly = list[Fraction]  # coefficients, highest degree first, no leading zeros; [] is the zero polynomial


def _trim(poly: Sequence[Fraction]) -> Poly:
    out = list(poly)
    while out and out[0] == 0:
        out.pop(0)
    return out


def _poly_rem(num: Poly, den: Poly) -> Poly:
    num = list(num)
    while len(num) >= len(den) and num:
        factor = num[0] / den[0]
        for i in range(len(den)):
            num[i] -= factor * den[i]
        num = _trim(num)
    return num


def poly_gcd(polys: Sequence[Sequence[Fraction]]) -> Poly:
    """Monic gcd over Q ([] if all are zero)."""
    acc: Poly = []
    for poly in polys:
        cur = _trim(poly)
        while cur:
            acc, cur = cur, _poly_rem(acc, cur)
    return [c / acc[0] for c in acc] if acc else []


def real_nonzero_roots(poly: Poly) -> list[Radical]:
    """Distinct real nonzero roots of a nonzero polynomial of degree ≤ 2, exactly."""
    if len(poly) <= 1:
        return []
    if len(poly) == 2:
        roots = [Radical.rational(-poly[1] / poly[0])]
    else:
        a, b, c = poly
        disc = b * b - 4 * a * c
        if disc < 0:
            return []
        half = Radical.sqrt_of(disc) * (1 / (2 * a))
        centre = Radical.rational(-b / (2 * a))
        roots = [centre] if disc == 0 else [centre + half, centre - half]
    return [r for r in roots if not r.is_zero()]


# ---------------------------------------------------------------- φ in radical arithmetic


def phi_radical(b: Sequence[Radical], a: Sequence[Sequence[Radical]]) -> list[list[Radical]]:
    d = len(b) - 1
    rows = []
    for u, v in unique_pairs(d):
        if u == v:
            rows.append([b[u] * a[u][j] for j in range(d)])
        else:
            rows.append([b[u] * a[v][j] + b[v] * a[u][j] for j in range(d)])
    return rows


def phi_equals(x: Sequence[Sequence[Fraction]], b: Sequence[Radical], a: Sequence[Sequence[Radical]]) -> bool:
    """φ(b, A) = X exactly (the independent check of every `realise_*` answer)."""
    image = phi_radical(b, a)
    return all(v == t for vrow, trow in zip(image, x, strict=True) for v, t in zip(vrow, trow, strict=True))


# ---------------------------------------------------------------- the support enumeration


@dataclass(frozen=True)
class RealRecovery:
    """`realisable` with exact (b, A) (entries in Q(√…)), `not-realisable`, or `unknown` (a vanishing gcd)."""

    status: Literal["realisable", "not-realisable", "unknown"]
    b: list[Radical] | None = None
    a: list[list[Radical]] | None = None
    support: tuple[int, ...] | None = None
    candidates: int = 0


def _row(x: Sequence[Sequence[Fraction]], d: int, u: int, v: int) -> Sequence[Fraction]:
    u, v = min(u, v), max(u, v)
    return x[unique_pairs(d).index((u, v))]


def _outside_rows_vanish(x: Sequence[Sequence[Fraction]], d: int, support: Sequence[int]) -> bool:
    outside = [v for v in range(d + 1) if v not in support]
    return all(not any(_row(x, d, v, w)) for v in outside for w in outside)


def _ratio_gcd(x: Sequence[Sequence[Fraction]], d: int, u0: int, u: int) -> Poly:
    quads = [
        [_row(x, d, u0, u0)[j], -_row(x, d, u0, u)[j], _row(x, d, u, u)[j]] for j in range(d)
    ]  # q_j(ρ) = X_{u0u0,j} ρ² − X_{u0u,j} ρ + X_{uu,j}
    return poly_gcd(quads)


def _complete(
    x: Sequence[Sequence[Fraction]], d: int, support: Sequence[int], b_support: dict[int, Radical], zero: Radical
) -> tuple[list[Radical], list[list[Radical]]]:
    """(b, A) forced by the values of b on its support (see the module docstring)."""
    u0 = support[0]
    b = [b_support.get(u, zero) for u in range(d + 1)]
    a = []
    for u in range(d + 1):
        if u in b_support:
            inv = b_support[u].inverse_single()
            a.append([inv * value for value in _row(x, d, u, u)])
        else:
            inv = b_support[u0].inverse_single()
            a.append([inv * value for value in _row(x, d, u0, u)])
    return b, a


def _supports(d: int) -> list[tuple[int, ...]]:
    """Nonempty supports, largest first (the generic case S = everything is tried first)."""
    out = [s for size in range(d + 1, 0, -1) for s in itertools.combinations(range(d + 1), size)]
    return out


def realise_over_reals(x: Sequence[Sequence[Fraction]], d: int) -> RealRecovery:
    """Decide whether X = φ(b, A) for some real (b, A); see the module docstring for the proof."""
    zero = Radical()
    if not any(v for row in x for v in row):
        return RealRecovery("realisable", [zero] * (d + 1), [[zero] * d for _ in range(d + 1)], (), 1)
    unknown, tried = False, 0
    for support in _supports(d):
        if not _outside_rows_vanish(x, d, support):
            continue
        u0 = support[0]
        choices: list[list[Radical]] = [[Radical.rational(1)]]
        for u in support[1:]:
            g = _ratio_gcd(x, d, u0, u)
            if not g:
                unknown = True  # ρ_u is not pinned by the pair (u0, u): this support is not decided
                break
            choices.append(real_nonzero_roots(g))
        else:
            for combo in itertools.product(*choices):
                tried += 1
                b, a = _complete(x, d, support, dict(zip(support, combo, strict=True)), zero)
                if phi_equals(x, b, a):
                    return RealRecovery("realisable", b, a, support, tried)
    return RealRecovery("unknown" if unknown else "not-realisable", candidates=tried)


def realise_on_grid(x: Sequence[Sequence[Fraction]], d: int, grid: Sequence[Fraction]) -> BilinearSolution | None:
    """A grid solution of φ(b, A) = X, or None when there is none (complete; see the module docstring)."""
    grid_set = set(grid)
    nonzero = [g for g in grid if g != 0]
    zero = Radical()
    if not any(v for row in x for v in row) and 0 in grid_set:
        return BilinearSolution([Fraction(0)] * (d + 1), [[grid[0]] * d for _ in range(d + 1)])
    supports = _supports(d) if 0 in grid_set else [tuple(range(d + 1))]
    for support in supports:
        if not _outside_rows_vanish(x, d, support):
            continue
        u0 = support[0]
        ratios = {}
        for u in support[1:]:
            g = _ratio_gcd(x, d, u0, u)
            ratios[u] = None if not g else [r.as_fraction() for r in real_nonzero_roots(g) if r.is_rational()]
        for scale in nonzero:
            choices: list[list[Fraction]] = [[scale]]
            for u in support[1:]:
                pinned = ratios[u]
                values = nonzero if pinned is None else [rho * scale for rho in pinned]
                choices.append([v for v in values if v in grid_set])
            for combo in itertools.product(*choices):
                b_support = {u: Radical.rational(v) for u, v in zip(support, combo, strict=True)}
                b, a = _complete(x, d, support, b_support, zero)
                if not all(e.is_rational() and e.as_fraction() in grid_set for row in a for e in row):
                    continue
                if phi_equals(x, b, a):
                    return BilinearSolution([e.as_fraction() for e in b], [[e.as_fraction() for e in r] for r in a])
    return None


@dataclass(frozen=True)
class PhiTarget:
    """φ(b, A) = X with b, A on `grid`, or over the reals when grid is None (the structure backend's target)."""

    x: list[list[Fraction]]
    d: int
    grid: tuple[Fraction, ...] | None = None
