"""A warm start for noisy partition recovery: restarts of mean-field EM and best-response descent (a heuristic).

The descent of `problems.heuristics` already tolerates violations: each sweep takes the majority label of every cell
as the table and moves every token of one group to the class that explains most of its samples. It stops at a local
optimum, never at "0 violations" on a noisy instance, so restarts need another stopping rule: here, the best
violation count reached `AGREEMENT` times (from different starts) ends the search. On planted instances (N=1000,
I=K=3, V=2, c=8, ε ≤ 5%) the mean-field starts reach the planted partition in most restarts, random starts
rarely. With two groups (a documents × words matrix) the first start is spectral (`problems.spectral_start`): on
topic-model instances the mean-field and random starts collapse into one class, the spectral start recovers the
topics.
"""

from __future__ import annotations

import time

import numpy as np

from problems.cells import sample_cells
from problems.heuristics import MEAN_FIELD_MAX_SAMPLES, MEAN_FIELD_MAX_WORK, descend, majority_table, mean_field_classes
from problems.partition import PartitionInstance
from problems.spectral_start import spectral_classes

AGREEMENT = 3  # restarts that must end at the best partition before the search stops
RANDOM_STARTS = 2  # cheap random starts first (they sometimes succeed on easy instances)
MEAN_FIELD_STEPS = 40
MAX_RESTARTS = 64
STALL = 8  # restarts in a row that find nothing better also end the search


def violated_mask(instance: PartitionInstance, classes: list[np.ndarray]) -> np.ndarray:
    """bool (n,): the samples that `classes` with the majority table of each cell do not explain."""
    cells = sample_cells(instance.tokens, classes, instance.budgets)
    return majority_table(instance, cells)[cells] != instance.label_ids


def robust_local_search(
    instance: PartitionInstance, seconds: float, seed: int = 0, agreement: int = AGREEMENT
) -> tuple[list[np.ndarray], int, dict[str, int]]:
    """The partition with the fewest violations found within `seconds`, its violation count, and search stats.

    >>> from problems.generate import planted_partition
    >>> instance, truth = planted_partition(3, 60, 3, 2, factor=8, seed=0, noise=0.01)
    >>> classes, violations, stats = robust_local_search(instance, seconds=20.0)
    >>> violations == len(truth.flipped), stats["agreeing"]
    (True, 3)
    """
    rng = np.random.default_rng(seed)
    deadline = time.perf_counter() + seconds
    best: list[np.ndarray] = [np.zeros(size, dtype=np.int64) for size in instance.sizes]
    best_violations = instance.n_samples + 1  # the first start replaces it
    agreeing = restarts = stalled = 0
    starts = [spectral_classes(instance, seed)] if instance.n_groups == 2 else []
    for restart in range(MAX_RESTARTS):
        if time.perf_counter() >= deadline or agreeing >= agreement or best_violations == 0 or stalled >= STALL:
            break
        start = starts.pop() if starts else _start(instance, rng, restart, deadline)
        if start is None:
            continue
        classes, violations = descend_from(instance, start, rng, deadline)
        restarts += 1
        stalled += 1
        if violations < best_violations:
            best, best_violations, agreeing, stalled = classes, violations, 1, 0
        elif violations == best_violations:  # the same count again (tied tokens may differ): a stable optimum
            agreeing += 1
    if best_violations > instance.n_samples:  # no start ran (no time at all)
        best_violations = int(violated_mask(instance, best).sum())
    return best, best_violations, {"restarts": restarts, "agreeing": agreeing}


def descend_from(
    instance: PartitionInstance, start: list[np.ndarray], rng: np.random.Generator, deadline: float
) -> tuple[list[np.ndarray], int]:
    """The descent from `start`, or `start` itself when the descent does not lower its violations (on a tie the
    start is kept: when the majority label is the same in every cell, every partition ties and moves are noise)."""
    before = int(violated_mask(instance, start).sum())
    classes = [c.copy() for c in start]
    descend(instance, classes, rng, deadline)
    after = int(violated_mask(instance, classes).sum())  # the descent reports its best sweep, not its last
    return (classes, after) if after < before else (start, before)


def _start(instance: PartitionInstance, rng: np.random.Generator, restart: int, deadline: float) -> list[np.ndarray]:
    work = (min(instance.n_samples, MEAN_FIELD_MAX_SAMPLES) + instance.n_labels) * int(np.prod(instance.budgets))
    if restart < RANDOM_STARTS or work > MEAN_FIELD_MAX_WORK:
        return [rng.integers(0, k, size=n) for n, k in zip(instance.sizes, instance.budgets, strict=True)]
    return mean_field_classes(instance, rng, MEAN_FIELD_STEPS, deadline)
