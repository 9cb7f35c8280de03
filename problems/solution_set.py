"""Sets of solutions: which ones are the same partition, and which tokens change class between them.

A solution is compared up to relabelling on the constrained tokens (SPEC §1), so "token t changes class" means:
after matching each solution's classes to the first's by the relabelling that keeps most tokens in place (per
group), t's matched class differs. One token moved between two classes is then exactly that token, whatever the
canonical numbers of the other classes became.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

BRUTE_FORCE_MAX_CLASSES = 6  # 720 relabellings per group; above this a greedy matching (largest overlaps first)


def ambiguous_tokens(masks: Sequence[np.ndarray], solutions: Sequence[Sequence[Sequence[int]]]) -> list[list[int]]:
    """Per group, the constrained tokens whose class differs between the solutions (matched to the first).

    >>> masks = [np.ones(4, dtype=bool)]
    >>> ambiguous_tokens(masks, [[[0, 0, 1, 2]], [[0, 1, 1, 2]], [[0, 0, 1, 2]]])
    [[1]]
    >>> ambiguous_tokens(masks, [[[0, 0, 1, 1]], [[0, 0, 1, 2]]])
    [[3]]
    """
    if not solutions:
        return [[] for _ in masks]
    reference = [np.asarray(c, dtype=np.int64) for c in solutions[0]]
    moved = [np.zeros(len(mask), dtype=bool) for mask in masks]
    for other in solutions[1:]:
        for group, mask in enumerate(masks):
            classes = np.asarray(other[group], dtype=np.int64)
            matched = best_relabelling(reference[group][mask], classes[mask])[classes]
            moved[group] |= mask & (matched != reference[group])
    return [np.flatnonzero(m).tolist() for m in moved]


def best_relabelling(reference: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """A map (array indexed by class) from `classes`' numbers to `reference`'s that agrees on most tokens."""
    size = int(max(reference.max(initial=0), classes.max(initial=0))) + 1
    overlap = np.zeros((size, size), dtype=np.int64)  # overlap[from, to]
    np.add.at(overlap, (classes, reference), 1)
    if size <= BRUTE_FORCE_MAX_CLASSES:
        best = max(itertools.permutations(range(size)), key=lambda p: int(overlap[np.arange(size), p].sum()))
        return np.asarray(best, dtype=np.int64)
    mapping = np.full(size, -1, dtype=np.int64)
    taken = np.zeros(size, dtype=bool)
    for flat in np.argsort(-overlap, axis=None, kind="stable").tolist():
        source, target = divmod(flat, size)
        if mapping[source] < 0 and not taken[target]:
            mapping[source], taken[target] = target, True
    return mapping


def distinct_partitions(canonical: Sequence[Sequence[Sequence[int]]]) -> bool:
    """True when no two of these canonical class maps are the same partition."""
    keys = {tuple(tuple(group) for group in solution) for solution in canonical}
    return len(keys) == len(canonical)
