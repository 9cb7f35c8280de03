"""The exact enlarged-model optimum X* = H⁻¹ r for binary Markov-chain prompts (SPEC §2), in rationals.

Data model. A prompt draws a kernel P = [[1-p01, p01], [p10, 1-p10]] with p01, p10 ~ U(0,1), then n context chains
z_i ∈ {0,1}^{d+1} and one query chain (x_1..x_d, y), all independent given P, each started from Bernoulli(p).
G = (1/n) Σ z_i z_iᵀ, and g = the m = (d+1)(d+2)/2 unique entries G_{uv} (u ≤ v, row-major upper triangle).
The features of the enlarged model are f_{(a,j)} = g_a · x_j, flattened row-major over (a, j) like X (m×d).

Moments. Write M_S(P) = Pr[z_s = 1 for all s ∈ S | P] for a set S of chain positions. Since the entries are binary,
every product of entries is an indicator, so, with a = (u,v), b = (u',v'):
    E[g_a g_b | P] = (1/n) M_{{u,v,u',v'}} + (1 − 1/n) M_{{u,v}} M_{{u',v'}}     (n i.i.d. chains; exact),
    E[x_j x_k | P] = M_{{j,k}},   E[x_j y | P] = M_{{j,d}},   E[y²] = E[y] = E[M_{{d}}],
and the context is independent of the query given P, so
    H_{(a,j),(b,k)} = E_P[ E[g_a g_b | P] · M_{{j,k}} ],   r_{(a,j)} = E_P[ M_a · M_{{j,d}} ].
Each M_S is a polynomial in (p01, p10) of degree ≤ d in each variable (d transitions), so each integrand has degree
≤ 3d in each variable.

Exact integration. Two exact routes, cross-checked in the tests:
- `integrate_monomials` (reference): enumerate the 2^{d+1} state sequences; a sequence contributes
  π(s_0) · p01^{#01} (1-p01)^{#00} p10^{#10} (1-p10)^{#11}, and ∫∫ p01^a (1-p01)^b p10^c (1-p10)^e = B(a+1,b+1)
  B(c+1,e+1) with B(α,β) = (α-1)!(β-1)!/(α+β-1)!. Products of such monomials add exponents.
- `exact_moments` (fast, the default): a tensor-product Newton–Cotes rule on the rational nodes k/D (k = 0..D,
  D = 3d) with rational weights, which integrates every polynomial of degree ≤ D in each variable exactly. It
  evaluates M_S at each node in exact integer arithmetic and accumulates kron(E[gg|P], E[xx|P]).

Singular H. For 0 < p < 1 and p01, p10 ∈ (0,1) every chain state sequence has positive probability, and the features
g_a x_j are distinct multilinear monomials in independent binary variables (z_u z_v for u < v, z_u for u = v, times
x_j of the query), so they are linearly independent functions and H is positive definite. For p ∈ {0, 1} the first
state is constant and H is singular; then `x_star` returns the minimum-norm minimiser H⁺ r, computed exactly from a
basis of independent rows R of H: X = Rᵀ (R Rᵀ)⁻¹ r_R.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

import numpy as np

Poly = dict[tuple[int, int, int, int], Fraction]  # (a, b, c, e) ↦ coeff of p01^a (1-p01)^b p10^c (1-p10)^e


def unique_pairs(d: int) -> list[tuple[int, int]]:
    """Rows of X: the unique entries (u, v), u ≤ v, of the (d+1)×(d+1) matrix G in row-major upper order."""
    return [(u, v) for u in range(d + 1) for v in range(u, d + 1)]


# ---------------------------------------------------------------- chain moments at one kernel, exactly


def set_moment(states: tuple[int, ...], length: int, p: Fraction, p01: Fraction, p10: Fraction) -> Fraction:
    """Pr[s_t = 1 for all t in `states`] for a chain of `length` states with kernel (p01, p10), start Bernoulli(p)."""
    alpha0, alpha1 = 1 - p, p
    required = set(states)
    for t in range(length):
        if t in required:
            alpha0 = Fraction(0)
        if t == length - 1:
            break
        alpha0, alpha1 = alpha0 * (1 - p01) + alpha1 * p10, alpha0 * p01 + alpha1 * (1 - p10)
    return alpha0 + alpha1


def _int_moment(states: frozenset[int], length: int, p: Fraction, k01: int, k10: int, big_d: int) -> int:
    """set_moment at p01 = k01/D, p10 = k10/D, times D^(length-1) · den(p): always an integer."""
    alpha0, alpha1 = p.denominator - p.numerator, p.numerator
    for t in range(length):
        if t in states:
            alpha0 = 0
        if t == length - 1:
            break
        alpha0, alpha1 = alpha0 * (big_d - k01) + alpha1 * k10, alpha0 * k01 + alpha1 * (big_d - k10)
    return alpha0 + alpha1


def newton_cotes_weights(big_d: int) -> list[Fraction]:
    """Weights w_k with Σ_k w_k (k/D)^i = 1/(i+1) for i = 0..D: exact on [0,1] for degree ≤ D."""
    nodes = [Fraction(k, big_d) for k in range(big_d + 1)]
    vandermonde = [[t**i for t in nodes] for i in range(big_d + 1)]
    moments = [Fraction(1, i + 1) for i in range(big_d + 1)]
    return solve_square(vandermonde, moments)


# ---------------------------------------------------------------- the fast exact moments


@dataclass(frozen=True)
class Moments:
    """H (md × md), r (md), E[y²] of the enlarged model, exactly; features are flattened row-major over (a, j)."""

    d: int
    n: int
    p: Fraction
    h: list[list[Fraction]]
    r: list[Fraction]
    ey2: Fraction

    @cached_property
    def m(self) -> int:
        return (self.d + 1) * (self.d + 2) // 2


def exact_moments(d: int, n: int, p: Fraction | int | str) -> Moments:
    """H, r and E[y²] exactly, by the tensor Newton–Cotes rule on (p01, p10) (see the module docstring)."""
    p = Fraction(p)
    _check_params(d, n, p)
    pairs = unique_pairs(d)
    m, length = len(pairs), d + 1
    big_d = max(3 * d, 1)
    weights = newton_cotes_weights(big_d)
    common = math.lcm(*(w.denominator for w in weights))
    w_int = [int(w * common) for w in weights]
    subsets = {frozenset(s) for a in pairs for b in pairs for s in [(*a, *b)]}
    h_acc = np.zeros((m * d, m * d), dtype=object)
    r_acc = np.zeros(m * d, dtype=object)
    ey_acc = 0
    for k01, k10 in itertools.product(range(big_d + 1), repeat=2):
        weight = w_int[k01] * w_int[k10]
        if weight == 0:
            continue
        mom = {s: _int_moment(s, length, p, k01, k10, big_d) for s in subsets}  # scaled by c = D^d den(p)
        c = big_d**d * p.denominator
        ga = np.array([mom[frozenset(a)] for a in pairs], dtype=object)
        gram = np.array(
            [
                [c * mom[frozenset((*a, *b))] + (n - 1) * ga[i] * ga[j] for j, b in enumerate(pairs)]
                for i, a in enumerate(pairs)
            ],
            dtype=object,
        )  # n c² E[g_a g_b | P]
        xx = np.array([[mom[frozenset((j, q))] for q in range(d)] for j in range(d)], dtype=object)  # c E[x_j x_k|P]
        xy = np.array([mom[frozenset((j, d))] for j in range(d)], dtype=object)  # c E[x_j y | P]
        h_acc += weight * np.kron(gram, xx)
        r_acc += weight * np.kron(ga, xy)
        ey_acc += weight * mom[frozenset((d,))]
    c = big_d**d * p.denominator
    h_scale = Fraction(1, n * c**3 * common**2)
    r_scale = Fraction(1, c**2 * common**2)
    h = [[Fraction(int(v)) * h_scale for v in row] for row in h_acc]
    r = [Fraction(int(v)) * r_scale for v in r_acc]
    return Moments(d, n, p, h, r, Fraction(ey_acc, c * common**2))


def _check_params(d: int, n: int, p: Fraction) -> None:
    if d < 1:
        raise ValueError(f"d must be ≥ 1, got {d}")
    if n < 1:
        raise ValueError(f"n must be ≥ 1, got {n}")
    if not 0 <= p <= 1:
        raise ValueError(f"p must lie in [0, 1], got {p}")


# ---------------------------------------------------------------- the reference route: monomials and Beta integrals


def chain_poly(states: frozenset[int], length: int, p: Fraction) -> Poly:
    """M_S as a sum over state sequences with s_t = 1 on S of π(s_0) p01^#01 (1-p01)^#00 p10^#10 (1-p10)^#11."""
    poly: Poly = {}
    for seq in itertools.product((0, 1), repeat=length):
        if any(seq[t] == 0 for t in states):
            continue
        counts = [0, 0, 0, 0]  # #01, #00, #10, #11
        for s, t in itertools.pairwise(seq):
            counts[{(0, 1): 0, (0, 0): 1, (1, 0): 2, (1, 1): 3}[(s, t)]] += 1
        key = (counts[0], counts[1], counts[2], counts[3])
        poly[key] = poly.get(key, Fraction(0)) + (p if seq[0] else 1 - p)
    return poly


