"""The `gradient` backend: the gradient baselines users would otherwise pick, one name with two sub-solvers.

- `gradient/mlp[:key=value,...]` (default for sample arrays): the seed paper's token embeddings + MLP + k-means
  (solvers/embedding.py), on a partition instance's samples;
- `gradient/adam` (default for φ fits): Adam (lr 0.01) on the LSA parameters (b, A) (solvers/adam.py).
Both are heuristics: `complete` is false, so they answer `solved` or `unknown`, never `infeasible` or `unique`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from problems.errors import InvalidOptions
from solvers.base import Backend, Limits, SolveResult

SUB_SOLVERS = {"mlp": frozenset({"samples"}), "adam": frozenset({"phi-fit"})}


class GradientBackend(Backend):
    """Gradient descent on a learner's parameters; the sub-solver is `mlp` (with settings) or `adam`."""

    name: ClassVar[str] = "gradient"
    accepts: ClassVar[frozenset[str]] = frozenset({"samples", "phi-fit"})
    complete: ClassVar[bool] = False
    default_solver: ClassVar[str] = "mlp"

    @classmethod
    def check_solver(cls, solver: str) -> str:
        family = solver.partition(":")[0]
        if family == "adam" and solver != "adam":
            raise InvalidOptions("the gradient backend's adam sub-solver takes no settings", "options.solver")
        if family != "adam":
            from solvers.embedding import GradientConfig

            GradientConfig.parse(solver)  # raises naming options.solver
        return solver

    @classmethod
    def solver_accepts(cls, solver: str) -> frozenset[str]:
        return SUB_SOLVERS.get(solver.partition(":")[0], frozenset())

    @classmethod
    def default_solver_for(cls, targets: frozenset[str]) -> str:
        return "adam" if "phi-fit" in targets and "samples" not in targets else "mlp"

    def solve(self, target: Any, limits: Limits) -> SolveResult:
        self.check_target(target)
        if self.solver == "adam":
            from solvers.adam import fit_adam

            return fit_adam(target, limits)
        from solvers.embedding import GradientConfig, learn_partition

        return learn_partition(target, GradientConfig.parse(self.solver), limits)

    @classmethod
    def check_fits(
        cls, solver: str, n_samples: int, sizes: tuple[int, ...], budgets: tuple[int, ...], n_labels: int
    ) -> None:
        if solver != "adam":
            from solvers.embedding import GradientConfig

            GradientConfig.parse(solver).check_memory(n_samples, sizes, budgets, n_labels)
