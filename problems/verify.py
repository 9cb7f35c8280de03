"""Independent verification of partition solutions against the raw samples; trusts no encoder and no solver.

The check is O(n) and vectorised: each sample's cell is `Σ_i c_i(x_i) · stride_i` (problems/cells.py), and the
sample is explained when the table holds its label at that cell. The canonical form of a solution (SPEC §1) lives
here too, beside the check it must pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from problems.cells import cell_count, cell_strides, cell_tuples, sample_cells
from problems.labels import label_key as typed_label_key
from problems.partition import PartitionInstance, PartitionSolution

DENSE_TABLE_LIMIT = 10_000_000
NO_LABEL = -1
FOREIGN_LABEL = -2


@dataclass(frozen=True)
class Verification:
    """The verdict: `ok` when the classes are well-formed and at most the allowed samples are violated."""

    ok: bool
    violated: list[int]
    reason: str = ""


def label_key(instance: PartitionInstance, label: Any) -> Any:
    """What labels are compared by: type and value, or a float's exact quantum under `label_tolerance`."""
    return typed_label_key(label, instance.label_tolerance)


def verify_partition(
    instance: PartitionInstance,
    classes: Sequence[Sequence[int]],
    table: Iterable[tuple[Sequence[int], Any]],
    allowed_violations: int | None = None,
) -> Verification:
    """Re-check `classes` and the table `[(cell, label), ...]` against every sample of `instance`.

    `allowed_violations` defaults to the instance's `max_violations` (and to "any" under "minimize").
    """
    class_arrays, reason = _class_arrays(instance, classes)
    if class_arrays is None:
        return Verification(False, [], reason)
    cells, labels, reason = _table_arrays(instance, table, cell_strides(instance.budgets).tolist())
    if cells is None:
        return Verification(False, [], reason)
    queries = sample_cells(instance.tokens, class_arrays, instance.budgets)
    table_labels = _lookup(cells, labels, queries, total_cells=cell_count(instance.budgets))
    violated = np.flatnonzero(table_labels != instance.label_ids).tolist()
    if allowed_violations is None:
        mv = instance.max_violations
        allowed_violations = instance.n_samples if mv == "minimize" else int(mv)
    if len(violated) > allowed_violations:
        return Verification(False, violated, f"{len(violated)} samples violated, {allowed_violations} allowed")
    return Verification(True, violated)


def _class_arrays(instance: PartitionInstance, classes: Sequence[Sequence[int]]) -> tuple[list[np.ndarray] | None, str]:
    if len(classes) != instance.n_groups:
        return None, f"{len(classes)} class maps for {instance.n_groups} groups"
    arrays = []
    for i, group_classes in enumerate(classes):
        try:
            array = np.asarray(group_classes, dtype=np.int64)
        except (OverflowError, TypeError, ValueError):
            return None, f"group {i}: classes must be integers in 0..{instance.budgets[i] - 1}"
        if array.shape != (instance.sizes[i],):
            return None, f"group {i}: {array.shape} classes for {instance.sizes[i]} tokens"
        if array.size and (array.min() < 0 or array.max() >= instance.budgets[i]):
            return None, f"group {i}: class outside 0..{instance.budgets[i] - 1}"
        arrays.append(array)
    return arrays, ""


def _table_arrays(
    instance: PartitionInstance, table: Iterable[tuple[Sequence[int], Any]], strides: list[int]
) -> tuple[np.ndarray | None, np.ndarray, str]:
    """Flatten the table to (cell index, label id) arrays, rejecting bad cells and contradictory duplicates."""
    id_of = {label_key(instance, v): j for j, v in enumerate(instance.label_values)}
    seen: dict[int, int] = {}
    for cell, label in table:
        if len(cell) != instance.n_groups or any(
            not 0 <= k < budget for k, budget in zip(cell, instance.budgets, strict=True)
        ):
            return None, np.empty(0), f"table cell {list(cell)} is outside the class grid"
        flat = sum(int(k) * s for k, s in zip(cell, strides, strict=True))
        label_id = id_of.get(label_key(instance, label), FOREIGN_LABEL)
        if seen.setdefault(flat, label_id) != label_id:
            return None, np.empty(0), f"table cell {list(cell)} has two labels"
    cells = np.fromiter(seen.keys(), dtype=np.int64, count=len(seen))
    labels = np.fromiter(seen.values(), dtype=np.int64, count=len(seen))
    return cells, labels, ""


