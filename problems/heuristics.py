"""A warm start for partition recovery: mean-field EM, then alternating local search (no guarantee of anything).

The first restarts start from random classes: a descent from there costs a tenth of a mean-field start and
succeeds about a third of the time on planted instances at 4·N ln N samples (N = 50 to 1000). Later restarts
start from a mean-field guess when the instance is small enough for it (soft class memberships and a table of
label frequencies per cell, refined with an annealed temperature), else from random classes again. Each
local-search sweep then fixes the other groups, takes the majority label of every cell as the table, and moves
every token of one group to the class that explains most of its samples. From random classes alone the sweeps
tend to collapse all tokens into one class near N ln N samples; the mean-field start avoids that. The output only
seeds the exact path (phases, or a candidate it verifies and certifies), so its failures cost time, not answers.
"""

from __future__ import annotations

import time

import numpy as np

from problems.cells import cell_count, cell_strides, sample_cells
from problems.partition import PartitionInstance

STALL_SWEEPS = 4
MAX_SWEEPS = 60
MAX_RESTARTS = 64  # on an infeasible instance the search can only give up: bound it by effort, not just time
RANDOM_RESTARTS_FIRST = 4
MEAN_FIELD_STEPS = 40
MEAN_FIELD_MAX_SAMPLES = 40_000  # a random subset this large is plenty for a guess, and keeps a step fast
MEAN_FIELD_MAX_WORK = 50_000_000  # (samples + labels) × cells per step; beyond that, random starts only
DAMPING = 0.5  # share of the old memberships kept per step (undamped updates oscillate)
PRIOR_COUNT = 0.5  # pseudo-count per (cell, label) in the table estimate


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
    cells = cell_count(instance.budgets)
    work = (min(instance.n_samples, MEAN_FIELD_MAX_SAMPLES) + instance.n_labels) * cells
    use_mean_field = work <= MEAN_FIELD_MAX_WORK
    for restart in range(MAX_RESTARTS):
        if not best_violated or time.perf_counter() >= deadline:
            break
        if use_mean_field and restart >= RANDOM_RESTARTS_FIRST:
            classes = mean_field_classes(instance, rng, MEAN_FIELD_STEPS, deadline)
        else:
            classes = [rng.integers(0, k, size=n) for n, k in zip(instance.sizes, instance.budgets, strict=True)]
        violated = descend(instance, classes, rng, deadline)
        if violated < best_violated:
            best, best_violated = classes, violated
    return best, best_violated


def descend(instance: PartitionInstance, classes: list[np.ndarray], rng: np.random.Generator, deadline: float) -> int:
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


def majority_table(instance: PartitionInstance, cells: np.ndarray) -> np.ndarray:
    """int (ΠK_i,): each cell's most frequent label id among the samples in `cells` (flat cell per sample, (n,))."""
    total = cell_count(instance.budgets)
    counts = np.bincount(cells * instance.n_labels + instance.label_ids, minlength=total * instance.n_labels)
    return counts.reshape(total, instance.n_labels).argmax(axis=1)


def _violated(instance: PartitionInstance, classes: list[np.ndarray]) -> int:
    cells = sample_cells(instance.tokens, classes, instance.budgets)
    return int((majority_table(instance, cells)[cells] != instance.label_ids).sum())


def _best_moves(
    instance: PartitionInstance, classes: list[np.ndarray], group: int, rng: np.random.Generator
) -> np.ndarray:
    """Each token of `group` to the class explaining most of its samples (random tie-breaks)."""
    cells = sample_cells(instance.tokens, classes, instance.budgets)
    table = majority_table(instance, cells)
    stride = int(cell_strides(instance.budgets)[group])
    tokens = instance.tokens[:, group]
    base = cells - classes[group][tokens] * stride
    size, budget = instance.sizes[group], instance.budgets[group]
    score = np.empty((size, budget))
    for k in range(budget):
        explained = table[base + k * stride] == instance.label_ids
        score[:, k] = np.bincount(tokens, weights=explained, minlength=size)
    return (score + rng.random(score.shape) * 1e-3).argmax(axis=1)


