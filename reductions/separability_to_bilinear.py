"""R3: two-plane (bilinear) separability → the general bilinear recovery form (Problem C.10).

Separability is first written as a system of quadratic equations in unknowns x (with x_0 = 1), then every
quadratic equation becomes one bilinear equation bᵀ D a = X on one column a of A, with b = a = (1, x).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import ClassVar

from problems.bilinear import BilinearEquation, BilinearSolution, BilinearSystem, fraction_text
from problems.separability import Plane, SeparabilityInstance, TwoPlanes, separates

SQUARES = 4  # Lagrange: every non-negative rational is a sum of four rational squares
PLANES = (0, 1)


@dataclass
class QuadraticEquation:
    """Σ c·x_k·x_l + Σ c·x_k = rhs, with variable 0 standing for the constant 1 (so linear terms are (k, 0))."""

    terms: dict[tuple[int, int], Fraction] = field(default_factory=dict)
    rhs: Fraction = Fraction(0)

    def add(self, k: int, m: int, coefficient: Fraction | int) -> None:
        self.terms[k, m] = self.terms.get((k, m), Fraction(0)) + Fraction(coefficient)


class SeparabilityToBilinear:
    """P, Q ⊂ Q^d  →  a bilinear system (b ∈ Q^p, A ∈ Q^{p×1}) that has a real solution iff P, Q are two-plane
    separable (definition in problems/separability.py); for rational points it then has a rational one.

    Unknowns x: w_h ∈ R^d, γ_h (h = 1, 2); s[p,h,1..4] per p ∈ P; f[q,h], r[q,h,1..4] per q ∈ Q.
    Quadratic system S:
      inside:      w_h·p − γ_h − Σ_i s[p,h,i]²            = 1     ∀ p ∈ P, h        (w_h·p − γ_h ≥ 1)
      outside:     γ_h − w_h·q + f[q,h]² − Σ_i r[q,h,i]²  = 1     ∀ q ∈ Q, h        (γ_h − w_h·q ≥ 1 − f²)
      one plane:   f[q,1]·f[q,2]                          = 0     ∀ q ∈ Q           (some f[q,h] = 0)
    Bilinear form, with b, a ∈ R^{1+N} (a = A[:, 0]) and N = |x|:
      unit:        b_0·a_0                = 1
      copies:      b_k·a_0 − b_0·a_k      = 0               ∀ k = 1..N
      each equation of S with x_k·x_l ↦ b_k·a_l and x_k ↦ b_k·a_0.
    Size: N = 2(d+1) + 8|P| + 10|Q| unknowns, p = N + 1, q = 1; 1 + N + 2|P| + 3|Q| equations.
    backward: x_k = b_k / b_0; the planes are (w_1, γ_1), (w_2, γ_2).  Proof: docs/reductions.md, R3.
    """

    name: ClassVar[str] = "separability->bilinear"
    version: ClassVar[str] = "1"

    def __init__(self) -> None:
        self.index: dict[tuple[object, ...], int] = {}

    def var(self, *key: object) -> int:
        """The index of unknown `key` in x (1-based; 0 is the constant 1)."""
        return self.index.setdefault(key, len(self.index) + 1)

    def forward(self, instance: SeparabilityInstance) -> BilinearSystem:
        self.instance = instance
        positive, negative = instance.points()
        for h in PLANES:
            for j in range(instance.dim):
                self.var("w", h, j)
            self.var("gamma", h)
        quadratic = [self._inside(p_index, p, h) for p_index, p in enumerate(positive) for h in PLANES]
        for q_index, q in enumerate(negative):
            quadratic.extend(self._outside(q_index, q, h) for h in PLANES)
            one_plane = QuadraticEquation()
            one_plane.add(self.var("f", q_index, 0), self.var("f", q_index, 1), 1)
            quadratic.append(one_plane)
        return self._bilinear(quadratic)

    def _plane_terms(self, equation: QuadraticEquation, h: int, point: tuple[Fraction, ...], sign: int) -> None:
        """Adds sign·(w_h·point − γ_h)."""
        for j, coordinate in enumerate(point):
            if coordinate:
                equation.add(self.var("w", h, j), 0, sign * coordinate)
        equation.add(self.var("gamma", h), 0, -sign)

    def _inside(self, p_index: int, p: tuple[Fraction, ...], h: int) -> QuadraticEquation:
        # w_h·p − γ_h − Σ_i s[p,h,i]² = 1
        equation = QuadraticEquation(rhs=Fraction(1))
        self._plane_terms(equation, h, p, +1)
        for i in range(SQUARES):
            s = self.var("s", p_index, h, i)
            equation.add(s, s, -1)
        return equation

    def _outside(self, q_index: int, q: tuple[Fraction, ...], h: int) -> QuadraticEquation:
        # γ_h − w_h·q + f[q,h]² − Σ_i r[q,h,i]² = 1
        equation = QuadraticEquation(rhs=Fraction(1))
        self._plane_terms(equation, h, q, -1)
        f = self.var("f", q_index, h)
        equation.add(f, f, 1)
        for i in range(SQUARES):
            r = self.var("r", q_index, h, i)
            equation.add(r, r, -1)
        return equation

    def _bilinear(self, quadratic: list[QuadraticEquation]) -> BilinearSystem:
        size = len(self.index) + 1
        equations = [BilinearEquation(coefficients=[(0, 0, 1)], column=0, target=1)]  # b_0·a_0 = 1
        equations.extend(  # b_k·a_0 − b_0·a_k = 0: after scaling to b_0 = a_0 = 1, b and a are copies
            BilinearEquation(coefficients=[(k, 0, 1), (0, k, -1)], column=0, target=0) for k in range(1, size)
        )
        for equation in quadratic:
            coefficients = [(k, m, _wire(c)) for (k, m), c in equation.terms.items() if c]
            equations.append(BilinearEquation(coefficients=coefficients, column=0, target=_wire(equation.rhs)))
        return BilinearSystem(b_dim=size, a_cols=1, equations=equations)

    def backward(self, target_solution: BilinearSolution) -> TwoPlanes:
        """The planes read from b after the scaling b ↦ b / b_0 (b_0 ≠ 0 in every solution, by b_0·a_0 = 1)."""
        b = target_solution.b
        if not b or b[0] == 0:
            raise ValueError("b_0 = 0: not a solution of the unit equation b_0·a_0 = 1")
        x = [value / b[0] for value in b]

        def plane(h: int) -> Plane:
            w = tuple(x[self.var("w", h, j)] for j in range(self.instance.dim))
            return Plane(w, x[self.var("gamma", h)])

        return TwoPlanes(plane(0), plane(1))

    def forward_solution(self, planes: TwoPlanes) -> BilinearSolution:
        """Map separating planes to an exact rational solution b = a = (1, x) of `forward(instance)`.

        The planes are rescaled to margin 1; slacks become sums of four rational squares (Lagrange).
        """
        if not separates(self.instance, planes):
            raise ValueError("the planes do not separate P from Q, so they give no solution")
        positive, negative = self.instance.points()
        chosen = [next(h for h, pl in enumerate((planes.first, planes.second)) if pl.value(q) < 0) for q in negative]
        scaled = [
            _unit_margin(plane, h, positive, negative, chosen) for h, plane in enumerate((planes.first, planes.second))
        ]
        x = [Fraction(0)] * (len(self.index) + 1)
        x[0] = Fraction(1)
        for h in PLANES:
            for j in range(self.instance.dim):
                x[self.var("w", h, j)] = scaled[h].w[j]
            x[self.var("gamma", h)] = scaled[h].gamma
        for p_index, p in enumerate(positive):
            for h in PLANES:
                self._set_squares(x, ("s", p_index, h), scaled[h].value(p) - 1)
        for q_index, q in enumerate(negative):
            for h in PLANES:
                gap = -scaled[h].value(q) - 1  # γ_h − w_h·q − 1, ≥ 0 on the chosen plane
                f = Fraction(0) if h == chosen[q_index] else Fraction(_ceil_sqrt(max(-gap, Fraction(0))))
                x[self.var("f", q_index, h)] = f
                self._set_squares(x, ("r", q_index, h), gap + f * f)
        return BilinearSolution(b=list(x), a=[[v] for v in x])

    def _set_squares(self, x: list[Fraction], key: tuple[object, ...], value: Fraction) -> None:
        for i, root in enumerate(rational_four_squares(value)):
            x[self.var(*key, i)] = root


def _wire(value: Fraction) -> int | str:
    return int(value) if value.denominator == 1 else fraction_text(value)


def _unit_margin(
    plane: Plane, h: int, positive: list[tuple[Fraction, ...]], negative: list[tuple[Fraction, ...]], chosen: list[int]
) -> Plane:
    """Scale the plane by 1/δ, δ = its smallest margin over P and the q assigned to it (positive scaling keeps
    every strict inequality), so that all of those margins become ≥ 1."""
    margins = [plane.value(p) for p in positive] + [
        -plane.value(q) for q, c in zip(negative, chosen, strict=True) if c == h
    ]
    delta = min(margins, default=Fraction(1))
    return Plane(tuple(w / delta for w in plane.w), plane.gamma / delta)


def _ceil_sqrt(value: Fraction) -> int:
    """The least integer f ≥ 0 with f² ≥ value."""
    root = math.isqrt(math.ceil(value))
    return root if root * root >= value else root + 1


def rational_four_squares(value: Fraction) -> tuple[Fraction, Fraction, Fraction, Fraction]:
    """Rationals (t_1..t_4) with Σ t_i² = value ≥ 0: value = n/d = (n·d)/d², and n·d is a sum of four integer
    squares (Lagrange).

    >>> sum(t * t for t in rational_four_squares(Fraction(7, 3)))
    Fraction(7, 3)
    """
    if value < 0:
        raise ValueError(f"a sum of squares cannot be negative, got {value}")
    roots = four_squares(value.numerator * value.denominator)
    return tuple(Fraction(r, value.denominator) for r in roots)  # type: ignore[return-value]


GREEDY_LIMIT = 10**10  # below this the greedy search is instant; above it, the prime-based method
PRIME_TRIES = 100_000  # r − c² is prime for about 1 c in ln r: this bound is never reached in practice


def four_squares(n: int) -> tuple[int, int, int, int]:
    """Integers (a, b, c, e) with a² + b² + c² + e² = n ≥ 0 (Lagrange); every answer is checked before return.

    >>> four_squares(7)
    (2, 1, 1, 1)
    >>> sum(v * v for v in four_squares(10**30 + 7)) == 10**30 + 7
    True
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if n == 0:
        return (0, 0, 0, 0)
    if n % 4 == 0:  # n = 4m: (2a, 2b, 2c, 2e) from m
        return tuple(2 * v for v in four_squares(n // 4))  # type: ignore[return-value]
    roots = _greedy_four_squares(n) if n < GREEDY_LIMIT else _prime_four_squares(n)
    if sum(v * v for v in roots) != n:
        raise AssertionError(f"four-square decomposition of {n} failed: {roots}")
    return roots


def _greedy_four_squares(n: int) -> tuple[int, int, int, int]:
    for a in range(math.isqrt(n), -1, -1):
        rest = n - a * a
        if rest % 8 == 7:  # rest is not a sum of three squares (Legendre)
            continue
        for b in range(math.isqrt(rest), -1, -1):
            pair = _two_squares(rest - b * b)
            if pair is not None:
                return (a, b, *pair)
    raise AssertionError(f"no four-square decomposition of {n}: impossible by Lagrange's theorem")


def _two_squares(n: int) -> tuple[int, int] | None:
    for c in range(math.isqrt(n), -1, -1):
        if 2 * c * c < n:
            return None
        e = math.isqrt(n - c * c)
        if e * e == n - c * c:
            return (c, e)
    return None


def _prime_four_squares(n: int) -> tuple[int, int, int, int]:
    """n (not divisible by 4) = e² + c² + (sum of two squares of a prime ≡ 1 mod 4, or twice one).

    e ∈ {0, 1} makes r = n − e² a sum of three squares (r ≢ 7 mod 8, 4 ∤ r). Then c runs down with the parity
    that makes r − c² ≡ 1 (mod 4), or ≡ 2 (mod 8) when r ≡ 3 (mod 8), until that is p or 2p with p a prime
    ≡ 1 (mod 4), which is x² + y² (Hermite–Serret). Primes are dense, so few c are tried.
    """
    e = 1 if n % 8 == 7 else 0
    r = n - e * e
    c = math.isqrt(r)
    if c * c == r:  # r − c² would factor as a difference of squares, never a prime
        return (e, c, 0, 0)
    if c % 2 != (1 if r % 4 in (2, 3) else 0):
        c -= 1
    for _ in range(PRIME_TRIES):
        if c < 0:
            break
        rest = r - c * c
        doubled = rest % 2 == 0
        p = rest // 2 if doubled else rest
        pair = _prime_two_squares(p) if p % 4 == 1 and _probably_prime(p) else None
        if pair is not None:
            x, y = pair
            return (e, c, x + y, abs(x - y)) if doubled else (e, c, x, y)
        c -= 2
    raise ValueError(f"no four-square decomposition of {n} found in {PRIME_TRIES} tries")


def _prime_two_squares(p: int) -> tuple[int, int] | None:
    """x² + y² = p for a prime p ≡ 1 (mod 4): Euclid on (p, √−1 mod p) until the remainder drops below √p."""
    for z in range(2, 200):
        if pow(z, (p - 1) // 2, p) == p - 1:  # z is a non-residue, so z^((p-1)/4) is a square root of -1
            a, b = p, pow(z, (p - 1) // 4, p)
            limit = math.isqrt(p)
            while b > limit:
                a, b = b, a % b
            y = math.isqrt(p - b * b)
            return (b, y) if b * b + y * y == p else None
    return None


def _probably_prime(n: int) -> bool:
    """Miller–Rabin with the first 12 prime bases (exact below 3·10^24; callers check results anyway)."""
    if n < 2:
        return False
    bases = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)
    for q in bases:
        if n % q == 0:
            return n == q
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for a in bases:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True
