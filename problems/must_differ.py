"""Must-differ pairs and cliques: tokens that every exact solution puts in different classes.

Rule (docs/fast_solver.md, section 2): two samples that hold the same token in every group but group i, and
whose labels differ, lie in different cells of the table. Their cells agree in every group but i, so the two
group-i tokens are in different classes. The pairs of a group form its must-differ graph; a clique of it needs as
many classes as it has tokens, so a clique of K_i + 1 tokens refutes the instance (a certificate that needs no
SAT solver: the pairs of samples behind each edge). Everything here is numpy and linear in the samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from problems.partition import PartitionInstance

MAX_GAP = 64  # pairs further apart in the sorted run are left out: a sound subset, O(MAX_GAP · n) work
MAX_RAW_PAIRS = 4_000_000  # sample pairs gathered per group before deduplication (dense instances: N ≪ n)
MAX_PAIRS = 1_000_000  # token pairs kept per group (each costs K_i binary clauses); planted N=1000, c=32 has 8,447
CLIQUE_NODE_BUDGET = 200_000  # branch-and-bound steps per group: deterministic, so `check` finds the same clique


@dataclass(frozen=True)
class MustDiffer:
    """The must-differ pairs of one group: tokens a[j] ≠ b[j] (a < b, no repeats), each with the two samples
    (first_sample[j], second_sample[j]) that force it."""

    group: int
    a: np.ndarray
    b: np.ndarray
    first_sample: np.ndarray
    second_sample: np.ndarray

    def __len__(self) -> int:
        return len(self.a)


def must_differ_pairs(instance: PartitionInstance, group: int) -> MustDiffer:
    """The must-differ pairs of `group` (samples agreeing on every other group, labels differing).

    Distinct samples (the first of each repeated row) are sorted by their other tokens, then label and token, so
    each run of equal other tokens is contiguous and holds at most N_i · V rows; pairs up to MAX_GAP apart in a run
    are taken (all of them in the runs of planted instances, which
    hold a few samples each), at most MAX_RAW_PAIRS sample pairs and MAX_PAIRS token pairs (the lowest) per
    group. O(MAX_GAP · n) time, deterministic; any subset of the pairs is sound.

    >>> inst = PartitionInstance.from_arrays([3, 2], [2, 2], np.asarray([[0, 1], [2, 1], [1, 0]]), [0, 1, 0])
    >>> pairs = must_differ_pairs(inst, 0)
    >>> pairs.a.tolist(), pairs.b.tolist(), pairs.first_sample.tolist(), pairs.second_sample.tolist()
    ([0], [2], [0], [1])
    """
    others = [instance.tokens[:, i] for i in range(instance.n_groups) if i != group]
    token, label = instance.tokens[:, group], instance.label_ids
    order = _distinct_rows(
        [*others, label, token], [*(instance.sizes[i] for i in range(instance.n_groups) if i != group),
                                  instance.n_labels, instance.sizes[group]]
    )  # fmt: skip
    run = _run_ids([column[order] for column in others], len(order))
    token_sorted, label_sorted = token[order], label[order]
    firsts, seconds, gathered = [], [], 0
    for gap in range(1, MAX_GAP + 1):
        same = run[:-gap] == run[gap:]
        if not same.any() or gathered >= MAX_RAW_PAIRS:
            break
        hit = same & (label_sorted[:-gap] != label_sorted[gap:]) & (token_sorted[:-gap] != token_sorted[gap:])
        firsts.append(order[:-gap][hit])
        seconds.append(order[gap:][hit])
        gathered += len(firsts[-1])
    return _deduplicated(group, instance, _joined(firsts), _joined(seconds))


def _distinct_rows(columns: Sequence[np.ndarray], ranges: Sequence[int]) -> np.ndarray:
    """The first sample of each distinct row of the columns, rows in sorted order (first column first): one integer
    key when it fits in 62 bits (a single sort, 3-4× faster than sorting rows), else the rows themselves."""
    if float(np.prod([float(r) for r in ranges])) < 2.0**62:
        key = np.zeros(len(columns[0]), dtype=np.int64)
        for column, size in zip(columns, ranges, strict=True):
            key = key * size + column
        return np.unique(key, return_index=True)[1]
    return np.unique(np.column_stack(columns), axis=0, return_index=True)[1]


def _run_ids(columns: Sequence[np.ndarray], n: int) -> np.ndarray:
    """Run number of each sorted sample: a new run starts where any of the other tokens changes."""
    starts = np.zeros(n, dtype=bool)
    starts[0] = True
    for column in columns:
        starts[1:] |= column[1:] != column[:-1]
    return np.cumsum(starts)


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def _deduplicated(group: int, instance: PartitionInstance, first: np.ndarray, second: np.ndarray) -> MustDiffer:
    """One witness per token pair (the first in sample order), pairs sorted by (a, b)."""
    tokens = instance.tokens[:, group]
    lo, hi = np.minimum(tokens[first], tokens[second]), np.maximum(tokens[first], tokens[second])
    keys = lo * instance.sizes[group] + hi
    by_key = np.lexsort((np.minimum(first, second), keys))
    keep = by_key[np.r_[True, keys[by_key][1:] != keys[by_key][:-1]]][:MAX_PAIRS] if len(keys) else by_key
    return MustDiffer(group, lo[keep], hi[keep], first[keep], second[keep])


def is_must_differ_witness(instance: PartitionInstance, group: int, first: int, second: int) -> bool:
    """True when samples `first` and `second` agree on every group but `group`, differ there, and differ in label."""
    if not (0 <= first < instance.n_samples and 0 <= second < instance.n_samples):
        return False
    a, b = instance.tokens[first], instance.tokens[second]
    others_agree = all(a[i] == b[i] for i in range(instance.n_groups) if i != group)
    return bool(others_agree and a[group] != b[group] and instance.label_ids[first] != instance.label_ids[second])


GREEDY_STARTS = 50  # highest-degree tokens tried as a greedy clique's first member


def precedence_clique(pairs: MustDiffer, budget: int) -> list[int]:
    """The clique that opens value precedence: K_i + 1 tokens if there are (the CNF is then refuted by unit
    propagation), else the greedy clique of best-connected tokens when it is as large as the exact search's (its
    tokens propagate more: 10,166 against 13,809 conflicts over 8 uniqueness refutations at N=100, c=6), else the
    exact one. Deterministic, since `check` must rebuild the same CNF.

    >>> md = MustDiffer(0, np.asarray([0, 0, 1, 1, 2]), np.asarray([1, 2, 2, 3, 3]), np.zeros(5, int), np.zeros(5, int))
    >>> precedence_clique(md, 2), precedence_clique(md, 3)
    ([1, 2, 3], [1, 2, 0])
    """
    exact = largest_clique(pairs, budget + 1)
    if len(exact) > budget:
        return exact
    greedy = _greedy_clique(pairs, budget)
    return greedy if len(greedy) >= len(exact) else exact


def _greedy_clique(pairs: MustDiffer, size: int) -> list[int]:
    """Up to `size` tokens pairwise joined: from each of the best-connected tokens, add the candidate with most
    neighbours among the candidates (ties to the lower token); the first that reaches `size`, else the largest."""
    neighbours: dict[int, set[int]] = {}
    for x, y in zip(pairs.a.tolist(), pairs.b.tolist(), strict=True):
        neighbours.setdefault(x, set()).add(y)
        neighbours.setdefault(y, set()).add(x)
    best: list[int] = []
    for start in sorted(neighbours, key=lambda t: (-len(neighbours[t]), t))[:GREEDY_STARTS]:
        chosen, candidates = [start], set(neighbours[start])
        while candidates and len(chosen) < size:
            pick = min(candidates, key=lambda t: (-len(neighbours[t] & candidates), t))
            chosen.append(pick)
            candidates &= neighbours[pick]
        if len(chosen) > len(best):
            best = chosen
        if len(best) == size:
            break
    return best


def largest_clique(pairs: MustDiffer, wanted: int, node_budget: int = CLIQUE_NODE_BUDGET) -> list[int]:
    """A clique of the must-differ graph, of `wanted` tokens if the search finds one within `node_budget` steps,
    else the largest it saw. Branch and bound (greedy colouring bound), vertices in degeneracy order, bitsets as
    Python ints; deterministic, ties to the lower token.

    >>> md = MustDiffer(0, np.asarray([0, 0, 1, 2]), np.asarray([1, 2, 2, 3]), np.zeros(4, int), np.zeros(4, int))
    >>> largest_clique(md, 4)
    [0, 1, 2]
    """
    vertices = sorted(set(pairs.a.tolist()) | set(pairs.b.tolist()))
    if not vertices or wanted <= 1:
        return vertices[:wanted]
    index = {v: j for j, v in enumerate(vertices)}
    neighbours = [0] * len(vertices)
    for x, y in zip(pairs.a.tolist(), pairs.b.tolist(), strict=True):
        neighbours[index[x]] |= 1 << index[y]
        neighbours[index[y]] |= 1 << index[x]
    search = _CliqueSearch(neighbours, wanted, node_budget)
    search.run()
    return sorted(vertices[j] for j in search.best)


class _CliqueSearch:
    """Tomita-style maximum clique on bitsets, stopped at `wanted` members or after `budget` expansions."""

    def __init__(self, neighbours: list[int], wanted: int, budget: int) -> None:
        self.neighbours, self.wanted, self.budget = neighbours, wanted, budget
        self.best: list[int] = []

    def run(self) -> None:
        order = _degeneracy_order(self.neighbours)
        later = 0
        for v in reversed(order):  # each vertex with the neighbours placed after it in the order
            if len(self.best) >= self.wanted or self.budget <= 0:
                return
            self._expand([v], self.neighbours[v] & later)
            later |= 1 << v

    def _expand(self, clique: list[int], candidates: int) -> None:
        if len(clique) > len(self.best):
            self.best = list(clique)
        while candidates and len(self.best) < self.wanted and self.budget > 0:
            self.budget -= 1
            colours, bound = _colour_bound(candidates, self.neighbours)
            if len(clique) + bound <= len(self.best):
                return
            v = colours[-1]  # a vertex of the last colour class: the most promising branch
            self._expand([*clique, v], candidates & self.neighbours[v])
            candidates &= ~(1 << v)


def _colour_bound(candidates: int, neighbours: list[int]) -> tuple[list[int], int]:
    """Greedy colouring of the candidates: (vertices in colour order, number of colours), a clique-size bound."""
    ordered: list[int] = []
    colours, left = 0, candidates
    while left:
        colours += 1
        free = left
        while free:
            v = (free & -free).bit_length() - 1
            ordered.append(v)
            left &= ~(1 << v)
            free &= ~neighbours[v] & ~(1 << v)
    return ordered, colours


def _degeneracy_order(neighbours: list[int]) -> list[int]:
    """Vertices by repeatedly removing one of least remaining degree (Matula-Beck buckets, ties to the lower index)."""
    adjacency = [_bits(mask) for mask in neighbours]
    degree = [len(adj) for adj in adjacency]
    buckets: list[set[int]] = [set() for _ in range(max(degree, default=0) + 1)]
    for v, d in enumerate(degree):
        buckets[d].add(v)
    removed = [False] * len(neighbours)
    order: list[int] = []
    low = 0
    while len(order) < len(neighbours):
        low = max(low - 1, 0)
        while not buckets[low]:
            low += 1
        v = min(buckets[low])
        buckets[low].discard(v)
        removed[v] = True
        order.append(v)
        for u in adjacency[v]:
            if not removed[u]:
                buckets[degree[u]].discard(u)
                degree[u] -= 1
                buckets[degree[u]].add(u)
    return order


def _bits(mask: int) -> list[int]:
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out
