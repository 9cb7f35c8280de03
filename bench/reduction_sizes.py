"""Target sizes against source sizes for R1, R2, R1∘R2 and R3 (docs/reductions.md); prints a markdown table.

python bench/reduction_sizes.py            # sizes only (a few seconds)
python bench/reduction_sizes.py --solve    # also solve the partition targets (pysat, 60 s limit each)
"""

from __future__ import annotations

import sys
import time

from problems.answers import SolveOptions
from problems.hard_instances import mycielski, random_3sat, random_point_sets
from reductions.base import compose
from reductions.colouring_to_partition import ColouringToPartition
from reductions.partition_to_cnf import PartitionToCnf
from reductions.separability_to_bilinear import SeparabilityToBilinear
from reductions.three_sat_to_colouring import ThreeSatToColouring


def partition_row(name: str, source: str, instance: object, solve: bool) -> str:
    cnf = PartitionToCnf().forward(instance)  # type: ignore[arg-type]
    sizes = "+".join(map(str, instance.sizes))  # type: ignore[attr-defined]
    budgets = "×".join(map(str, instance.budgets))  # type: ignore[attr-defined]
    samples = instance.n_samples  # type: ignore[attr-defined]
    target = f"tokens {sizes}, K {budgets}, {samples} samples"
    row = f"| {name} | {source} | {target} | {cnf.nv} vars, {len(cnf.clauses)} clauses |"
    if solve:
        from solvers.pipeline import solve as solve_instance

        start = time.perf_counter()
        answer = solve_instance(instance, SolveOptions(time_limit=60, proof=False))  # type: ignore[arg-type]
        row += f" {answer.status.value}, {time.perf_counter() - start:.2f} s |"
    return row


def main() -> None:
    solve = "--solve" in sys.argv
    print(
        "| reduction | source | target | direct CNF of the target |" + (" solve (pysat, no proof) |" if solve else "")
    )
    print("|---|---|---|---|" + ("---|" if solve else ""))
    for level, k in ((3, 2), (3, 3), (4, 3), (4, 4), (5, 4), (5, 5)):
        graph = mycielski(level, k)
        target = ColouringToPartition().forward(graph)
        partition_row_text = partition_row(
            "R1", f"Mycielski M{level}: {graph.n} vertices, {graph.n_edges} edges, K={k}", target, solve
        )
        print(partition_row_text)
    for n in (5, 10, 20, 50):
        formula = random_3sat(n, seed=1)
        graph = ThreeSatToColouring().forward(formula)
        print(
            f"| R2 | 3-SAT n={n}, m={len(formula.clauses)} | {graph.n} vertices, {graph.n_edges} edges, k=3 | |"
            + (" |" if solve else "")
        )
    for n in (5, 10, 20):
        formula = random_3sat(n, seed=1)
        target = compose(ThreeSatToColouring(), ColouringToPartition()).forward(formula)
        print(partition_row("R1∘R2", f"3-SAT n={n}, m={len(formula.clauses)}", target, solve))
    for dim, n in ((1, 2), (2, 2), (2, 4), (2, 8), (3, 16)):
        instance = random_point_sets(dim, n, n, spread=5, seed=1)
        system = SeparabilityToBilinear().forward(instance)
        nonzeros = sum(len(e.coefficients) for e in system.equations)
        print(
            f"| R3 | d={dim}, #P={n}, #Q={n} | b ∈ Q^{system.b_dim}, A ∈ Q^{system.b_dim}×{system.a_cols}, "
            f"{len(system.equations)} equations, {nonzeros} nonzeros of D | |" + (" |" if solve else "")
        )


if __name__ == "__main__":
    main()
