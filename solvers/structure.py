"""The support-enumeration backend for φ-structured targets (exact; proof in docs/lsa.md)."""

from __future__ import annotations

import time
from typing import Any, ClassVar

from problems.lsa.structure import PhiTarget, realise_on_grid, realise_over_reals
from solvers.base import Backend, Limits, SolveResult, Status


class StructureBackend(Backend):
    """Decides φ(b, A) = X on a grid (complete) or over the reals (UNKNOWN on degenerate supports).

    `assignment` holds the exact values, b then A row-major (Fractions, or Radicals over the reals).
    Runs to completion: its cost is bounded by |grid| · 3^{d+1} candidate checks when no pair gcd vanishes.
    """

    name: ClassVar[str] = "structure"
    accepts: ClassVar[frozenset[str]] = frozenset({"phi"})
    default_solver: ClassVar[str] = "support-enumeration"

    def solve(self, target: PhiTarget, limits: Limits) -> SolveResult:
        self.check_target(target)
        start = time.perf_counter()
        if target.grid is not None:
            found = realise_on_grid(target.x, target.d, list(target.grid))
            status = Status.UNSATISFIABLE if found is None else Status.SATISFIABLE
            values: list[Any] = [] if found is None else [*found.b, *(v for row in found.a for v in row)]
            stats: dict[str, Any] = {"solver": self.solver}
        else:
            real = realise_over_reals(target.x, target.d)
            status = {"realisable": Status.SATISFIABLE, "not-realisable": Status.UNSATISFIABLE}.get(
                real.status, Status.UNKNOWN
            )
            values = [] if real.b is None or real.a is None else [*real.b, *(v for row in real.a for v in row)]
            stats = {"solver": self.solver, "candidates": real.candidates}
        return SolveResult(status, assignment=values, wall_s=time.perf_counter() - start, stats=stats)
