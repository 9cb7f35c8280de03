"""The clique short-cut: K_i + 1 tokens that the samples force pairwise apart make an exact instance infeasible.

The tokens and, per pair, the two samples that force it are the certificate (solvers/clique.py); no backend runs.
R1 reductions of graphs whose clique number exceeds K are answered this way (docs/fast_solver.md, section 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from problems.answers import Answer, AnswerStatus, SolveOptions
from problems.partition import PartitionInstance
from solvers.clique import CliqueWitness, clique_certificate
from solvers.run import Clock, Progress


@dataclass(frozen=True)
class CliqueStrategy:
    """Answer `infeasible` from `witness`: K_group + 1 tokens of one group, pairwise forced apart."""

    name: ClassVar[str] = "clique"
    kind: ClassVar[str] = "partition"
    instances: ClassVar[str] = "exact"
    backends: ClassVar[tuple[str, ...]] = ()

    witness: CliqueWitness

    def run(self, instance: PartitionInstance, options: SolveOptions, clock: Clock, progress: Progress) -> Answer:
        progress("check")
        certificate = clique_certificate(instance, self.witness)
        answer = Answer(status=AnswerStatus.INFEASIBLE, certificate=certificate, stats={"strategy": self.name})
        if options.all is not None:  # no solution at all: the count (0) is exact by the same certificate
            answer = answer.model_copy(update={"solutions": [], "count_exact": True})
        return answer
