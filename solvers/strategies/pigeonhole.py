"""The pigeonhole short-cut: more distinct labels than cells makes an exact instance infeasible by counting.

The samples themselves are the certificate (ΠK_i + 1 of them with pairwise different labels); a DRUP refutation of
this pigeonhole principle would be exponentially long. No backend runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from problems.answers import Answer, AnswerStatus, SolveOptions
from problems.partition import PartitionInstance
from solvers.certify import pigeonhole_certificate
from solvers.run import Clock, Progress


@dataclass(frozen=True)
class PigeonholeStrategy:
    """Answer `infeasible` from `witness`, the indices of ΠK_i + 1 samples with pairwise different labels."""

    name: ClassVar[str] = "pigeonhole"
    kind: ClassVar[str] = "partition"
    instances: ClassVar[str] = "exact"
    backends: ClassVar[tuple[str, ...]] = ()

    witness: list[int]

    def run(self, instance: PartitionInstance, options: SolveOptions, clock: Clock, progress: Progress) -> Answer:
        progress("check")
        certificate = pigeonhole_certificate(instance, self.witness)
        answer = Answer(status=AnswerStatus.INFEASIBLE, certificate=certificate, stats={"strategy": self.name})
        if options.all is not None:  # no solution at all: the count (0) is exact by the same certificate
            answer = answer.model_copy(update={"solutions": [], "count_exact": True})
        return answer
