"""Direct (one-hot) CNF encoding of the grid-restricted bilinear problem, for DRUP-certified infeasibility."""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import ClassVar

from pysat.card import CardEnc, EncType
from pysat.formula import CNF, IDPool

from problems.bilinear import BilinearSolution, to_fraction
from problems.lsa.grid import GridBilinear

PAIRWISE_LIMIT = 6


def _encoding(width: int) -> int:
    return EncType.pairwise if width <= PAIRWISE_LIMIT else EncType.seqcounter


class BilinearToCnf:
    """Grid bilinear problem → CNF over the values of every unknown, product and partial sum.

    Grid g_0 < … < g_{k-1}. Variables (one-hot value indicators):
      sb[k,t] ⇔ b_k = g_t;   sa[l,j,t] ⇔ A_{l,j} = g_t                         exactly one value each
      pv[k,l,j,w] ⇔ b_k A_{l,j} = w,  w ∈ {g_t g_s}:   sb[k,t] ∧ sa[l,j,s] → pv[k,l,j,g_t g_s];  AMO_w pv
      ps[r,i,s] ⇔ Σ_{i'≤i} D_{i'} P_{i'} = s (the partial sums of equation r, terms i = 0..T-2):
          pv(term 0) = w → ps[r,0,D_0 w];  ps[r,i-1,s] ∧ pv(term i) = w → ps[r,i,s + D_i w];  AMO_s ps
      target:  ¬ps[r,T-2,s] ∨ ¬pv(term T-1)=w   whenever s + D_{T-1} w ≠ X_r   (for T = 1: ¬pv = w when D w ≠ X_r)
    The AMOs make every indicator equal to the true value forced by the sb/sa choice, so the models are exactly
    the grid solutions (plus determined auxiliaries). This is a value (sparse) encoding rather than binary
    arithmetic circuits: it stays small for small grids and gives DRUP proofs of "no grid point solves X".
    Size: (p + pq) k selectors; ≤ p²q k² product indicators; per equation with T terms, ≤ T k² |sums| clauses.
    """

    name: ClassVar[str] = "bilinear-grid->cnf"
    version: ClassVar[str] = "1"

    def __init__(self) -> None:
        self.pool = IDPool()

    def sb(self, k: int, t: int) -> int:
        return self.pool.id(("b", k, t))

    def sa(self, row: int, j: int, t: int) -> int:
        return self.pool.id(("a", row, j, t))

    def forward(self, problem: GridBilinear) -> CNF:
        self.problem = problem
        system, grid = problem.system, problem.grid
        self.cnf = CNF()
        self.products: dict[tuple[int, int, int], dict[Fraction, int]] = {}
        selectors = [[self.sb(k, t) for t in range(len(grid))] for k in range(system.b_dim)]
        selectors += [
            [self.sa(row, j, t) for t in range(len(grid))] for row in range(system.b_dim) for j in range(system.a_cols)
        ]
        for lits in selectors:  # exactly one grid value per unknown
            self.cnf.extend(CardEnc.equals(lits, 1, vpool=self.pool, encoding=_encoding(len(lits))).clauses)
        for r, eq in enumerate(system.equations):
            terms = [(to_fraction(c), self._product(k, row, eq.column)) for k, row, c in eq.coefficients]
            self._equation(r, terms, to_fraction(eq.target))
        return self.cnf

    def _product(self, k: int, row: int, j: int) -> dict[Fraction, int]:
        """Indicators pv[k,row,j,w] of b_k A_{row,j} = w (created once per product)."""
        key = (k, row, j)
        if key in self.products:
            return self.products[key]
        grid = self.problem.grid
        values: dict[Fraction, int] = {}
        for t, s in itertools.product(range(len(grid)), repeat=2):
            w = grid[t] * grid[s]
            if w not in values:
                values[w] = self.pool.id(("p", k, row, j, w))
            self.cnf.append([-self.sb(k, t), -self.sa(row, j, s), values[w]])  # sb ∧ sa → pv[w]
        self._at_most_one(list(values.values()))
        self.products[key] = values
        return values

    def _at_most_one(self, lits: list[int]) -> None:
        if len(lits) > 1:
            self.cnf.extend(CardEnc.atmost(lits, 1, vpool=self.pool, encoding=_encoding(len(lits))).clauses)

    def _equation(self, r: int, terms: list[tuple[Fraction, dict[Fraction, int]]], target: Fraction) -> None:
        """Σ_i D_i P_i = target, by one-hot partial sums; the last term is checked against the target directly."""
        partial: dict[Fraction, list[int]] = {Fraction(0): []}  # value ↦ literals whose conjunction means "sum = s"
        for i, (coeff, values) in enumerate(terms):
            last = i == len(terms) - 1
            nxt: dict[Fraction, int] = {}
            for (s, cond), (w, lit) in itertools.product(partial.items(), values.items()):
                total = s + coeff * w
                if last:
                    if total != target:
                        self.cnf.append([*(-c for c in cond), -lit])
                    continue
                if total not in nxt:
                    nxt[total] = self.pool.id(("s", r, i, total))
                self.cnf.append([*(-c for c in cond), -lit, nxt[total]])
            if not last:
                self._at_most_one(list(nxt.values()))
                partial = {s: [v] for s, v in nxt.items()}

    def backward(self, assignment: list[int]) -> BilinearSolution:
        """Read the selected grid value of every unknown from a SAT assignment."""
        true = {lit for lit in assignment if lit > 0}
        system, grid = self.problem.system, self.problem.grid
        b = [next(grid[t] for t in range(len(grid)) if self.sb(k, t) in true) for k in range(system.b_dim)]
        a = [
            [next(grid[t] for t in range(len(grid)) if self.sa(row, j, t) in true) for j in range(system.a_cols)]
            for row in range(system.b_dim)
        ]
        return BilinearSolution(b, a)

    def var_map(self) -> dict[str, list[list[int]]]:
        """CNF variables with a meaning: b as [var, k, grid index], a as [var, row, column, grid index]."""
        meaning: dict[str, list[list[int]]] = {"b": [], "a": []}
        for key, var in self.pool.obj2id.items():
            if key[0] in meaning:
                meaning[key[0]].append([var, *key[1:]])
        return meaning
