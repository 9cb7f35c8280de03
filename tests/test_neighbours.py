"""One-move rivals against brute force: every rival is a different solution, and none is missed."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings

from problems.brute_force import brute_force
from problems.neighbours import consistent_table, one_move_rival
from problems.partition import PartitionInstance
from problems.verify import canonical_classes, constrained_mask
from tests.strategies import tiny_partition_instances

Partition = tuple[tuple[int, ...], ...]


def _one_move_apart(instance: PartitionInstance, first: Partition, second: Partition) -> bool:
    """Some relabelling of `second` differs from `first` in exactly one constrained token."""
    masks = constrained_mask(instance)
    distance = 0
    for group, mask in enumerate(masks):
        a = np.asarray(first[group])[mask]
        b = np.asarray(second[group])[mask]
        budget = instance.budgets[group]
        distance += min(int((a != np.asarray(perm)[b]).sum()) for perm in itertools.permutations(range(budget)))
    return distance == 1


@settings(max_examples=300, deadline=None)
@given(tiny_partition_instances())
def test_rivals_are_other_solutions_and_none_is_missed(instance: PartitionInstance) -> None:
    solutions = brute_force(instance).solutions
    masks = constrained_mask(instance)
    for solution in solutions:
        rival = one_move_rival(instance, [np.asarray(c) for c in solution])
        near = [other for other in solutions if _one_move_apart(instance, solution, other)]
        assert (rival is None) == (not near)
        if rival is not None:
            assert consistent_table(instance, rival) is not None
            canonical = tuple(tuple(c) for c in canonical_classes(rival, masks))
            assert canonical in solutions and canonical != solution
