"""R1: graph K-colouring → partition recovery with I = 2 groups and binary labels (SPEC §1)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from problems.answers import Answer
from problems.graph import Colouring, ColouringSolution
from problems.partition import PartitionInstance, PartitionSolution


class ColouringToPartition:
    """G = (V, E), K  →  a partition instance that is solvable iff G is K-colourable.

    Group 1: the vertices v ∈ V, budget K_1 = K.  Group 2: one token z_e per edge e, budget K_2 = K(K−1)
    (1 when K = 1).  Each edge e = (u, w), in its given orientation, gives two samples
        (u, z_e, 0)   and   (w, z_e, 1).
    A graph without edges gets the one sample (0, z_0, 0) on a dummy edge token, since an instance needs a
    sample; it is always solvable, as is the graph.
    Size: |V| + max(|E|, 1) tokens, 2|E| samples (1 if E = ∅), K·K(K−1) cells.
    backward: c_1 is the colouring; vertices without an edge (unconstrained tokens) get colour 0.
    Proof: docs/reductions.md, R1.
    """

    name: ClassVar[str] = "colouring->partition"
    version: ClassVar[str] = "1"

    def forward(self, graph: Colouring) -> PartitionInstance:
        self.graph = graph
        k = graph.k
        if graph.edges:
            rows = []
            for e, (u, w) in enumerate(graph.edges):
                rows.extend([(u, e, 0), (w, e, 1)])
            table = np.asarray(rows, dtype=np.int64)
        else:
            table = np.asarray([(0, 0, 0)], dtype=np.int64)
        return PartitionInstance.from_arrays(
            sizes=[graph.n, max(graph.n_edges, 1)],
            budgets=[k, max(k * (k - 1), 1)],
            tokens=table[:, :2],
            labels=table[:, 2],
        )

    def backward(self, target_solution: PartitionSolution | Answer | Sequence[Sequence[int]]) -> ColouringSolution:
        """The vertex classes c_1 as colours; an unconstrained vertex keeps whatever class it was given, or 0."""
        classes = _classes(target_solution)
        vertex_classes = list(classes[0]) if classes else []
        if len(vertex_classes) != self.graph.n:
            raise ValueError(f"expected {self.graph.n} vertex classes, got {len(vertex_classes)}")
        isolated = self._isolated_vertices()
        colour = [0 if v in isolated else int(c) for v, c in enumerate(vertex_classes)]
        return ColouringSolution(colour)

    def _isolated_vertices(self) -> set[int]:
        touched = {v for edge in self.graph.edges for v in edge}
        return set(range(self.graph.n)) - touched


def _classes(solution: PartitionSolution | Answer | Sequence[Sequence[int]]) -> Sequence[Sequence[int]]:
    """The class maps of a decoded solution, a wire answer, or a bare list of lists."""
    if isinstance(solution, PartitionSolution):
        return solution.classes
    if isinstance(solution, Answer):
        if solution.classes is None:
            raise ValueError(f"a {solution.status.value} answer carries no classes to lift")
        return solution.classes
    return solution
