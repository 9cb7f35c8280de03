"""The pigeonhole short-cut: more distinct labels than cells makes an exact instance infeasible by counting.

The samples themselves are the certificate (ΠK_i + 1 of them with pairwise different labels); a DRUP refutation of
this pigeonhole principle would be exponentially long. No backend runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from problems.answers import Answer, AnswerStatus, Certificate, SolveOptions
from problems.partition import PartitionInstance
from solvers.certify import pigeonhole_certificate
from solvers.run import Clock, Progress


@dataclass(frozen=True)
class ShortCut:
    """An exact instance answered `infeasible` from a witness in the samples, with no backend: a subclass names
    itself and turns its witness into a checked certificate (`certify`)."""

    name: ClassVar[str]
    kind: ClassVar[str] = "partition"
    instances: ClassVar[str] = "exact"
    backends: ClassVar[tuple[str, ...]] = ()

    def certify(self, instance: PartitionInstance) -> Certificate:
        raise NotImplementedError

    def run(self, instance: PartitionInstance, options: SolveOptions, clock: Clock, progress: Progress) -> Answer:
        progress("check")
        certificate = self.certify(instance)
        answer = Answer(status=AnswerStatus.INFEASIBLE, certificate=certificate, stats={"strategy": self.name})
        if options.all is not None:  # no solution at all: the count (0) is exact by the same certificate
            answer = answer.model_copy(update={"solutions": [], "count_exact": True})
        return answer


@dataclass(frozen=True)
class PigeonholeStrategy(ShortCut):
    """Answer `infeasible` from `witness`, the indices of ΠK_i + 1 samples with pairwise different labels."""

    name: ClassVar[str] = "pigeonhole"

    witness: list[int]

    def certify(self, instance: PartitionInstance) -> Certificate:
        return pigeonhole_certificate(instance, self.witness)
