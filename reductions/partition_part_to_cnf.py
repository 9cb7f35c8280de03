"""A part of a noisy instance → CNF whose refutation proves "these samples need at least b violations".

The part is the sub-instance of some samples of the instance (same groups and class budgets). Every partition of
the whole instance restricts to a partition of the part's tokens that violates the same samples of the part, so a
lower bound on the part's violations bounds the violations of the whole on those samples; bounds of sample-disjoint
parts add up. Proof: docs/noisy.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
from pysat.card import CardEnc
from pysat.formula import CNF

from problems.partition import PartitionInstance
from reductions.partition_to_cnf import BOUND_ENCODING
from reductions.partition_to_fast_cnf import PartitionToImpliedCnf


def sub_instance(instance: PartitionInstance, samples: Sequence[int], relaxed: bool) -> PartitionInstance:
    """The samples' sub-instance, in the given order (labels renumbered by first appearance within it).

    `relaxed` sets `max_violations` to "minimize", so that `PartitionToCnf` gives each sample a relaxation literal.
    Raises `ValueError` for an empty, repeated or out-of-range sample list.
    """
    rows = np.asarray(samples, dtype=np.int64)
    if rows.size == 0 or rows.min() < 0 or rows.max() >= instance.n_samples or np.unique(rows).size != rows.size:
        raise ValueError("a part needs distinct sample indices within the instance")
    return PartitionInstance.from_arrays(
        instance.sizes, instance.budgets, instance.tokens[rows], instance.raw_labels[rows],
        max_violations="minimize" if relaxed else 0, label_tolerance=instance.label_tolerance,
    )  # fmt: skip


class PartitionPartToCnf(PartitionToImpliedCnf):
    """Samples S of an instance and a bound b ≥ 1 → CNF that is UNSAT iff every partition violates ≥ b of S.

    b = 1: the direct CNF of the sub-instance S (no relaxation) with the implied difference clauses and the
    clique-first precedence of `PartitionToImpliedCnf` (docs/fast_solver.md §2: every model of the direct CNF
    extends to them): UNSAT ⇔ no partition explains all of S. The implied clauses cut the conflicts of refuting
    halves of a noisy N=100 instance (c=8, ε=1%) from 302k+ (no answer in 60 s) and 178k to 79k and 20k.
    b > 1: the direct CNF with a relaxation literal r_s per distinct sample, and Σ_s mult_s·r_s ≤ b − 1 as a
    cardinality network over the literals repeated by multiplicity (distinct samples in sorted order).
    Size: the direct CNF of S, plus O(|S| log² b) clauses for b > 1.
    """

    name: ClassVar[str] = "partition-part->cnf"
    version: ClassVar[str] = "2"  # 2: b = 1 parts carry the implied difference clauses

    def forward_part(self, instance: PartitionInstance, samples: Sequence[int], at_least: int) -> CNF:
        """The part's CNF (raises `TimeLimitReached` past the deadline, `ValueError` for a bad part)."""
        if at_least < 1:
            raise ValueError(f"a part's bound must be at least 1, got {at_least}")
        part = sub_instance(instance, samples, relaxed=at_least > 1)
        cnf = super().forward(part)
        if at_least > 1:
            self._check_deadline()  # the network is one native call: checked before, not inside
            weighted = [r for r, m in zip(self.relaxation, self.multiplicity, strict=True) for _ in range(m)]
            bound = CardEnc.atmost(weighted, at_least - 1, vpool=self.pool, encoding=BOUND_ENCODING)
            self._extend(cnf, bound.clauses)
        self.hard = cnf
        return cnf
