"""CP-SAT model of partition recovery (SPEC §1 "CP-SAT"): class variables, a label table, element constraints."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import ClassVar, TypeVar

import numpy as np
from ortools.sat.python import cp_model

from problems.cells import cell_strides
from problems.partition import PartitionInstance, PartitionSolution
from problems.verify import constrained_mask
from reductions.deadline import paced

T = TypeVar("T")


class PartitionToCpSat:
    """Partition recovery → CP-SAT.

    class[i,t] ∈ [0, K_i)  for constrained tokens;  label[c] ∈ [0, V)  for each cell c of K_1 × … × K_I.
      samples:     label[Σ_i class[i,t_i]·stride_i] = v          ∀ distinct samples (element constraint)
      precedence:  class[i,t_0] = 0,  class[i,t_j] ≤ seen[i,j-1] + 1,  seen[i,j] = max(seen[i,j-1], class[i,t_j])
    With noise: ok_s ⇒ element holds; Σ mult_s·¬ok_s ≤ max_violations, or minimised under "minimize".
    Size: Σ N_i + ΠK_i + 2n variables, n element constraints.
    With a `deadline` (a `time.perf_counter()` value), `forward` raises `TimeLimitReached` once it passes.
    """

    name: ClassVar[str] = "partition->cpsat"
    version: ClassVar[str] = "1"

    def __init__(self, deadline: float | None = None) -> None:
        self.deadline = deadline
        self.model = cp_model.CpModel()
        self.class_var: dict[tuple[int, int], cp_model.IntVar] = {}
        self.label_var: list[cp_model.IntVar] = []
        self.violated: list[cp_model.IntVar] = []

    def forward(self, instance: PartitionInstance) -> cp_model.CpModel:
        self.instance = instance
        self.constrained = [np.flatnonzero(m) for m in constrained_mask(instance)]
        self.cells = list(itertools.product(*(range(k) for k in instance.budgets)))
        model = self.model
        for i, tokens in enumerate(self.constrained):
            for t in self._paced(tokens):
                self.class_var[i, int(t)] = model.new_int_var(0, instance.budgets[i] - 1, f"class[{i},{t}]")
            self._precedence(i, tokens)
        self.label_var = [
            model.new_int_var(0, instance.n_labels - 1, f"label[{','.join(map(str, c))}]")
            for c in self._paced(self.cells)
        ]
        self._samples()
        return model

    def _precedence(self, group: int, tokens: Sequence[int]) -> None:
        # value precedence: class[t_0] = 0; class[t_j] ≤ seen[j-1] + 1; seen[j] = max(seen[j-1], class[t_j])
        first = self.class_var[group, int(tokens[0])]
        self.model.add(first == 0)
        seen = first
        for j, t in self._paced(enumerate(tokens[1:], start=1)):
            current = self.class_var[group, int(t)]
            self.model.add(current <= seen + 1)
            bigger = self.model.new_int_var(0, self.instance.budgets[group] - 1, f"seen[{group},{j}]")
            self.model.add_max_equality(bigger, [seen, current])
            seen = bigger

    def _samples(self) -> None:
        rows, counts = np.unique(
            np.column_stack([self.instance.tokens, self.instance.label_ids]), axis=0, return_counts=True
        )
        strides = cell_strides(self.instance.budgets)
        noisy = self.instance.max_violations != 0
        for s, row in self._paced(enumerate(rows.tolist())):
            # label[Σ_i class[i,t_i]·stride_i] = v
            cell = sum(
                int(stride) * self.class_var[i, t] for i, (t, stride) in enumerate(zip(row[:-1], strides, strict=True))
            )
            if not noisy:
                self.model.add_element(cell, self.label_var, row[-1])
                continue
            got = self.model.new_int_var(0, self.instance.n_labels - 1, f"got[{s}]")
            self.model.add_element(cell, self.label_var, got)
            bad = self.model.new_bool_var(f"violated[{s}]")
            self.model.add(got == row[-1]).only_enforce_if(~bad)
            self.violated.append(bad)
        if noisy:
            total = sum(int(c) * v for c, v in zip(counts, self.violated, strict=True))
            if self.instance.max_violations == "minimize":
                self.model.minimize(total)
            else:
                self.model.add(total <= int(self.instance.max_violations))

    def _paced(self, items: Iterable[T]) -> Iterator[T]:
        return paced(items, self.deadline, self.name)

    def backward(self, values: Sequence[int]) -> PartitionSolution:
        """Read class and label variables from the solver's value vector (indexed by proto variable)."""
        classes = [[0] * n for n in self.instance.sizes]
        for (i, t), var in self.class_var.items():
            classes[i][t] = int(values[var.index])
        table = {cell: int(values[var.index]) for cell, var in zip(self.cells, self.label_var, strict=True)}
        return PartitionSolution(classes, table)
