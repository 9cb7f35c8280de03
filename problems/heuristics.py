"""A warm start for partition recovery: alternating local search with random restarts (no guarantee of anything).

Each sweep fixes the other groups, takes the majority label of every cell as the table, and moves every token of
one group to the class that explains most of its samples. Its output only seeds a SAT solver's phases; answers
are still found, verified and certified by the exact path.
"""

from __future__ import annotations

import time

import numpy as np

from problems.partition import PartitionInstance

STALL_SWEEPS = 4
MAX_SWEEPS = 60
MAX_RESTARTS = 64  # on an infeasible instance the search can only give up: bound it by effort, not just time


def local_search(instance: PartitionInstance, seconds: float, seed: int = 0) -> tuple[list[np.ndarray], int]:
    """Best class maps found within `seconds` and their number of violated samples (0 means a solution).

    >>> from problems.generate import planted_partition
    >>> instance, truth = planted_partition(3, 30, 2, 2, factor=6, seed=1)
    >>> classes, violated = local_search(instance, seconds=5.0)
    >>> violated
    0
    """
    rng = np.random.default_rng(seed)
    deadline = time.perf_counter() + seconds
    best: list[np.ndarray] = [np.zeros(size, dtype=np.int64) for size in instance.sizes]
    best_violated = _violated(instance, best)
    for _ in range(MAX_RESTARTS):
        if not best_violated or time.perf_counter() >= deadline:
            break
        classes = [rng.integers(0, k, size=n) for n, k in zip(instance.sizes, instance.budgets, strict=True)]
        violated = _descend(instance, classes, rng, deadline)
        if violated < best_violated:
            best, best_violated = classes, violated
    return best, best_violated


def _descend(instance: PartitionInstance, classes: list[np.ndarray], rng: np.random.Generator, deadline: float) -> int:
    best, stall = instance.n_samples + 1, 0
    for _ in range(MAX_SWEEPS):
        for group in rng.permutation(instance.n_groups):
            classes[group] = _best_moves(instance, classes, int(group), rng)
        violated = _violated(instance, classes)
        if violated == 0 or time.perf_counter() > deadline:
            return violated
        stall = stall + 1 if violated >= best else 0
        best = min(best, violated)
        if stall >= STALL_SWEEPS:
            break
    return best if best <= instance.n_samples else _violated(instance, classes)


def _cells(instance: PartitionInstance, classes: list[np.ndarray]) -> np.ndarray:
    flat = np.zeros(instance.n_samples, dtype=np.int64)
    for i, group_classes in enumerate(classes):
        flat = flat * instance.budgets[i] + group_classes[instance.tokens[:, i]]
    return flat


def _majority_table(instance: PartitionInstance, cells: np.ndarray) -> np.ndarray:
    total = int(np.prod(instance.budgets))
    counts = np.bincount(cells * instance.n_labels + instance.label_ids, minlength=total * instance.n_labels)
    return counts.reshape(total, instance.n_labels).argmax(axis=1)


def _violated(instance: PartitionInstance, classes: list[np.ndarray]) -> int:
    cells = _cells(instance, classes)
    return int((_majority_table(instance, cells)[cells] != instance.label_ids).sum())


def _best_moves(
    instance: PartitionInstance, classes: list[np.ndarray], group: int, rng: np.random.Generator
) -> np.ndarray:
    """Each token of `group` to the class explaining most of its samples (random tie-breaks)."""
    cells = _cells(instance, classes)
    table = _majority_table(instance, cells)
    stride = int(np.prod(instance.budgets[group + 1 :]))
    tokens = instance.tokens[:, group]
    base = cells - classes[group][tokens] * stride
    size, budget = instance.sizes[group], instance.budgets[group]
    score = np.empty((size, budget))
    for k in range(budget):
        explained = table[base + k * stride] == instance.label_ids
        score[:, k] = np.bincount(tokens, weights=explained, minlength=size)
    return (score + rng.random(score.shape) * 1e-3).argmax(axis=1)
