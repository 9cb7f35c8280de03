"""Forced merges in partition recovery: a smaller instance whose tokens are blocks that every solution merges.

Sound rule (pigeonhole on the table): when the samples show exactly V = K_1·…·K_I distinct labels, every label
occupies a cell of its own (a cell holds one label and each of the V labels needs one of the V cells), so g is a
bijection between reached cells and labels. Then two samples with equal labels sit in the same cell, and their
tokens are in the same class in every group. With fewer labels, or with noise allowed, no merge is forced and the
map is the identity.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from problems.partition import PartitionInstance, PartitionSolution


class PartitionToQuotient:
    """Partition recovery → partition recovery on merged tokens (instance → instance).

    Merge rule, when V = Π_i K_i and max_violations = 0: for every group i, tokens that share a label are in one
    class, so the blocks are the connected components of the bipartite graph token—label. Block b of group i
    becomes token b of the quotient, numbered by the smallest token in it (so canonical forms agree); the quotient
    keeps one sample per distinct (block tuple, label) row.
      forward:  O(n + V²) time, no sorting of samples; the quotient has exactly V samples.
      backward: c_i(t) = c'_i(block_i(t)) for constrained tokens; the table is unchanged.
    Claim: the solutions of the instance are exactly the lifts of the quotient's solutions (every solution is
    constant on blocks), so both have the same status, and uniqueness carries over. Proof: docs/fast_solver.md.
    """

    name: ClassVar[str] = "partition->quotient"
    version: ClassVar[str] = "1"

    def __init__(self) -> None:
        self.block_of: list[np.ndarray] = []
        self.merged = False
        self.label_id: dict[int, int] = {}

    def forward(self, instance: PartitionInstance) -> PartitionInstance:
        self.instance = instance
        if not merges_are_forced(instance):
            self.block_of = [np.arange(size, dtype=np.int64) for size in instance.sizes]
            return instance
        self.merged = True
        self.block_of = [
            _blocks_by_label(instance.tokens[:, i], instance.label_ids, size, instance.n_labels)
            for i, size in enumerate(instance.sizes)
        ]
        # each label sits in one cell, so all its samples fall in one block tuple: one quotient row per label
        representative = np.full(instance.n_labels, -1, dtype=np.int64)
        representative[instance.label_ids] = np.arange(instance.n_samples, dtype=np.int64)
        rows = np.column_stack(
            [self.block_of[i][instance.tokens[representative, i]] for i in range(instance.n_groups)]
            + [np.arange(instance.n_labels, dtype=np.int64)]
        )
        sizes = [int(blocks.max()) + 1 for blocks in self.block_of]
        labels = np.asarray(instance.label_values, dtype=instance.raw_labels.dtype)[rows[:, -1]]
        quotient = PartitionInstance.from_arrays(
            sizes, instance.budgets, rows[:, :-1], labels, 0, instance.label_tolerance
        )
        self.label_id = dict(zip(quotient.label_ids.tolist(), rows[:, -1].tolist(), strict=True))
        return quotient

    def backward(self, target_solution: PartitionSolution) -> PartitionSolution:
        """Lift quotient classes to tokens; quotient label ids (first appearance in the quotient) map back."""
        classes = [
            np.asarray(target_solution.classes[i], dtype=np.int64)[self.block_of[i]].tolist()
            for i in range(len(self.block_of))
        ]
        if not self.merged:
            return PartitionSolution(classes, dict(target_solution.table))
        return PartitionSolution(classes, {cell: self.label_id[v] for cell, v in target_solution.table.items()})


def merges_are_forced(instance: PartitionInstance) -> bool:
    """True when the pigeonhole rule applies: exact recovery and as many distinct labels as cells."""
    return instance.max_violations == 0 and instance.n_labels == int(np.prod(instance.budgets))


def _blocks_by_label(tokens: np.ndarray, label_ids: np.ndarray, size: int, n_labels: int) -> np.ndarray:
    """Block id per token of one group: components of token—label, numbered by their smallest token.

    Tokens that appear in no sample get blocks of their own (after the constrained ones' numbering is fixed
    by smallest token, so the order stays first-appearance).
    """
    # each token links every label it shows to one label it shows (any one): a graph on the V labels
    some_label = np.full(size, -1, dtype=np.int64)
    some_label[tokens] = label_ids
    links = np.bincount(some_label[tokens] * n_labels + label_ids, minlength=n_labels * n_labels)
    parent = list(range(n_labels))
    for link in np.flatnonzero(links).tolist():
        ra, rb = _find(parent, link // n_labels), _find(parent, link % n_labels)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    label_root = np.asarray([_find(parent, v) for v in range(n_labels)], dtype=np.int64)
    token_root = np.where(some_label >= 0, label_root[np.maximum(some_label, 0)], -1)
    return _number_by_first_token(token_root)


def _number_by_first_token(root: np.ndarray) -> np.ndarray:
    """Dense block ids in order of each block's smallest token; tokens with root -1 get fresh ids at the end."""
    constrained = root >= 0
    roots, first = np.unique(root[constrained], return_index=True)
    rank = np.empty(roots.size, dtype=np.int64)
    rank[np.argsort(first)] = np.arange(roots.size)
    blocks = np.empty(root.size, dtype=np.int64)
    blocks[constrained] = rank[np.searchsorted(roots, root[constrained])]
    blocks[~constrained] = roots.size + np.arange(int((~constrained).sum()))
    return blocks


def _find(parent: list[int], v: int) -> int:
    while parent[v] != v:
        parent[v] = parent[parent[v]]
        v = parent[v]
    return parent[v]
