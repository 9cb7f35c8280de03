"""MILP (OR-Tools MathOpt) for the box-and-ε bilinear problem: b in binary over a dyadic grid, exact linearisation."""

from __future__ import annotations

from fractions import Fraction
from typing import Any, ClassVar

from problems.bilinear import to_fraction
from problems.lsa.grid import BoxBilinear


class BilinearToMilp:
    """Box bilinear problem (b dyadic, A real) → MILP.

    Variables: bits z[k,t] ∈ {0,1} (t < K) with b_k = lo + Δ Σ_t 2^t z[k,t], Δ = (hi − lo)/2^K;
               A[row,j] ∈ [lo, hi] continuous; w[k,t,row,j] = z[k,t] · A[row,j].
      linearisation (exact because z is binary, McCormick on [lo, hi]):
          lo z ≤ w ≤ hi z,   A − hi (1 − z) ≤ w ≤ A − lo (1 − z)
      equations:  | Σ_{(k,row)} D_kl (lo A[row,j_r] + Δ Σ_t 2^t w[k,t,row,j_r]) − X_r | ≤ ε
    so b_k A[row,j] = lo A[row,j] + Δ Σ_t 2^t w[k,t,row,j] exactly at every integral point.
    `infeasible` means: no b on the dyadic grid, with A real in the box, meets every equation within ε (as decided
    by the MILP solver's floating-point arithmetic; positive answers are re-verified exactly).
    Size: pK binaries, pq continuous, p²qK products (4 rows each), 2 rows per equation.
    """

    name: ClassVar[str] = "bilinear-box->milp"
    version: ClassVar[str] = "1"

    def forward(self, problem: BoxBilinear) -> Any:
        from ortools.math_opt.python import mathopt

        self.problem = problem
        system, lo, hi = problem.system, float(problem.lo), float(problem.hi)
        model = mathopt.Model(name="lsa-real")
        self.z = [
            [model.add_binary_variable(name=f"z[{k},{t}]") for t in range(problem.bits)] for k in range(system.b_dim)
        ]
        self.a = [
            [model.add_variable(lb=lo, ub=hi, name=f"A[{row},{j}]") for j in range(system.a_cols)]
            for row in range(system.b_dim)
        ]
        products: dict[tuple[int, int, int], Any] = {}
        step = float(problem.step)
        for r, eq in enumerate(system.equations):
            j = eq.column
            expr = 0.0
            for k, row, coeff in eq.coefficients:
                if (k, row, j) not in products:
                    products[(k, row, j)] = self._product(model, k, row, j, lo, hi, step)
                expr = expr + float(to_fraction(coeff)) * products[(k, row, j)]
            target, eps = float(to_fraction(eq.target)), float(problem.epsilon)
            model.add_linear_constraint(expr <= target + eps, name=f"eq[{r}]+")
            model.add_linear_constraint(expr >= target - eps, name=f"eq[{r}]-")
        return model

    def _product(self, model: Any, k: int, row: int, j: int, lo: float, hi: float, step: float) -> Any:
        """The linear expression for b_k · A[row,j] = lo A + Δ Σ_t 2^t w_t with w_t = z[k,t] · A[row,j]."""
        a = self.a[row][j]
        expr = lo * a
        for t, z in enumerate(self.z[k]):
            w = model.add_variable(lb=min(lo, 0.0), ub=max(hi, 0.0), name=f"w[{k},{t},{row},{j}]")
            model.add_linear_constraint(w <= hi * z)
            model.add_linear_constraint(w >= lo * z)
            model.add_linear_constraint(w <= a - lo * (1 - z))
            model.add_linear_constraint(w >= a - hi * (1 - z))
            expr = expr + step * 2**t * w
        return expr

    def backward(self, assignment: list[float]) -> tuple[list[Fraction], list[list[float]]]:
        """(b exactly, from the rounded bits; A as the solver's floats) from all variable values in creation order.

        z and A are created first, so they are the first pK + pq values."""
        bits = self.problem.bits
        b = []
        for k in range(self.problem.system.b_dim):
            index = sum(round(assignment[k * bits + t]) << t for t in range(bits))
            b.append(self.problem.b_value(index))
        offset = self.problem.system.b_dim * bits
        q = self.problem.system.a_cols
        a = [[assignment[offset + row * q + j] for j in range(q)] for row in range(self.problem.system.b_dim)]
        return b, a