def poly_mul(*polys: Poly) -> Poly:
    out: Poly = {(0, 0, 0, 0): Fraction(1)}
    for poly in polys:
        nxt: Poly = {}
        for e1, c1 in out.items():
            for e2, c2 in poly.items():
                key = (e1[0] + e2[0], e1[1] + e2[1], e1[2] + e2[2], e1[3] + e2[3])
                nxt[key] = nxt.get(key, Fraction(0)) + c1 * c2
        out = nxt
    return out


def beta(alpha: int, beta_: int) -> Fraction:
    """B(α, β) = (α-1)!(β-1)!/(α+β-1)! for positive integers."""
    return Fraction(math.factorial(alpha - 1) * math.factorial(beta_ - 1), math.factorial(alpha + beta_ - 1))


def integrate_monomials(poly: Poly) -> Fraction:
    """∫∫ over U(0,1)² of Σ c · p01^a (1-p01)^b p10^c (1-p10)^e = Σ c · B(a+1,b+1) B(c+1,e+1)."""
    return sum((c * beta(a + 1, b + 1) * beta(cc + 1, e + 1) for (a, b, cc, e), c in poly.items()), Fraction(0))


def reference_moments(d: int, n: int, p: Fraction | int | str) -> Moments:
    """The same H, r, E[y²] by monomial products and Beta integrals: slow, for cross-checks at small d."""
    p = Fraction(p)
    _check_params(d, n, p)
    pairs = unique_pairs(d)
    length = d + 1
    cache: dict[frozenset[int], Poly] = {}

    def mpoly(*states: int) -> Poly:
        key = frozenset(states)
        if key not in cache:
            cache[key] = chain_poly(key, length, p)
        return cache[key]

    features = [(a, j) for a in pairs for j in range(d)]
    h = [[Fraction(0)] * len(features) for _ in features]
    for i, (a, j) in enumerate(features):
        for q, (b, k) in enumerate(features):
            if q < i:
                h[i][q] = h[q][i]
                continue
            single = poly_mul(mpoly(*a, *b), mpoly(j, k))
            double = poly_mul(mpoly(*a), mpoly(*b), mpoly(j, k))
            h[i][q] = Fraction(1, n) * integrate_monomials(single) + (1 - Fraction(1, n)) * integrate_monomials(double)
    r = [integrate_monomials(poly_mul(mpoly(*a), mpoly(j, d))) for a, j in features]
    return Moments(d, n, p, h, r, integrate_monomials(mpoly(d)))


