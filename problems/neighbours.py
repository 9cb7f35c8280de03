"""Witnesses of non-uniqueness one token away: move one token to another class and every sample still fits.

A solution whose tokens are each pinned by their own samples can still have distant rivals, so finding no
neighbour proves nothing; finding one settles "not unique" without a second SAT call. The rival is returned as
plain class maps and must still pass `verify_partition` (callers do that, this module only proposes).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from problems.cells import cell_count, cell_strides, cell_tuples, sample_cells
from problems.partition import PartitionInstance

UNSET = -1


def consistent_table(instance: PartitionInstance, classes: Sequence[np.ndarray]) -> np.ndarray | None:
    """The label id of every cell the samples reach (UNSET elsewhere), or None if two samples in a cell disagree.

    >>> from problems.generate import planted_partition
    >>> instance, truth = planted_partition(2, 6, 2, 2, n_samples=30, seed=1)
    >>> table = consistent_table(instance, [np.asarray(c) for c in truth.classes])
    >>> table is not None and set(table.tolist()) <= {-1, 0, 1}
    True
    """
    cells = sample_cells(instance.tokens, classes, instance.budgets)
    table = np.full(cell_count(instance.budgets), UNSET, dtype=np.int64)
    table[cells] = instance.label_ids
    return table if np.array_equal(table[cells], instance.label_ids) else None


def induced_table(instance: PartitionInstance, classes: Sequence[np.ndarray]) -> dict[tuple[int, ...], int] | None:
    """`consistent_table` as {cell: label id} over the reached cells, or None if the classes violate a sample."""
    table = consistent_table(instance, classes)
    if table is None:
        return None
    reached = np.flatnonzero(table != UNSET)
    return dict(zip(cell_tuples(reached, instance.budgets), table[reached].tolist(), strict=True))


def one_move_rival(instance: PartitionInstance, classes: Sequence[np.ndarray]) -> list[np.ndarray] | None:
    """Another partition that differs from `classes` in one token's class and explains every sample, or None.

    `classes` must explain every sample. A move counts only if it changes the partition: moving the sole member
    of a class into an empty class is a relabelling, not a rival.

    >>> from problems.generate import planted_partition
    >>> instance, truth = planted_partition(3, 40, 3, 2, factor=1, seed=0)
    >>> rival = one_move_rival(instance, [np.asarray(c) for c in truth.classes])
    >>> rival is None or sum(int((r != np.asarray(c)).sum()) for r, c in zip(rival, truth.classes)) == 1
    True
    """
    class_arrays = [np.asarray(c, dtype=np.int64) for c in classes]
    table = consistent_table(instance, class_arrays)
    if table is None:
        raise ValueError("one_move_rival needs classes that explain every sample")
    cells = sample_cells(instance.tokens, class_arrays, instance.budgets)
    for group in range(instance.n_groups):
        move = _first_free_move(instance, class_arrays, table, cells, group)
        if move is not None:
            token, target = move
            rival = [c.copy() for c in class_arrays]
            rival[group][token] = target
            return rival
    return None


def _first_free_move(
    instance: PartitionInstance, classes: list[np.ndarray], table: np.ndarray, cells: np.ndarray, group: int
) -> tuple[int, int] | None:
    """(token, class) of the first move in `group` that keeps every sample explained and changes the partition."""
    stride = int(cell_strides(instance.budgets)[group])
    tokens = instance.tokens[:, group]
    size, budget = instance.sizes[group], instance.budgets[group]
    base = cells - classes[group][tokens] * stride
    members = np.bincount(classes[group][np.unique(tokens)], minlength=budget)
    for target in range(budget):
        moved = base + target * stride
        blocked = np.zeros(size, dtype=bool)
        # a reached cell must already carry the sample's label (the token's own samples never sit in `target`);
        # two of its samples sharing an unreached cell also shared their old cell, so they already agree
        clash = (table[moved] != UNSET) & (table[moved] != instance.label_ids)
        blocked[tokens[clash]] = True
        blocked[classes[group] == target] = True
        sole_member = members[classes[group]] == 1
        if members[target] == 0:
            blocked[sole_member] = True  # a lone token into an empty class is a relabelling
        candidates = np.setdiff1d(np.flatnonzero(~blocked), np.setdiff1d(np.arange(size), tokens))
        if len(candidates):
            return int(candidates[0]), target
    return None


def distinct_label_witness(instance: PartitionInstance) -> list[int] | None:
    """ΠK_i + 1 samples with pairwise different labels, or None: with no violations allowed, they would need
    ΠK_i + 1 different cells of the table, which has only ΠK_i (a pigeonhole certificate of infeasibility).

    >>> inst = PartitionInstance.from_arrays([2], [1], np.asarray([[0], [1], [0]]), [5, 6, 5])
    >>> distinct_label_witness(inst)
    [0, 1]
    """
    cells = cell_count(instance.budgets)
    if instance.n_labels <= cells:
        return None
    _, first = np.unique(instance.label_ids, return_index=True)
    return sorted(first.tolist())[: cells + 1]


def is_distinct_label_witness(instance: PartitionInstance, samples: Sequence[int]) -> bool:
    """Check a witness from `distinct_label_witness` against the raw samples (labels compared as the verifier does)."""
    cells = cell_count(instance.budgets)
    samples = list(samples)
    if len(samples) != cells + 1 or not all(type(s) is int and 0 <= s < instance.n_samples for s in samples):
        return False  # checked before numpy: an index beyond int64 would overflow the conversion
    rows = np.asarray(samples, dtype=np.int64)
    return len(np.unique(instance.label_ids[rows])) == len(rows) and len(np.unique(rows)) == len(rows)
