"""Direct CNF encoding of partition recovery (SPEC §1 "Direct SAT"), with value-precedence symmetry breaking."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Sequence
from typing import ClassVar, TypeVar

import numpy as np
from pysat.card import CardEnc, EncType
from pysat.formula import CNF, WCNF, IDPool

from problems.errors import TimeLimitReached
from problems.partition import PartitionInstance, PartitionSolution
from problems.verify import constrained_mask, first_appearance_ranks
from reductions.deadline import check_deadline, paced, paced_rows

T = TypeVar("T")

PAIRWISE_LIMIT = 6
CLAUSES_PER_CHECK = 50_000  # copying clauses into a formula costs ~2 µs each: a check every ~0.1 s
# "At most b violated" as a cardinality network (Asín et al. 2011): arc-consistent, O(n log² b) clauses. PySAT's
# totalizer is not truncated at b: 6.8M clauses for n = 3,685, b = 25 (105k here), and at N = 300 with b = 136 it
# ran 178 s and reached 19.5 GB before the solver started.
BOUND_ENCODING = EncType.cardnetwrk
# Beyond this many clauses (about 3 GB as Python lists) the CNF is not built: the answer is `unknown` at once.
MAX_ENCODING_CLAUSES = 20_000_000


class EncodingTooLarge(TimeLimitReached):
    """The CNF would exceed MAX_ENCODING_CLAUSES: like a time limit, no solver runs and the answer is `unknown`."""


def cardinality_clauses_estimate(weight: int, bound: int) -> int:
    """An upper estimate of the clauses of "at most `bound`" over `weight` literals as a cardinality network."""
    if bound <= 0:
        return weight
    depth = math.ceil(math.log2(max(bound + 1, 2)))
    return 3 * weight * (depth * (depth + 1) // 2 + 1)


def estimated_clauses(instance: PartitionInstance, bound: int | None = None) -> int:
    """Sample clauses (n · ΠK_i, an upper estimate) plus the cardinality network for `bound`, if any."""
    cells = math.prod(instance.budgets)
    card = cardinality_clauses_estimate(instance.n_samples, bound) if bound is not None else 0
    return instance.n_samples * cells + card


def amo_encoding(width: int) -> int:
    """Pairwise at-most-one for few literals (no auxiliaries), the sequential counter beyond."""
    return EncType.pairwise if width <= PAIRWISE_LIMIT else EncType.seqcounter


def index_orders(instance: PartitionInstance) -> list[np.ndarray]:
    """Per group, the constrained tokens in index order: the order value precedence opens classes in by default."""
    return [np.flatnonzero(mask) for mask in constrained_mask(instance)]


class PartitionToCnf:
    """Partition recovery → CNF.

    x[i,t,k] ⇔ constrained token t of group i is in class k;  y[c,v] ⇔ cell c has label v;
    u[i,j,k] ⇔ one of the first j+1 constrained tokens of group i is in class k.
      one class:   ∨_k x[i,t,k],  AMO_k x[i,t,k]                       ∀ i, t
      one label:   AMO_v y[c,v]                                         ∀ cells c
      samples:     ¬x[1,t_1,k_1] ∨ … ∨ ¬x[I,t_I,k_I] ∨ y[(k_1..k_I),v] ∀ distinct samples, ∀ cells
      precedence:  x[i,t_0,0];  x[i,t_j,k] → u[i,j-1,k-1];  u defined by u[i,j,k] ⇔ u[i,j-1,k] ∨ x[i,t_j,k]
    The precedence order t_0, t_1, … is `index_orders` (token index order here; any fixed order is sound).
    With noise, sample clauses carry a relaxation literal r_s and Σ_s mult_s·r_s ≤ max_violations (a cardinality
    network over the r_s repeated by multiplicity).
    Size: Σ N_i K_i + V ΠK_i variables, O(n ΠK_i + Σ N_i K_i² + V² ΠK_i) clauses.
    Unconstrained tokens get no variables. Proof: docs/encodings.md.
    With a `deadline` (a `time.perf_counter()` value), `forward` raises `TimeLimitReached` once it passes.
    """

    name: ClassVar[str] = "partition->cnf"
    version: ClassVar[str] = "2"  # 2: the violation bound is a cardinality network (1: PySAT's totalizer)

    def __init__(self, deadline: float | None = None) -> None:
        self.deadline = deadline
        self.pool = IDPool()
        self.relaxation: list[int] = []
        self.multiplicity: list[int] = []
        self.hard = CNF()

    def x(self, group: int, token: int, k: int) -> int:
        return self.pool.id(("x", group, token, k))

    def y(self, cell: tuple[int, ...], label: int) -> int:
        return self.pool.id(("y", cell, label))

    def forward(self, instance: PartitionInstance) -> CNF:
        """The CNF; with integer `max_violations` > 0 it bounds the violated samples by a cardinality network.

        Raises `EncodingTooLarge` before any work when the estimate exceeds MAX_ENCODING_CLAUSES.
        """
        return self._encode(instance, index_orders(instance))

    def _encode(self, instance: PartitionInstance, orders: list[np.ndarray]) -> CNF:
        """The CNF with value precedence along `orders` (per group, its constrained tokens in some fixed order)."""
        bound = instance.max_violations if isinstance(instance.max_violations, int) else None
        size = estimated_clauses(instance, bound or None)
        if size > MAX_ENCODING_CLAUSES:
            raise EncodingTooLarge(f"the CNF would have about {size:,} clauses (limit {MAX_ENCODING_CLAUSES:,})")
        self.instance = instance
        self.constrained = orders
        self.cells = list(itertools.product(*(range(k) for k in instance.budgets)))
        noisy = instance.max_violations != 0
        cnf = CNF()
        self._class_clauses(cnf)
        self._label_clauses(cnf)
        self._sample_clauses(cnf, relax=noisy)
        if isinstance(instance.max_violations, int) and instance.max_violations > 0:
            self._check_deadline()  # the totalizer is one native call: checked before, not inside
            weighted = [r for r, m in zip(self.relaxation, self.multiplicity, strict=True) for _ in range(m)]
            network = CardEnc.atmost(weighted, instance.max_violations, vpool=self.pool, encoding=BOUND_ENCODING)
            self._extend(cnf, network.clauses)
        self.hard = cnf
        return cnf

    # The clause builders below append to `cnf.clauses` directly: every literal comes from `self.pool`, and
    # `_sample_clauses` sets `cnf.nv` to the pool's top at the end (CNF.append would scan each clause for it).

    def _class_clauses(self, cnf: CNF) -> None:
        self.x_rows: list[list[list[int]]] = []  # per group, the x ids of its constrained tokens in order
        for i, tokens in enumerate(self.constrained):
            budget = self.instance.budgets[i]
            rows = []
            for t in self._paced(tokens):
                lits = [self.x(i, int(t), k) for k in range(budget)]
                rows.append(lits)
                cnf.clauses.append(lits)
                cnf.clauses.extend(self._at_most_one(lits))
            self.x_rows.append(rows)
            self._precedence_clauses(cnf.clauses, i, rows, budget)

    def _at_most_one(self, lits: list[int]) -> list[list[int]]:
        """AMO over pool literals: the pairwise clauses ¬a ∨ ¬b (a before b) for few literals, in the order PySAT's
        `CardEnc.atmost(..., EncType.pairwise)` gives them, without its per-call cost; PySAT beyond."""
        if len(lits) <= PAIRWISE_LIMIT:
            return [[-a, -b] for a, b in itertools.combinations(lits, 2)]
        return CardEnc.atmost(lits, 1, vpool=self.pool, encoding=amo_encoding(len(lits))).clauses

    def _precedence_clauses(self, clauses: list[list[int]], group: int, x_rows: list[list[int]], budget: int) -> None:
        """Value precedence in token order: the j-th constrained token opens at most class max-so-far + 1.
        `x_rows[j][k]` is x[t_j,k], t_j the j-th constrained token of the group."""
        clauses.append([x_rows[0][0]])

        def u(j: int, k: int) -> int:
            return self.pool.id(("u", group, j, k))

        for j, x in self._paced(enumerate(x_rows)):
            for k in range(budget - 1):  # u[j,k] ⇔ u[j-1,k] ∨ x[t_j,k]
                clauses.append([-x[k], u(j, k)])
                if j == 0:
                    clauses.append([-u(j, k), x[k]])
                else:
                    clauses.append([-u(j - 1, k), u(j, k)])
                    clauses.append([-u(j, k), u(j - 1, k), x[k]])
            if j > 0:
                for k in range(1, budget):  # x[t_j,k] → u[j-1,k-1]
                    clauses.append([-x[k], u(j - 1, k - 1)])

    def _label_clauses(self, cnf: CNF) -> None:
        n_labels = self.instance.n_labels
        for cell in self._paced(self.cells):
            lits = [self.y(cell, v) for v in range(n_labels)]  # numbered here even when alone: ids stay stable
            cnf.clauses.extend(self._at_most_one(lits))

    def _sample_clauses(self, cnf: CNF, relax: bool) -> None:
        """One clause per (distinct sample, cell), built column-wise with numpy."""
        rows, counts = np.unique(
            np.column_stack([self.instance.tokens, self.instance.label_ids]), axis=0, return_counts=True
        )
        x_ids = [self._x_table(i) for i in range(self.instance.n_groups)]
        if relax:
            self.relaxation = [self.pool.id(("r", s)) for s in range(len(rows))]
            self.multiplicity = counts.tolist()
        relax_col = np.asarray(self.relaxation, dtype=np.int64).reshape(-1, 1)
        label_col = rows[:, -1]
        for cell in self.cells:
            negated = [-x_ids[i][rows[:, i], k] for i, k in enumerate(cell)]
            y_col = np.asarray([self.y(cell, v) for v in range(self.instance.n_labels)])[label_col]
            block = np.column_stack([*negated, y_col, relax_col] if relax else [*negated, y_col])
            for clauses in paced_rows(block, self.deadline, self.name):
                cnf.clauses.extend(clauses)  # in bulk: CNF.extend inspects every literal to update nv
        cnf.nv = max(cnf.nv, self.pool.top)

    def _x_table(self, group: int) -> np.ndarray:
        """x ids as an array [token, class]; unconstrained tokens hold 0 and are never indexed."""
        table = np.zeros((self.instance.sizes[group], self.instance.budgets[group]), dtype=np.int64)
        if len(self.constrained[group]):  # the ids `_class_clauses` numbered, in one assignment
            table[self.constrained[group]] = self.x_rows[group]
        return table

    def _paced(self, items: Iterable[T]) -> Iterator[T]:
        return paced(items, self.deadline, self.name)

    def _check_deadline(self) -> None:
        check_deadline(self.deadline, self.name)

    def _extend(self, formula: CNF | WCNF, clauses: list[list[int]]) -> None:
        """`formula.extend(clauses)` in chunks, with the deadline checked between them."""
        for start in range(0, len(clauses), CLAUSES_PER_CHECK):
            self._check_deadline()
            formula.extend(clauses[start : start + CLAUSES_PER_CHECK])

    def backward(self, assignment: Sequence[int]) -> PartitionSolution:
        """Classes from the true x literals; table cells from the true y literals (unreached cells included)."""
        classes = [[0] * n for n in self.instance.sizes]
        table: dict[tuple[int, ...], int] = {}
        for lit in assignment:
            key = self.pool.obj(lit) if lit > 0 else None
            if key is None:
                continue
            if key[0] == "x":
                _, i, t, k = key
                classes[i][t] = k
            elif key[0] == "y":
                _, cell, v = key
                table[cell] = v
        return PartitionSolution(classes, table)

    def blocking_clause(self, solution: PartitionSolution) -> list[int]:
        """ "Some constrained token leaves its class": with the classes numbered as precedence numbers them, this
        excludes exactly the partitions equivalent to `solution` on the constrained tokens."""
        classes = self.in_precedence_numbering(solution.classes)
        return [-self.x(i, int(t), int(classes[i][t])) for i, ts in enumerate(self.constrained) for t in ts]

    def in_precedence_numbering(self, classes: Sequence[Sequence[int]]) -> list[np.ndarray]:
        """`classes` renumbered by first appearance along the precedence order: the one relabelling of them that
        the precedence clauses allow. Unconstrained tokens keep their number."""
        renumbered = []
        for group_classes, order in zip(classes, self.constrained, strict=True):
            values = np.array(group_classes, dtype=np.int64)
            values[order] = first_appearance_ranks(values[order])
            renumbered.append(values)
        return renumbered

    def var_map(self) -> dict[str, list[list[int]]]:
        """CNF variables with a meaning: x as [var, group, token, class], y as [var, *cell, label id]."""
        meaning: dict[str, list[list[int]]] = {"x": [], "y": [], "r": []}
        for key, var in self.pool.obj2id.items():
            if key[0] == "x":
                meaning["x"].append([var, *key[1:]])
            elif key[0] == "y":
                meaning["y"].append([var, *key[1], key[2]])
            elif key[0] == "r":
                meaning["r"].append([var, key[1]])
        return meaning


class PartitionToMaxSat(PartitionToCnf):
    """Noisy partition recovery, "minimize" → weighted partial MaxSAT.

    Hard: the clauses of `PartitionToCnf` with relaxation literals r_s; soft: ¬r_s with weight mult_s.
    The optimum is the fewest violated samples.
    """

    name: ClassVar[str] = "partition->wcnf"
    version: ClassVar[str] = "2"  # 2: the optimality bound is a cardinality network (1: PySAT's totalizer)

    def forward(self, instance: PartitionInstance) -> WCNF:  # type: ignore[override]
        hard = super().forward(instance)
        wcnf = WCNF()
        self._extend(wcnf, hard.clauses)
        for r, weight in self._paced(zip(self.relaxation, self.multiplicity, strict=True)):
            wcnf.append([-r], weight=weight)
        return wcnf

    def optimality_cnf(self, below: int) -> CNF:
        """Hard clauses plus Σ mult_s·r_s ≤ below − 1 (cardinality network): UNSAT proves no solution has fewer than
        `below`."""
        if below == 0:
            raise ValueError("optimality at 0 violations needs no proof")
        cnf = CNF()
        self._extend(cnf, self.hard.clauses)
        weighted = [r for r, m in zip(self.relaxation, self.multiplicity, strict=True) for _ in range(m)]
        self._check_deadline()
        self._extend(cnf, CardEnc.atmost(weighted, below - 1, vpool=self.pool, encoding=BOUND_ENCODING).clauses)
        return cnf
