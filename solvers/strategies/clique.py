"""The clique short-cut: K_i + 1 tokens that the samples force pairwise apart make an exact instance infeasible.

The tokens and, per pair, the two samples that force it are the certificate (solvers/clique.py); no backend runs.
R1 reductions of graphs whose clique number exceeds K are answered this way (docs/fast_solver.md, section 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from problems.answers import Certificate
from problems.partition import PartitionInstance
from solvers.clique import CliqueWitness, clique_certificate
from solvers.strategies.pigeonhole import ShortCut


@dataclass(frozen=True)
class CliqueStrategy(ShortCut):
    """Answer `infeasible` from `witness`: K_group + 1 tokens of one group, pairwise forced apart."""

    name: ClassVar[str] = "clique"

    witness: CliqueWitness

    def certify(self, instance: PartitionInstance) -> Certificate:
        return clique_certificate(instance, self.witness)
