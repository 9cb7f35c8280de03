"""CP-SAT model of the grid-restricted bilinear problem (Problem C.10, and φ as its special case)."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import ClassVar

from ortools.sat.python import cp_model

from problems.bilinear import BilinearSolution, to_fraction
from problems.lsa.grid import GridBilinear


class BilinearToCpSat:
    """Grid bilinear problem → CP-SAT with integer variables and product constraints.

    Scale by q = lcm of the grid's denominators so every value is an integer: B_k = q b_k, A'_{l,j} = q A_{l,j}.
      domains:   B_k, A'_{l,j} ∈ q · grid                                         (Domain.from_values)
      products:  P[k,l,j] = B_k · A'_{l,j}   for each (k, l, j) some equation reads  (add_multiplication_equality)
      equations: Σ_{(k,l)} (L D^(r)_{kl}) P[k,l,j_r] = L q² X_r,  with L = lcm of the denominators of D^(r), q² X_r
    The scaled equation is the original one times L q², so the models are exactly the grid solutions.
    Size: p + pq integer variables, at most p²q products, one linear constraint per equation.
    """

    name: ClassVar[str] = "bilinear-grid->cpsat"
    version: ClassVar[str] = "1"

    def __init__(self) -> None:
        self.model = cp_model.CpModel()
        self.b_var: list[cp_model.IntVar] = []
        self.a_var: list[list[cp_model.IntVar]] = []

    def forward(self, problem: GridBilinear) -> cp_model.CpModel:
        system, model = problem.system, self.model
        self.scale = math.lcm(*(g.denominator for g in problem.grid))
        values = sorted({int(g * self.scale) for g in problem.grid})
        domain = cp_model.Domain.from_values(values)
        self.b_var = [model.new_int_var_from_domain(domain, f"b[{k}]") for k in range(system.b_dim)]
        self.a_var = [
            [model.new_int_var_from_domain(domain, f"A[{row},{j}]") for j in range(system.a_cols)]
            for row in range(system.b_dim)
        ]
        bound = max(abs(v) for v in values) ** 2
        products: dict[tuple[int, int, int], cp_model.IntVar] = {}
        for r, eq in enumerate(system.equations):
            j = eq.column
            terms = []
            for k, row, coeff in eq.coefficients:
                key = (k, row, j)
                if key not in products:  # P[k,l,j] = B_k · A'_{l,j}
                    products[key] = model.new_int_var(-bound, bound, f"P[{k},{row},{j}]")
                    model.add_multiplication_equality(products[key], [self.b_var[k], self.a_var[row][j]])
                terms.append((to_fraction(coeff), products[key]))
            target = to_fraction(eq.target) * self.scale**2
            lcm = math.lcm(target.denominator, *(c.denominator for c, _ in terms))
            # Σ (L D_kl) P = L q² X_r
            model.add(sum(int(c * lcm) * var for c, var in terms) == int(target * lcm)).with_name(f"eq[{r}]")
        return model

    def backward(self, assignment: list[int]) -> BilinearSolution:
        """Values of the CP-SAT solution (indexed by variable index) → the exact grid solution."""
        b = [Fraction(assignment[v.index], self.scale) for v in self.b_var]
        a = [[Fraction(assignment[v.index], self.scale) for v in row] for row in self.a_var]
        return BilinearSolution(b, a)
