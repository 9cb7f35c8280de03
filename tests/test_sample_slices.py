"""The slice form of the sample clauses has exactly the direct CNF's models on x (reductions/sample_slices.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from problems.brute_force import brute_force
from problems.generate import planted_partition
from problems.partition import PartitionInstance, PartitionSolution
from reductions.partition_to_fast_cnf import PartitionToImpliedCnf
from reductions.sample_slices import slice_pivot
from tests.strategies import tiny_partition_instances


def _partitions_of(encoder: PartitionToImpliedCnf, instance: PartitionInstance, limit: int = 200) -> set:
    """Every partition (up to relabelling) with a model, enumerated with blocking clauses."""
    from pysat.solvers import Solver

    found = set()
    with Solver(name="cadical195", bootstrap_with=encoder.hard.clauses) as solver:
        while len(found) < limit and solver.solve():
            solution = encoder.backward(solver.get_model())
            masks = [np.isin(np.arange(n), instance.tokens[:, i]) for i, n in enumerate(instance.sizes)]
            from problems.verify import canonical_classes

            found.add(tuple(tuple(g) for g in canonical_classes(solution.classes, masks)))
            solver.add_clause(encoder.blocking_clause(PartitionSolution(solution.classes, {})))
    return found


@settings(max_examples=120)
@given(
    instance=tiny_partition_instances(max_groups=3, max_size=4, max_classes=3, max_samples=10),
    pivot=st.integers(0, 2),
)
def test_slices_through_any_pivot_keep_exactly_the_solutions(instance: PartitionInstance, pivot: int) -> None:
    if instance.n_groups < 2:
        return
    # tiny instances would keep the direct clauses (they are fewer): force the slices through `pivot`
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("reductions.partition_to_fast_cnf.slice_pivot", lambda inst, rows: pivot % inst.n_groups)
        encoder = PartitionToImpliedCnf()
        encoder.forward(instance)
    assert any(isinstance(key, tuple) and key[0] == "y" for key in encoder.pool.obj2id)
    assert _partitions_of(encoder, instance) == set(brute_force(instance).solutions)


def test_planted_instances_take_the_slices_and_a_third_of_the_clauses(monkeypatch: pytest.MonkeyPatch) -> None:
    from reductions.partition_to_cnf import PartitionToCnf

    instance, _ = planted_partition(3, 300, 3, 2, factor=8, seed=0)
    rows = len(np.unique(np.column_stack([instance.tokens, instance.label_ids]), axis=0))
    assert slice_pivot(instance, rows) == 0
    monkeypatch.setattr("reductions.partition_to_fast_cnf.MAX_SAMPLE_PAIRS", 0)  # sample clauses and pairs only
    sliced = len(PartitionToImpliedCnf().forward(instance).clauses)
    direct = len(PartitionToCnf().forward(instance).clauses)
    assert sliced < 0.45 * direct  # the sample clauses shrink to a third; class and precedence clauses stay
