"""The fast solver's CNF: forced merges first (quotient), then the direct CNF with implied difference clauses."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np
from pysat.formula import CNF

from problems.must_differ import MustDiffer, must_differ_pairs, precedence_clique
from problems.partition import PartitionInstance, PartitionSolution
from problems.verify import canonical_classes, constrained_mask
from reductions.base import Composed
from reductions.deadline import paced_rows
from reductions.partition_to_cnf import PartitionToCnf, index_orders
from reductions.partition_to_quotient import PartitionToQuotient
from reductions.sample_slices import slice_clause_blocks, slice_pivot


class PartitionToImpliedCnf(PartitionToCnf):
    """Direct CNF plus clauses implied by pairs of samples that share a token and differ in label (exact mode).

    Two samples with different labels lie in different cells. If they share the token of group g, some other
    group must separate them: ∨_{i≠g, a_i≠b_i} ¬same_i(a_i, b_i), with same_i(a, b) ⇔ a, b in one class.
      one group differs:  ¬x[i,a,k] ∨ ¬x[i,b,k]                         ∀ k   (a binary "different" clause)
      several differ:     e[i,a,b] ← x[i,a,k] ∧ x[i,b,k]  ∀ k;  ∨_i ¬e[i,a_i,b_i]
    Every model of the direct CNF extends (set e = same), so both have the same models on x: proofs and
    uniqueness claims carry over. The binary ("must differ") clauses come from samples agreeing on all groups but
    one and are found in linear time at any size (`problems.must_differ`); the e clauses cost O(Σ_t deg(t)²),
    deg(t) = samples holding token t, and are left out above MAX_SAMPLE_PAIRS. The sample clauses go through one
    group's slices when that is fewer clauses (`reductions.sample_slices`).

    Value precedence opens each group's classes with a largest clique of its must-differ graph (up to K_i + 1
    tokens), so unit propagation alone numbers the clique 0, 1, …: measured on planted instances
    (I=K=3, V=2, 4·N ln N samples), uniqueness refutations needed 5-7× fewer conflicts than in index order.
    """

    name: ClassVar[str] = "partition->cnf+implied"
    version: ClassVar[str] = "4"

    def forward(self, instance: PartitionInstance) -> CNF:
        """The direct CNF with precedence along `clique_first_orders`, plus the implied difference clauses."""
        self.must_differ: list[tuple[int, np.ndarray, np.ndarray]] = []  # (group, a tokens, b tokens)
        self.wide: list[tuple[list[int], np.ndarray, np.ndarray]] = []  # (differing groups, a tokens, b tokens)
        if instance.max_violations == 0:
            self.must_differ = [self._must_differ(instance, group) for group in range(instance.n_groups)]
            if instance.n_groups > 1 and _sample_pairs(instance) <= MAX_SAMPLE_PAIRS:
                self.wide = self._split_label_conflicts(instance)
        cnf = self._encode(instance, clique_first_orders(instance, self.must_differ))
        if self.must_differ or self.wide:
            # appended in bulk: CNF.append/extend inspect every clause, which dominates at millions of clauses
            cnf.clauses.extend(self._difference_clauses())
            cnf.nv = max(cnf.nv, self.pool.top)
            self.hard = cnf
        return cnf

    def _sample_clauses(self, cnf: CNF, relax: bool) -> None:
        """The direct sample clauses, or the same through one group's slices when that is fewer clauses
        (`reductions.sample_slices`: a third of them with I = K = 3, V = 2)."""
        rows = np.unique(np.column_stack([self.instance.tokens, self.instance.label_ids]), axis=0)
        pivot = None if relax else slice_pivot(self.instance, len(rows))
        if pivot is None:
            super()._sample_clauses(cnf, relax)
            return
        x_ids = [self._x_table(i) for i in range(self.instance.n_groups)]
        first = self.pool.top + 1
        blocks, free = slice_clause_blocks(self.instance, rows, pivot, x_ids, self.y, first)
        self.pool.occupy(first, free - 1)
        self.pool.top = free - 1
        cnf.clauses.extend(self._rows(blocks))
        cnf.nv = max(cnf.nv, self.pool.top)

    def _must_differ(self, instance: PartitionInstance, group: int) -> tuple[int, np.ndarray, np.ndarray]:
        """Samples that agree on every group but `group` and differ in label: linear in the samples, any size."""
        self._check_deadline()
        pairs = must_differ_pairs(instance, group)
        return group, pairs.a, pairs.b

    def _split_label_conflicts(self, instance: PartitionInstance) -> list[tuple[list[int], np.ndarray, np.ndarray]]:
        """Sample pairs that share a token, differ in label, and differ in two or more other groups, as
        (differing groups, a rows, b rows) (the pairs that differ in one group only are the must-differ pairs,
        found in linear time)."""
        wide: list[tuple[list[int], np.ndarray, np.ndarray]] = []
        rows = np.unique(np.column_stack([instance.tokens, instance.label_ids]), axis=0)
        for group in range(instance.n_groups):
            a, b = _label_conflicts_sharing(rows, group, self._check_deadline)
            others = [i for i in range(instance.n_groups) if i != group]
            differ = np.column_stack([a[:, i] != b[:, i] for i in others])
            for pattern in self._paced({tuple(p) for p in differ.tolist()}):
                groups = [i for i, d in zip(others, pattern, strict=True) if d]
                chosen = np.all(differ == np.asarray(pattern), axis=1)
                if len(groups) > 1:  # one group: a must-differ pair; none: contradictory samples (the CNF refutes)
                    wide.append((groups, a[chosen], b[chosen]))
        return wide

    def _difference_clauses(self) -> list[list[int]]:
        x_ids = [self._x_table(i) for i in range(self.instance.n_groups)]
        binary = [_different_clauses(x_ids[group], a, b) for group, a, b in self.must_differ]
        return [*self._rows(binary), *self._wide_clauses(self.wide, x_ids)]

    def _wide_clauses(
        self, wide: list[tuple[list[int], np.ndarray, np.ndarray]], x_ids: list[np.ndarray]
    ) -> list[list[int]]:
        """e variables for the token pairs used, their definitions, and one clause of ¬e per sample pair."""
        keys = [
            np.column_stack([np.full(len(a), i), np.minimum(a[:, i], b[:, i]), np.maximum(a[:, i], b[:, i])])
            for groups, a, b in wide
            for i in groups
        ]
        if not keys:
            return []
        stacked = np.concatenate(keys)
        span = max(self.instance.sizes)
        flat_keys, inverse = np.unique(
            (stacked[:, 0] * span + stacked[:, 1]) * span + stacked[:, 2], return_inverse=True
        )
        pairs = np.column_stack([flat_keys // (span * span), flat_keys // span % span, flat_keys % span])
        inverse = inverse.reshape(-1)
        first_e = self.pool.top + 1
        self.pool.occupy(first_e, first_e + len(pairs) - 1)
        e_ids = first_e + np.arange(len(pairs))
        self.pool.top = first_e + len(pairs) - 1
        clauses: list[np.ndarray] = []
        for group in range(self.instance.n_groups):
            mine = pairs[:, 0] == group
            for k in range(self.instance.budgets[group]):
                xa, xb = x_ids[group][pairs[mine, 1], k], x_ids[group][pairs[mine, 2], k]
                clauses.append(np.column_stack([-xa, -xb, e_ids[mine]]))
        offset = 0
        out = self._rows(clauses)
        for groups, a, _ in self._paced(wide):
            width = len(groups)
            ids = e_ids[inverse[offset : offset + width * len(a)]].reshape(width, len(a)).T
            offset += width * len(a)
            out.extend(self._rows([-ids]))
        return out

    def _rows(self, blocks: list[np.ndarray]) -> list[list[int]]:
        """The clauses of all blocks (grouped by width); repeats are kept (harmless, and sorting rows to drop them
        costs more)."""
        if not blocks:
            return []
        clauses: list[list[int]] = []
        for width in sorted({block.shape[1] for block in blocks}):
            same_width = np.concatenate([block for block in blocks if block.shape[1] == width])
            for chunk in paced_rows(same_width, self.deadline, self.name):
                clauses.extend(chunk)
        return clauses


def clique_first_orders(
    instance: PartitionInstance, must_differ: list[tuple[int, np.ndarray, np.ndarray]]
) -> list[np.ndarray]:
    """Index order, but with a clique of each group's must-differ graph first (`precedence_clique`: up to K_i + 1
    tokens; a clique of K_i + 1 leaves its last token no class, so unit propagation refutes the CNF)."""
    orders = index_orders(instance)
    for group, a, b in must_differ:
        if len(a) and instance.budgets[group] > 1:
            graph = MustDiffer(group, a, b, a, b)  # the witnesses are not needed to pick the clique
            clique = np.asarray(precedence_clique(graph, instance.budgets[group]), dtype=np.int64)
            order = orders[group]
            orders[group] = np.concatenate([clique, order[~np.isin(order, clique)]])
    return orders


MAX_SAMPLE_PAIRS = 2_000_000  # beyond this many pairs sharing a token, the implied clauses would not fit memory


def _sample_pairs(instance: PartitionInstance) -> int:
    """Pairs of samples that share a token, Σ_i Σ_t deg_i(t)² / 2: the work (and memory) of the implied clauses.

    The encoding is the direct CNF alone above MAX_SAMPLE_PAIRS; the rule depends on the instance only, so
    `check` regenerates the same CNF.
    """
    return sum(
        int((np.bincount(instance.tokens[:, i]).astype(np.int64) ** 2).sum()) // 2 for i in range(instance.n_groups)
    )


def _label_conflicts_sharing(
    rows: np.ndarray, group: int, check_deadline: Callable[[], None]
) -> tuple[np.ndarray, np.ndarray]:
    """All pairs of distinct sample rows with the same token in `group` and different labels."""
    ordered = rows[np.argsort(rows[:, group], kind="stable")]
    key = ordered[:, group]
    firsts, seconds = [], []
    for gap in range(1, len(ordered)):
        check_deadline()
        same = key[:-gap] == key[gap:]
        if not same.any():
            break  # rows are sorted by token: no run is longer than this gap
        hit = same & (ordered[:-gap, -1] != ordered[gap:, -1])
        firsts.append(ordered[:-gap][hit])
        seconds.append(ordered[gap:][hit])
    width = rows.shape[1]
    if not firsts:
        return np.empty((0, width), dtype=np.int64), np.empty((0, width), dtype=np.int64)
    return np.concatenate(firsts), np.concatenate(seconds)


def _different_clauses(x_table: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    return np.concatenate([np.column_stack([-x_table[lo, k], -x_table[hi, k]]) for k in range(x_table.shape[1])])


class PartitionToFastCnf(Composed):
    """Partition recovery → CNF for the fast strategy: `PartitionToQuotient`, then `PartitionToImpliedCnf`.

    Both steps keep the solutions' projection on the class variables (the quotient up to lifting), so an UNSAT
    proof of this CNF (plus a blocking clause) refutes the same claim about the instance. `check` regenerates it
    from the instance alone: the merges are a deterministic function of the samples. The methods below take and
    give instance-level partitions; the quotient in between is this map's own business.
    """

    name: ClassVar[str] = "partition->cnf+implied∘partition->quotient"
    version: ClassVar[str] = "4"

    def __init__(self, deadline: float | None = None) -> None:
        super().__init__(PartitionToQuotient(), PartitionToImpliedCnf(deadline))  # the quotient is linear time
        self.quotient: PartitionToQuotient = self.first  # type: ignore[assignment]
        self.implied: PartitionToImpliedCnf = self.second  # type: ignore[assignment]

    def blocking_for_assignment(self, assignment: Sequence[int]) -> list[int]:
        """The uniqueness blocking clause for a model, computed on the (small) quotient."""
        solution = self.implied.backward(assignment)
        masks = constrained_mask(self.middle)
        return self.implied.blocking_clause(PartitionSolution(canonical_classes(solution.classes, masks), {}))

    def blocking_clause(self, canonical: PartitionSolution) -> list[int]:
        """The blocking clause of an instance-level canonical solution: read each block's class off a member."""
        return self.implied.blocking_clause(PartitionSolution(self._on_quotient(canonical.classes), {}))

    def phases(self, classes: Sequence[Sequence[int]]) -> list[int]:
        """Literals of the class variables that agree with instance-level `classes` (numbered as precedence
        numbers them, so they agree with the symmetry breaking): initial phases for a search near a guess."""
        numbered = self.implied.in_precedence_numbering(self._on_quotient(classes, canonical=False))
        return [
            self.implied.x(i, t, k) if numbered[i][t] == k else -self.implied.x(i, t, k)
            for i, mask in enumerate(constrained_mask(self.middle))
            for t in np.flatnonzero(mask).tolist()
            for k in range(self.middle.budgets[i])
        ]

    def var_map(self) -> dict[str, Any]:
        """x and y of the quotient's CNF; `blocks` maps each token to its quotient token (absent when unmerged)."""
        meaning: dict[str, Any] = self.implied.var_map()
        if self.quotient.merged:
            meaning["blocks"] = [blocks.tolist() for blocks in self.quotient.block_of]
        return meaning

    def _on_quotient(self, classes: Sequence[Sequence[int]], canonical: bool = True) -> list[Any]:
        """Instance-level classes as classes of the quotient's tokens (each block takes a member's class)."""
        per_block_classes = []
        for i, blocks in enumerate(self.quotient.block_of):
            per_block = np.zeros(self.middle.sizes[i], dtype=np.int64)
            per_block[blocks] = np.asarray(classes[i], dtype=np.int64)
            per_block_classes.append(per_block)
        if not canonical:
            return per_block_classes
        return canonical_classes(per_block_classes, constrained_mask(self.middle))
