"""Graph k-colouring → CNF, the direct encoding; it decides colouring targets (R2) with any SAT backend."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from pysat.card import CardEnc, EncType
from pysat.formula import CNF, IDPool

from problems.graph import Colouring, ColouringSolution


class ColouringToCnf:
    """k-colouring of G = (V, E) → CNF.

    x[v,c] ⇔ vertex v gets colour c.
      coloured:  ∨_c x[v,c]               ∀ v ∈ V
      one only:  AMO_c x[v,c]             ∀ v ∈ V   (pairwise)
      proper:    ¬x[u,c] ∨ ¬x[w,c]        ∀ uw ∈ E, c < k
      symmetry:  x[0,0]                   (colour names are interchangeable)
    |V|·k variables, |V|(1 + k(k−1)/2) + k|E| + 1 clauses.
    """

    name: ClassVar[str] = "colouring->cnf"
    version: ClassVar[str] = "1"

    def __init__(self) -> None:
        self.pool = IDPool()

    def x(self, v: int, c: int) -> int:
        return self.pool.id(("x", v, c))

    def forward(self, graph: Colouring) -> CNF:
        self.graph = graph
        cnf = CNF()
        for v in range(graph.n):  # reserve x ids first, so that they are 1..n·k in (v, c) order
            for c in range(graph.k):
                self.x(v, c)
        for v in range(graph.n):
            lits = [self.x(v, c) for c in range(graph.k)]
            cnf.append(lits)
            cnf.extend(CardEnc.atmost(lits, 1, vpool=self.pool, encoding=EncType.pairwise).clauses)
        for u, w in graph.edges:
            cnf.extend([-self.x(u, c), -self.x(w, c)] for c in range(graph.k))
        cnf.append([self.x(0, 0)])
        return cnf

    def backward(self, assignment: Sequence[int]) -> ColouringSolution:
        colour = [0] * self.graph.n
        for lit in assignment:
            key = self.pool.obj(lit) if lit > 0 else None
            if key is not None and key[0] == "x":
                _, v, c = key
                colour[v] = c
        return ColouringSolution(colour)
