"""Brute-force partition recovery for tiny instances: the reference that tests compare every backend with."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from problems.partition import PartitionInstance
from problems.verify import constrained_mask


@dataclass(frozen=True)
class BruteForceResult:
    """Every canonical solution (partition of the constrained tokens) and the fewest violations reachable."""

    solutions: list[tuple[tuple[int, ...], ...]]
    min_violations: int


def restricted_growth(length: int, budget: int) -> Iterator[tuple[int, ...]]:
    """All canonical class vectors of `length` tokens with at most `budget` classes (restricted growth strings).

    >>> list(restricted_growth(3, 2))
    [(0, 0, 0), (0, 0, 1), (0, 1, 0), (0, 1, 1)]
    """

    def extend(prefix: tuple[int, ...], used: int) -> Iterator[tuple[int, ...]]:
        if len(prefix) == length:
            yield prefix
            return
        for k in range(min(used + 1, budget)):
            yield from extend((*prefix, k), max(used, k + 1))

    yield from extend((), 0)


def brute_force(instance: PartitionInstance, max_violations: int = 0) -> BruteForceResult:
    """Enumerate canonical partitions of the constrained tokens; keep those with ≤ `max_violations` violated."""
    masks = constrained_mask(instance)
    constrained = [np.flatnonzero(m) for m in masks]
    per_group = [list(restricted_growth(len(c), k)) for c, k in zip(constrained, instance.budgets, strict=True)]
    solutions = []
    best = instance.n_samples
    for choice in itertools.product(*per_group):
        classes = []
        for i, vector in enumerate(choice):
            full = np.zeros(instance.sizes[i], dtype=np.int64)
            full[constrained[i]] = vector
            classes.append(full)
        violations = _violations(instance, classes)
        best = min(best, violations)
        if violations <= max_violations:
            solutions.append(tuple(tuple(int(k) for k in c) for c in classes))
    return BruteForceResult(solutions, best)


def _violations(instance: PartitionInstance, classes: list[np.ndarray]) -> int:
    """Fewest violated samples for fixed classes: per cell, all but the most frequent label."""
    per_cell: dict[tuple[int, ...], Counter[int]] = defaultdict(Counter)
    for row, label in zip(instance.tokens.tolist(), instance.label_ids.tolist(), strict=True):
        cell = tuple(int(classes[i][t]) for i, t in enumerate(row))
        per_cell[cell][label] += 1
    return sum(sum(c.values()) - max(c.values()) for c in per_cell.values())
