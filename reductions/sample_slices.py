"""Sample clauses through one group's slices: Π_{i≠p} K_i clauses per sample instead of Π_i K_i (exact mode).

Pick a pivot group p. The slice variable h[t, r, v] (t a token of group p, r a cell of the other groups, v a label)
says "some sample of t whose other tokens sit in r has label v". Then
    slice:  ¬x[i_1,t_1,r_1] ∨ … (the groups i ≠ p) ∨ h[t_p, r, v]        per distinct sample and r
    link:   ¬x[p,t,k] ∨ ¬h[t, r, v] ∨ y[(k, r), v]                          per token t, class k, r and label v
    one:    ¬h[t, r, v] ∨ ¬h[t, r, w]                                       per token t, r and labels v < w
A model of the direct CNF extends: set h[t, r, v] true iff a sample of t in r has label v. Every such sample lies
in cell (c_p(t), r), which holds one label, so "one" holds, and "link" holds because that cell's label is v.
Conversely, in a model of these clauses a sample (t, v) whose other tokens sit in r makes h[t, r, v] true and then
y[(c_p(t), r), v] true: the sample clauses of the direct CNF follow by resolution on h. So the models agree on x
and y, and an UNSAT proof of either refutes the same claim. Size: n·Π_{i≠p}K_i + N_p·ΠK_i·V + N_p·Π_{i≠p}K_i·V²/2
clauses against n·ΠK_i; with I = K = 3, V = 2 and n ≫ N, a third. "one" also lets unit propagation compare two
samples of one token before its class is known. Proof: docs/encodings.md, section 1.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import numpy as np

from problems.partition import PartitionInstance


def slice_pivot(instance: PartitionInstance, rows: int) -> int | None:
    """The group whose slices make the fewest clauses, or None when the direct clauses are fewer."""
    cells = int(np.prod(instance.budgets))
    direct = rows * cells
    sizes = {p: _slice_clauses(instance, rows, p) for p in range(instance.n_groups) if instance.n_groups > 1}
    best = min(sizes, key=lambda p: (sizes[p], p), default=None)
    return best if best is not None and sizes[best] < direct else None


def _slice_clauses(instance: PartitionInstance, rows: int, pivot: int) -> int:
    rest = int(np.prod(instance.budgets)) // instance.budgets[pivot]
    labels = instance.n_labels
    size = instance.sizes[pivot]
    return rows * rest + size * rest * labels * (instance.budgets[pivot] + (labels - 1) / 2)


def slice_clause_blocks(
    instance: PartitionInstance,
    rows: np.ndarray,
    pivot: int,
    x_ids: Sequence[np.ndarray],
    y_id: Callable[[tuple[int, ...], int], int],
    first_free: int,
) -> tuple[list[np.ndarray], int]:
    """The slice, link and one-label clauses as integer blocks, and the next free variable.

    `rows`: distinct samples as (tokens..., label id); `x_ids[i][t, k]`: the x variables; `y_id(cell, v)`: the y
    variable; h variables take ids from `first_free` on, h[t, r, v] = first_free + (t·R + r)·V + v.
    """
    others = [i for i in range(instance.n_groups) if i != pivot]
    rest_cells = list(itertools.product(*(range(instance.budgets[i]) for i in others)))
    n_rest, labels = len(rest_cells), instance.n_labels
    tokens = np.unique(rows[:, pivot])

    def h(token: np.ndarray, r: int, v: np.ndarray | int) -> np.ndarray:
        return first_free + (token * n_rest + r) * labels + v

    blocks: list[np.ndarray] = []
    for r, rest in enumerate(rest_cells):  # slice: the other tokens in r ⇒ h[t_p, r, label]
        negated = [-x_ids[i][rows[:, i], k] for i, k in zip(others, rest, strict=True)]
        blocks.append(np.column_stack([*negated, h(rows[:, pivot], r, rows[:, -1])]))
    for r, rest in enumerate(rest_cells):
        for k in range(instance.budgets[pivot]):  # link: class k and h[t, r, v] ⇒ y[(k, r), v]
            cell = list(rest)
            cell.insert(pivot, k)
            for v in range(labels):
                y = np.full(len(tokens), y_id(tuple(cell), v), dtype=np.int64)
                blocks.append(np.column_stack([-x_ids[pivot][tokens, k], -h(tokens, r, v), y]))
        for v, w in itertools.combinations(range(labels), 2):  # one label per token and slice cell
            blocks.append(np.column_stack([-h(tokens, r, v), -h(tokens, r, w)]))
    return blocks, first_free + instance.sizes[pivot] * n_rest * labels