def mean_field_classes(
    instance: PartitionInstance, rng: np.random.Generator, steps: int, deadline: float = np.inf
) -> list[np.ndarray]:
    """Hard classes from annealed mean-field EM on "label = g(classes)" with g estimated as frequencies per cell.

    Runs on a random subset of at most MEAN_FIELD_MAX_SAMPLES samples (a guess needs the structure, not every
    sample), and stops early at `deadline`.

    >>> from problems.generate import planted_partition
    >>> instance, truth = planted_partition(3, 200, 3, 2, factor=4, seed=0)
    >>> classes = mean_field_classes(instance, np.random.default_rng(0), steps=40)
    >>> [len(c) for c in classes]
    [200, 200, 200]
    """
    rows = np.arange(instance.n_samples)
    if instance.n_samples > MEAN_FIELD_MAX_SAMPLES:
        rows = rng.choice(instance.n_samples, MEAN_FIELD_MAX_SAMPLES, replace=False)
    tokens, labels = instance.tokens[rows], instance.label_ids[rows]
    shapes = zip(instance.sizes, instance.budgets, strict=True)
    memberships = [rng.dirichlet(np.full(k, 5.0), size=n) for n, k in shapes]  # near uniform, symmetry broken
    for step in range(steps):
        if time.perf_counter() > deadline:
            break
        per_sample = [memberships[i][tokens[:, i]] for i in range(instance.n_groups)]
        log_likelihood = _cell_log_likelihood(instance, labels, per_sample)
        sharpness = min(1.0, 0.2 + step / (0.6 * steps))  # anneal: soft early, committed late
        for group in range(instance.n_groups):
            expected = _expected_log_likelihood(log_likelihood, per_sample, group)
            score = np.zeros((instance.sizes[group], instance.budgets[group]))
            np.add.at(score, tokens[:, group], expected)
            fresh = np.exp(sharpness * (score - score.max(axis=1, keepdims=True)))
            fresh /= fresh.sum(axis=1, keepdims=True)
            memberships[group] = DAMPING * memberships[group] + (1 - DAMPING) * fresh
            per_sample[group] = memberships[group][tokens[:, group]]
    return [m.argmax(axis=1) for m in memberships]


def _cell_log_likelihood(instance: PartitionInstance, labels: np.ndarray, per_sample: list[np.ndarray]) -> np.ndarray:
    """log P(sample's label | cell) for every sample and cell, shape (n, K_1, ..., K_I), from soft counts."""
    weights = per_sample[0]
    for soft in per_sample[1:]:
        weights = (weights[:, :, None] * soft[:, None, :]).reshape(len(weights), -1)
    counts = np.empty((weights.shape[1], instance.n_labels))  # (cells, labels); no one-hot: labels may be many
    for cell in range(weights.shape[1]):
        counts[cell] = np.bincount(labels, weights=weights[:, cell], minlength=instance.n_labels)
    counts += PRIOR_COUNT
    log_frequency = np.log(counts / counts.sum(axis=1, keepdims=True))
    return log_frequency[:, labels].T.reshape(len(labels), *instance.budgets)


def _expected_log_likelihood(log_likelihood: np.ndarray, per_sample: list[np.ndarray], group: int) -> np.ndarray:
    """E[log P(label | cell)] per sample and class of `group`, the other groups' classes drawn from their beliefs."""
    letters = "abcdefghijklmnopqrstuvwxyz"[: len(per_sample)]
    operands: list[np.ndarray] = [log_likelihood]
    subscripts = ["z" + letters]
    for other, soft in enumerate(per_sample):
        if other != group:
            operands.append(soft)
            subscripts.append("z" + letters[other])
    return np.einsum(",".join(subscripts) + "->z" + letters[group], *operands, optimize=True)
