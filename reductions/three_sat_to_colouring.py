"""R2: 3-SAT → graph 3-colouring by the textbook gadgets (palette triangle, variable edges, OR-gadgets)."""

from __future__ import annotations

from typing import ClassVar

from problems.cnf_formula import CnfFormula, CnfSolution
from problems.graph import Colouring, ColouringSolution

TRUE, FALSE, BASE = 0, 1, 2  # the palette triangle's vertices


class ThreeSatToColouring:
    """A CNF formula φ over x_1..x_n  →  a graph G_φ that is 3-colourable iff φ is satisfiable.

    Palette: a triangle T, F, B (vertices 0, 1, 2); its colours name "true", "false" and "base".
    Variable x: vertices x and ¬x, edges x–¬x, x–B, ¬x–B  (so one of them has T's colour, the other F's).
    OR-gadget o = OR(u, v): new vertices g, h, o with edges u–g, v–h, g–h, g–o, h–o.  If u and v both have F's
      colour then o must have it too; if either has T's colour, o can have T's colour.
    Clause (ℓ_1 ∨ … ∨ ℓ_w): chain o_1 = ℓ_1, o_j = OR(o_{j−1}, ℓ_j); the last output gets edges to F and B (so
      it must be "true").  A unit clause is the edge ℓ_1–F; an empty clause is a vertex joined to T, F and B.
    Size for 3-SAT (w ≤ 3): |V| ≤ 3 + 2n + 6m, |E| ≤ 3 + 3n + 12m.  Wider clauses are accepted too
    (3(w−1) vertices and 5(w−1) + 2 edges each), so this is SAT → 3-colouring in general.
    backward: x_i is true iff vertex x_i has the colour of T.  Proof: docs/reductions.md, R2.
    """

    name: ClassVar[str] = "3sat->colouring"
    version: ClassVar[str] = "1"

    def forward(self, formula: CnfFormula) -> Colouring:
        self.formula = formula
        self.n_vertices = 3
        self.edges: list[tuple[int, int]] = [(TRUE, FALSE), (FALSE, BASE), (BASE, TRUE)]
        for x in range(1, formula.n_vars + 1):
            self.edges.extend([(self.literal(x), self.literal(-x)), (self.literal(x), BASE), (self.literal(-x), BASE)])
        self.n_vertices += 2 * formula.n_vars
        for clause in formula.clauses:
            self._clause(clause)
        return Colouring(n=self.n_vertices, edges=self.edges, k=3)

    def literal(self, lit: int) -> int:
        """The vertex of a literal: x at 3 + 2(x−1), ¬x right after it."""
        return 3 + 2 * (abs(lit) - 1) + (0 if lit > 0 else 1)

    def _new_vertex(self) -> int:
        self.n_vertices += 1
        return self.n_vertices - 1

    def _clause(self, clause: list[int]) -> None:
        if not clause:  # unsatisfiable: a vertex adjacent to all three palette colours
            v = self._new_vertex()
            self.edges.extend([(v, TRUE), (v, FALSE), (v, BASE)])
            return
        output = self.literal(clause[0])
        for lit in clause[1:]:
            output = self._or_gadget(output, self.literal(lit))
        self.edges.append((output, FALSE))
        if len(clause) > 1:  # a literal vertex is already adjacent to B
            self.edges.append((output, BASE))

    def _or_gadget(self, u: int, v: int) -> int:
        g, h, o = self._new_vertex(), self._new_vertex(), self._new_vertex()
        self.edges.extend([(u, g), (v, h), (g, h), (g, o), (h, o)])
        return o

    def backward(self, target_solution: ColouringSolution) -> CnfSolution:
        colour = target_solution.colour
        true_colour = colour[TRUE]
        return CnfSolution([colour[self.literal(x)] == true_colour for x in range(1, self.formula.n_vars + 1)])
