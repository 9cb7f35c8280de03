"""Encoders stop at a deadline (a `time.perf_counter()` value) and change nothing when it never comes."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings

from problems.errors import TimeLimitReached
from problems.generate import planted_partition
from problems.partition import PartitionInstance
from reductions.partition_to_cnf import PartitionToCnf, PartitionToMaxSat
from reductions.partition_to_cpsat import PartitionToCpSat
from reductions.partition_to_fast_cnf import PartitionToFastCnf
from tests.strategies import tiny_partition_instances

PASSED = 0.0  # a perf_counter value long gone
FAR = 1e12  # one that never comes


@pytest.fixture(scope="module")
def noisy() -> PartitionInstance:
    instance, _ = planted_partition(2, 6, 2, 2, n_samples=30, seed=2)
    return PartitionInstance.from_arrays(instance.sizes, instance.budgets, instance.tokens, instance.raw_labels, 2)


def cnf_of(encoder: PartitionToCnf, instance: PartitionInstance) -> tuple[int, list[list[int]]]:
    cnf = encoder.forward(instance)
    return cnf.nv, cnf.clauses


@settings(max_examples=60)
@given(instance=tiny_partition_instances())
def test_a_deadline_that_never_comes_changes_no_encoding(instance: PartitionInstance) -> None:
    """`check` regenerates CNFs without a deadline: the checks must not change a single clause."""
    assert cnf_of(PartitionToCnf(FAR), instance) == cnf_of(PartitionToCnf(), instance)
    fast, plain = PartitionToFastCnf(FAR), PartitionToFastCnf()
    assert fast.forward(instance).clauses == plain.forward(instance).clauses
    assert str(PartitionToCpSat(FAR).forward(instance).proto) == str(PartitionToCpSat().forward(instance).proto)


@pytest.mark.parametrize("make", [PartitionToCnf, PartitionToMaxSat, PartitionToCpSat, PartitionToFastCnf])
def test_every_encoder_stops_at_a_passed_deadline(make: Any, noisy: PartitionInstance) -> None:
    with pytest.raises(TimeLimitReached, match="ran out during encoding"):
        make(PASSED).forward(noisy)


def test_the_optimality_cnf_stops_at_a_passed_deadline(noisy: PartitionInstance) -> None:
    encoder = PartitionToMaxSat()
    encoder.forward(noisy)
    encoder.deadline = PASSED
    with pytest.raises(TimeLimitReached):
        encoder.optimality_cnf(1)