# ---------------------------------------------------------------- exact linear algebra


def solve_square(matrix: list[list[Fraction]], rhs: list[Fraction]) -> list[Fraction]:
    """The unique solution of a nonsingular square system, exactly: Bareiss fraction-free elimination on integers.

    Each row is scaled by the lcm of its denominators (which keeps the solution), so every intermediate is an
    integer minor of the scaled system and stays small; raises ZeroDivisionError when the matrix is singular.
    """
    size = len(matrix)
    rows: list[list[int]] = []
    for i, row in enumerate(matrix):
        entries = [Fraction(v) for v in (*row, rhs[i])]
        scale = math.lcm(*(v.denominator for v in entries))
        rows.append([int(v * scale) for v in entries])
    previous = 1
    for col in range(size):
        pivot = next((i for i in range(col, size) if rows[i][col] != 0), None)
        if pivot is None:
            raise ZeroDivisionError("singular matrix")
        rows[col], rows[pivot] = rows[pivot], rows[col]
        top = rows[col]
        for i in range(col + 1, size):
            lead = rows[i][col]
            rows[i] = [(top[col] * v - lead * w) // previous for v, w in zip(rows[i], top, strict=True)]
        previous = top[col]
    solution = [Fraction(0)] * size
    for i in reversed(range(size)):
        acc = Fraction(rows[i][-1]) - sum((rows[i][k] * solution[k] for k in range(i + 1, size)), Fraction(0))
        solution[i] = acc / rows[i][i]
    return solution


def independent_rows(matrix: list[list[Fraction]]) -> list[int]:
    """Indices of a maximal set of linearly independent rows (greedy, exact)."""
    basis: list[list[Fraction]] = []  # reduced rows, each with a leading column
    leads: list[int] = []
    chosen: list[int] = []
    for idx, row in enumerate(matrix):
        vec = list(row)
        for lead, brow in zip(leads, basis, strict=True):
            if vec[lead] != 0:
                factor = vec[lead] / brow[lead]
                vec = [v - factor * w for v, w in zip(vec, brow, strict=True)]
        lead = next((c for c, v in enumerate(vec) if v != 0), None)
        if lead is not None:
            basis.append(vec)
            leads.append(lead)
            chosen.append(idx)
    return chosen


def min_norm_solution(matrix: list[list[Fraction]], rhs: list[Fraction]) -> tuple[list[Fraction], int]:
    """(x, rank): the minimum-norm solution of a consistent system; x = Rᵀ (R Rᵀ)⁻¹ rhs_R over independent rows R."""
    if len(matrix) == len(matrix[0]):
        try:
            return solve_square(matrix, rhs), len(matrix)
        except ZeroDivisionError:
            pass  # singular: fall through to the minimum-norm solution
    rows = independent_rows(matrix)
    basis = [matrix[i] for i in rows]
    gram = [[sum((a * b for a, b in zip(u, v, strict=True)), Fraction(0)) for v in basis] for u in basis]
    y = solve_square(gram, [rhs[i] for i in rows])
    x = [sum((y[k] * basis[k][col] for k in range(len(rows))), Fraction(0)) for col in range(len(matrix[0]))]
    residual = [sum((a * b for a, b in zip(row, x, strict=True)), Fraction(0)) - rhs[i] for i, row in enumerate(matrix)]
    if any(residual):
        raise ArithmeticError("inconsistent system: rhs is not in the range of the matrix")
    return x, len(rows)


# ---------------------------------------------------------------- X*


@dataclass(frozen=True)
class XStar:
    """The exact minimiser X* (m × d, rows in `unique_pairs(d)` order), the minimum loss, and rank(H)."""

    d: int
    n: int
    p: Fraction
    x: list[list[Fraction]]
    min_loss: Fraction
    rank: int
    moments: Moments

    def floats(self) -> list[list[float]]:
        return [[float(v) for v in row] for row in self.x]

    @property
    def flat(self) -> list[Fraction]:
        return [v for row in self.x for v in row]


def x_star(d: int, n: int, p: Fraction | int | str = Fraction(1, 2), reference: bool = False) -> XStar:
    """X* = H⁻¹ r (the minimum-norm minimiser when H is singular), and L(X*) = E[y²] − rᵀ X*."""
    moments = reference_moments(d, n, p) if reference else exact_moments(d, n, p)
    flat, rank = min_norm_solution(moments.h, moments.r)
    loss = moments.ey2 - sum((a * b for a, b in zip(moments.r, flat, strict=True)), Fraction(0))
    rows = [flat[i * d : (i + 1) * d] for i in range(moments.m)]
    return XStar(d, n, moments.p, rows, loss, rank, moments)


_KNOWN: dict[tuple[int, int, Fraction], XStar] = {}
KNOWN_MAX = 16


def x_star_cached(d: int, n: int, p: Fraction) -> XStar:
    """x_star, memoised: X* at d = 6 takes seconds to a minute, and solves of one (d, n, p) share it. Do not
    mutate."""
    key = (d, n, Fraction(p))
    if key not in _KNOWN:
        remember_x_star(x_star(d, n, p))
    return _KNOWN[key]


def known_x_star(d: int, n: int, p: Fraction) -> bool:
    """Whether X* of (d, n, p) is memoised (reading it costs nothing)."""
    return (d, n, Fraction(p)) in _KNOWN


def remember_x_star(value: XStar) -> None:
    """Memoise an X* computed elsewhere (e.g. in a process bounded by a deadline); the oldest goes past 16."""
    if len(_KNOWN) >= KNOWN_MAX:
        _KNOWN.pop(next(iter(_KNOWN)))
    _KNOWN[(value.d, value.n, Fraction(value.p))] = value


def loss(moments: Moments, flat_x: list[Fraction]) -> Fraction:
    """L(X) = Xᵀ H X − 2 rᵀ X + E[y²], exactly."""
    quad = sum(
        (
            flat_x[i] * sum((h * v for h, v in zip(row, flat_x, strict=True)), Fraction(0))
            for i, row in enumerate(moments.h)
        ),
        Fraction(0),
    )
    lin = sum((a * b for a, b in zip(moments.r, flat_x, strict=True)), Fraction(0))
    return quad - 2 * lin + moments.ey2
