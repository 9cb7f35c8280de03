"""The cells of the table g: the grid K_1 × … × K_I, flattened row-major (the last group varies fastest).

The one home of the flat cell index: the verifier, the canonical form, the encoders and the learners all number
cells this way, so a cell index means the same thing everywhere.

>>> cell_strides((2, 3)).tolist()
[3, 1]
>>> cell_index((1, 2), (2, 3)), cell_tuples(np.array([5, 0]), (2, 3))
(5, [(1, 2), (0, 0)])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def cell_strides(budgets: Sequence[int]) -> np.ndarray:
    """Row-major strides of the grid: cell (k_1, …, k_I) has index Σ_i k_i · stride_i. Shape (I,), int64."""
    strides = np.ones(len(budgets), dtype=np.int64)
    for i in range(len(budgets) - 2, -1, -1):
        strides[i] = strides[i + 1] * int(budgets[i + 1])
    return strides


def cell_count(budgets: Sequence[int]) -> int:
    """Π_i K_i, the number of cells (a Python int: it may exceed int64 only for absurd budgets)."""
    total = 1
    for budget in budgets:
        total *= int(budget)
    return total


def cell_index(cell: Sequence[int], budgets: Sequence[int]) -> int:
    """The flat index of one cell."""
    return int(sum(int(k) * int(s) for k, s in zip(cell, cell_strides(budgets), strict=True)))


def sample_cells(tokens: np.ndarray, classes: Sequence[Sequence[int]], budgets: Sequence[int]) -> np.ndarray:
    """Each sample's flat cell under the class maps: `tokens` int (n, I), `classes[i]` int (N_i,); returns (n,)."""
    cells = np.zeros(len(tokens), dtype=np.int64)
    for i, group_classes in enumerate(classes):
        cells = cells * int(budgets[i]) + np.asarray(group_classes, dtype=np.int64)[tokens[:, i]]
    return cells


def cell_tuples(flat: np.ndarray, budgets: Sequence[int]) -> list[tuple[int, ...]]:
    """Flat indices back to cells (k_1, …, k_I), in the order given."""
    axes = np.unravel_index(np.asarray(flat, dtype=np.int64), tuple(int(k) for k in budgets))
    return list(zip(*(axis.tolist() for axis in axes), strict=True))
