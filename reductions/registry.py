"""The registry of every reduction and encoding: name, version, source kind, target kind, and a factory.

Hardness reductions have short aliases (R1, R2, R1R2, R3) as in SPEC §1–2 and docs/reductions.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from problems.errors import UnknownKind
from reductions.base import Reduction, compose


@dataclass(frozen=True)
class ReductionEntry:
    """One registered map: `build()` returns a fresh per-instance reduction object."""

    name: str
    version: str
    source: str
    target: str
    build: Callable[[], Reduction]
    alias: str | None = None
    summary: str = ""


def _three_sat_to_partition() -> Reduction:
    from reductions.colouring_to_partition import ColouringToPartition
    from reductions.three_sat_to_colouring import ThreeSatToColouring

    return compose(ThreeSatToColouring(), ColouringToPartition())


def registry() -> list[ReductionEntry]:
    """Every reduction, in a fixed order (encodings first, then the hardness reductions)."""
    from reductions.colouring_to_cnf import ColouringToCnf
    from reductions.colouring_to_partition import ColouringToPartition
    from reductions.partition_to_cnf import PartitionToCnf, PartitionToMaxSat
    from reductions.partition_to_cpsat import PartitionToCpSat
    from reductions.separability_to_bilinear import SeparabilityToBilinear
    from reductions.three_sat_to_colouring import ThreeSatToColouring

    def entry(cls: type, source: str, target: str, alias: str | None, summary: str) -> ReductionEntry:
        return ReductionEntry(cls.name, cls.version, source, target, cls, alias, summary)

    composed = _three_sat_to_partition()
    return [
        entry(PartitionToCnf, "partition", "cnf", None, "direct SAT encoding (SPEC §1)"),
        entry(PartitionToMaxSat, "partition", "wcnf", None, "noisy recovery as weighted partial MaxSAT"),
        entry(PartitionToCpSat, "partition", "cpsat", None, "CP-SAT model with element constraints"),
        entry(ColouringToCnf, "colouring", "cnf", None, "direct SAT encoding of k-colouring"),
        entry(ColouringToPartition, "colouring", "partition", "R1", "K-colouring → partition recovery, I = 2"),
        entry(ThreeSatToColouring, "cnf", "colouring", "R2", "3-SAT → 3-colouring (textbook gadgets)"),
        ReductionEntry(composed.name, composed.version, "cnf", "partition", _three_sat_to_partition, "R1R2", "R1 ∘ R2"),
        entry(SeparabilityToBilinear, "separability", "bilinear", "R3", "two-plane separability → Problem C.10"),
    ]


def get_reduction(name: str) -> ReductionEntry:
    """The entry registered under `name` or its alias (case-insensitive for aliases)."""
    for item in registry():
        if name == item.name or (item.alias is not None and name.upper() == item.alias):
            return item
    known = ", ".join(item.alias or item.name for item in registry())
    raise UnknownKind(f"no reduction {name!r}; known: {known}", "reduction")
