"""Hypothesis strategies for the sources of the hardness reductions: tiny graphs, CNF formulas, point sets."""

from __future__ import annotations

from hypothesis import strategies as st

from problems.cnf_formula import CnfFormula
from problems.graph import Colouring
from problems.separability import SeparabilityInstance


@st.composite
def tiny_graphs(draw: st.DrawFn, max_n: int = 7, min_k: int = 1, max_k: int = 4) -> Colouring:
    """n ≤ 7 vertices, any edge set (isolated vertices included), k colours."""
    n = draw(st.integers(1, max_n))
    pairs = [(u, w) for u in range(n) for w in range(u + 1, n)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs))) if pairs else []
    oriented = [(w, u) if draw(st.booleans()) else (u, w) for u, w in chosen]  # R1 uses the orientation
    return Colouring(n=n, edges=oriented, k=draw(st.integers(min_k, max_k)))


@st.composite
def tiny_formulas(draw: st.DrawFn, max_vars: int = 6, max_clauses: int = 12, max_width: int = 3) -> CnfFormula:
    """n ≤ 6 variables, clauses of 1..3 literals (repeats and x ∨ ¬x allowed)."""
    n_vars = draw(st.integers(1, max_vars))
    literal = st.integers(1, n_vars).flatmap(lambda v: st.sampled_from((v, -v)))
    clause = st.lists(literal, min_size=1, max_size=max_width)
    return CnfFormula(n_vars=n_vars, clauses=draw(st.lists(clause, min_size=1, max_size=max_clauses)))


@st.composite
def tiny_point_sets(draw: st.DrawFn, dim: int, max_points: int = 4, spread: int = 2) -> SeparabilityInstance:
    """Up to 4 + 4 points with small integer coordinates (P and Q may share points)."""
    coordinate = st.integers(-spread, spread)
    point = st.lists(coordinate, min_size=dim, max_size=dim)
    positive = draw(st.lists(point, min_size=1, max_size=max_points))
    negative = draw(st.lists(point, min_size=0, max_size=max_points))
    return SeparabilityInstance(dim=dim, positive=positive, negative=negative)