def _lookup(cells: np.ndarray, labels: np.ndarray, queries: np.ndarray, total_cells: int) -> np.ndarray:
    """Table label of each queried cell, NO_LABEL where unset."""
    if total_cells <= DENSE_TABLE_LIMIT:
        dense = np.full(total_cells, NO_LABEL, dtype=np.int64)
        dense[cells] = labels
        return dense[queries]
    order = np.argsort(cells)
    sorted_cells, sorted_labels = cells[order], labels[order]
    pos = np.clip(np.searchsorted(sorted_cells, queries), 0, max(len(sorted_cells) - 1, 0))
    if not len(sorted_cells):
        return np.full(queries.shape, NO_LABEL, dtype=np.int64)
    hit = sorted_cells[pos] == queries
    return np.where(hit, sorted_labels[pos], NO_LABEL)


def constrained_mask(instance: PartitionInstance) -> list[np.ndarray]:
    """Per group, which tokens appear in at least one sample."""
    masks = []
    for i, size in enumerate(instance.sizes):
        mask = np.zeros(size, dtype=bool)
        mask[instance.tokens[:, i]] = True
        masks.append(mask)
    return masks


def canonical_classes(classes: Sequence[Sequence[int]], masks: Sequence[np.ndarray]) -> list[list[int]]:
    """Relabel each group's classes by first appearance among its constrained tokens (SPEC §1 canonical form).

    Unconstrained tokens get class 0, which keeps the whole vector in first-appearance order.

    >>> canonical_classes([[2, 2, 0, 1]], [np.array([True, True, True, False])])
    [[0, 0, 1, 0]]
    """
    out = []
    for group_classes, mask in zip(classes, masks, strict=True):
        array = np.asarray(group_classes, dtype=np.int64)
        canon = np.zeros(array.size, dtype=np.int64)
        canon[mask] = first_appearance_ranks(array[mask])
        out.append(canon.tolist())
    return out


def first_appearance_ranks(sequence: np.ndarray) -> np.ndarray:
    """Each value replaced by the rank of its first appearance in `sequence`.

    >>> first_appearance_ranks(np.array([2, 2, 0, 1, 0])).tolist()
    [0, 0, 1, 2, 1]
    """
    values, first = np.unique(sequence, return_index=True)
    rank = np.empty(values.size, dtype=np.int64)
    rank[np.argsort(first)] = np.arange(values.size)
    return rank[np.searchsorted(values, sequence)]


def canonical_relabelling(classes: Sequence[Sequence[int]], masks: Sequence[np.ndarray]) -> list[dict[int, int]]:
    """Per group, the map old class → canonical class, over the classes that constrained tokens use."""
    maps = []
    for group_classes, mask in zip(classes, masks, strict=True):
        used = np.asarray(group_classes, dtype=np.int64)[mask]
        values, first = np.unique(used, return_index=True)
        order = np.argsort(first)
        maps.append({int(values[j]): rank for rank, j in enumerate(order)})
    return maps


def canonicalise(instance: PartitionInstance, solution: PartitionSolution) -> PartitionSolution:
    """The canonical form (SPEC §1): classes numbered by first appearance among constrained tokens, and only the
    table cells that some sample reaches (relabelled to match). Call before `verify_partition` on an answer."""
    masks = constrained_mask(instance)
    relabel = canonical_relabelling(solution.classes, masks)
    classes = canonical_classes(solution.classes, masks)
    reached = reached_cells(instance, classes)
    table = {}
    for cell, label in solution.table.items():
        if all(k in relabel[i] for i, k in enumerate(cell)):
            new_cell = tuple(relabel[i][k] for i, k in enumerate(cell))
            if new_cell in reached:
                table[new_cell] = label
    return PartitionSolution(classes, table)


def reached_cells(instance: PartitionInstance, classes: Sequence[Sequence[int]]) -> set[tuple[int, ...]]:
    """The cells that some sample reaches under `classes`."""
    flat = sample_cells(instance.tokens, classes, instance.budgets)
    total = cell_count(instance.budgets)
    distinct = np.flatnonzero(np.bincount(flat, minlength=total)) if total <= DENSE_TABLE_LIMIT else np.unique(flat)
    return set(cell_tuples(distinct, instance.budgets))
