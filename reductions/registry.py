"""The registry of every reduction and encoding: name, version, source kind, target kind, and a factory.

It is the only list: the strategies find their encodings here (by source and target kind), `check` regenerates a
certificate's CNF from the encoder it names, and the API lists it. Encodings come first, in preference order (for
one source and target, the first entry is the default); then the hardness reductions, with short aliases (R1, R2,
R1R2, R3) as in SPEC §1–2 and docs/reductions.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from problems.errors import UnknownKind
from reductions.base import Reduction, compose


@dataclass(frozen=True)
class ReductionEntry:
    """One registered map. `factory(deadline)` (encodings) or `factory()` (hardness reductions) returns a fresh
    per-instance reduction object; `encode` runs it once."""

    name: str
    version: str
    source: str
    target: str
    factory: Callable[..., Reduction]
    alias: str | None = None
    summary: str = ""
    timed: bool = False  # the factory takes a deadline (a `time.perf_counter()` value) and forward stops there

    def build(self, deadline: float | None = None) -> Any:
        """A fresh reduction object; an encoding stops at `deadline` (`TimeLimitReached`)."""
        return self.factory(deadline) if self.timed else self.factory()

    def encode(self, source: Any, deadline: float | None = None) -> tuple[Any, Any]:
        """(target, variable map): the map is the reduction object that built the target; its `backward`,
        `blocking_clause`, `var_map` read it."""
        reduction = self.build(deadline)
        return reduction.forward(source), reduction


def _three_sat_to_partition() -> Reduction:
    from reductions.colouring_to_partition import ColouringToPartition
    from reductions.three_sat_to_colouring import ThreeSatToColouring

    return compose(ThreeSatToColouring(), ColouringToPartition())


PART_SUMMARY = "samples S, bound b: UNSAT iff every partition violates ≥ b of S (`forward_part`; docs/noisy.md)"


def registry() -> list[ReductionEntry]:
    """Every reduction and encoding, in a fixed order (encodings first, then the hardness reductions)."""
    from reductions.bilinear_to_cnf import BilinearToCnf
    from reductions.bilinear_to_cpsat import BilinearToCpSat
    from reductions.bilinear_to_milp import BilinearToMilp
    from reductions.colouring_to_cnf import ColouringToCnf
    from reductions.colouring_to_partition import ColouringToPartition
    from reductions.partition_part_to_cnf import PartitionPartToCnf
    from reductions.partition_to_cnf import PartitionToCnf, PartitionToMaxSat
    from reductions.partition_to_cpsat import PartitionToCpSat
    from reductions.partition_to_fast_cnf import PartitionToFastCnf, PartitionToImpliedCnf
    from reductions.partition_to_quotient import PartitionToQuotient
    from reductions.partition_to_samples import PartitionToSamples
    from reductions.separability_to_bilinear import SeparabilityToBilinear
    from reductions.three_sat_to_colouring import ThreeSatToColouring

    def entry(
        cls: type, source: str, target: str, summary: str, alias: str | None = None, timed: bool = False
    ) -> ReductionEntry:
        return ReductionEntry(cls.name, cls.version, source, target, cls, alias, summary, timed)

    composed = _three_sat_to_partition()
    return [
        entry(PartitionToCnf, "partition", "cnf", "direct SAT encoding (SPEC §1)", timed=True),
        entry(PartitionToMaxSat, "partition", "wcnf", "noisy recovery as weighted partial MaxSAT", timed=True),
        entry(PartitionToCpSat, "partition", "cpsat", "CP-SAT model with element constraints", timed=True),
        entry(PartitionToSamples, "partition", "samples", "the samples as arrays, for learners"),
        entry(PartitionToFastCnf, "partition", "cnf", "forced merges, then the direct CNF + implied", timed=True),
        entry(PartitionToImpliedCnf, "partition", "cnf", "direct CNF + clauses implied by label conflicts", timed=True),
        entry(PartitionToQuotient, "partition", "partition", "forced merges (pigeonhole on the table)"),
        entry(PartitionPartToCnf, "partition-part", "cnf", PART_SUMMARY, timed=True),
        entry(BilinearToCnf, "grid-bilinear", "cnf", "one-hot CNF of the grid bilinear problem (docs/lsa.md)"),
        entry(BilinearToCpSat, "grid-bilinear", "cpsat", "CP-SAT products of the grid bilinear problem"),
        entry(BilinearToMilp, "box-bilinear", "mathopt", "MILP: b in binary over a dyadic grid, exact products"),
        entry(ColouringToCnf, "colouring", "cnf", "direct SAT encoding of k-colouring"),
        entry(ColouringToPartition, "colouring", "partition", "K-colouring → partition recovery, I = 2", "R1"),
        entry(ThreeSatToColouring, "cnf", "colouring", "3-SAT → 3-colouring (textbook gadgets)", "R2"),
        ReductionEntry(composed.name, composed.version, "cnf", "partition", _three_sat_to_partition, "R1R2", "R1 ∘ R2"),
        entry(SeparabilityToBilinear, "separability", "bilinear", "two-plane separability → Problem C.10", "R3"),
    ]


def get_reduction(name: str) -> ReductionEntry:
    """The entry registered under `name` or its alias (case-insensitive for aliases)."""
    for item in registry():
        if name == item.name or (item.alias is not None and name.upper() == item.alias):
            return item
    known = ", ".join(item.alias or item.name for item in registry())
    raise UnknownKind(f"no reduction {name!r}; known: {known}", "reduction")


def find_encoding(source: str, targets: frozenset[str] | set[str]) -> ReductionEntry:
    """The preferred encoding of a `source` kind into one of `targets` (the first registered that fits)."""
    for item in registry():
        if item.source == source and item.target in targets and item.source != item.target:
            return item
    raise UnknownKind(f"no encoding of {source!r} into any of {sorted(targets)}", "options.backend")


def encoding_targets(source: str) -> frozenset[str]:
    """Every target kind some registered encoding of `source` produces."""
    return frozenset(item.target for item in registry() if item.source == source and item.target != source)
