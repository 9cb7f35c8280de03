"""Partition recovery → plain sample arrays, the target of heuristic learners such as the gradient baseline.

The reduction is the identity on the data: the learner sees the token matrix, dense label ids and the class budgets,
and returns a class per token plus a label id per cell; `backward` turns that flat assignment into a solution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from problems.cells import cell_count, cell_tuples
from problems.partition import PartitionInstance, PartitionSolution

NO_LABEL = -1


@dataclass(frozen=True)
class SampleArrays:
    """Samples as arrays: `tokens[s, i]` in 0..N_i-1, `labels[s]` in 0..V-1; budgets K_i per group."""

    tokens: np.ndarray
    labels: np.ndarray
    sizes: tuple[int, ...]
    budgets: tuple[int, ...]
    n_labels: int


class PartitionToSamples:
    """The identity encoding for learners: instance → `SampleArrays`, flat assignment → `PartitionSolution`.

    Assignment layout: `N_1 + ... + N_I` class ids (group by group, token order), then one label id per cell of
    the grid K_1 × ... × K_I in row-major order, `-1` where the cell is unset. Size: O(n·I + ΣN_i + ΠK_i).
    """

    name: ClassVar[str] = "partition->samples"
    version: ClassVar[str] = "1"

    def __init__(self) -> None:
        self.sizes: tuple[int, ...] = ()
        self.budgets: tuple[int, ...] = ()

    def forward(self, instance: PartitionInstance) -> SampleArrays:
        self.sizes, self.budgets = instance.sizes, instance.budgets
        return SampleArrays(instance.tokens, instance.label_ids, instance.sizes, instance.budgets, instance.n_labels)

    def backward(self, assignment: list[int]) -> PartitionSolution:
        expected = sum(self.sizes) + cell_count(self.budgets)
        if len(assignment) != expected:
            raise ValueError(f"assignment has {len(assignment)} entries, expected {expected}")
        classes, start = [], 0
        for size in self.sizes:
            classes.append([int(k) for k in assignment[start : start + size]])
            start += size
        cells = cell_tuples(np.arange(cell_count(self.budgets)), self.budgets)
        table = {cells[flat]: int(label) for flat, label in enumerate(assignment[start:]) if label != NO_LABEL}
        return PartitionSolution(classes, table)
