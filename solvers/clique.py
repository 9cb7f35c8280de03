"""Infeasible at once: a clique of K_i + 1 tokens that every solution must put in pairwise different classes.

Each edge of the clique is a pair of samples that agree on every group but i and differ in label
(`problems.must_differ`); K_i classes cannot hold K_i + 1 pairwise different tokens. The certificate lists the
tokens and, per edge, its two samples; `check_clique_certificate` re-checks each edge against the raw samples
(O(K_i²) work, no solver). Proof: docs/fast_solver.md, section 2.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from problems.answers import Certificate
from problems.errors import VerificationFailed
from problems.must_differ import is_must_differ_witness, largest_clique, must_differ_pairs
from problems.partition import PartitionInstance
from reductions.partition_to_quotient import merges_are_forced

MAX_SAMPLES = 20_000_000  # beyond this the linear scan (a sort per group) is left to the encoders


@dataclass(frozen=True)
class CliqueWitness:
    """K_group + 1 tokens of `group` and, per pair in `itertools.combinations` order, the two samples behind it."""

    group: int
    tokens: list[int]
    sample_pairs: list[list[int]]


def clique_witness(instance: PartitionInstance) -> CliqueWitness | None:
    """A must-differ clique of K_i + 1 tokens in some group, or None (exact instances only).

    Skipped when the forced merges apply (there the quotient CNF is tiny and refutes what a clique would).

    >>> import numpy as np
    >>> tokens = np.asarray([[0, 0], [1, 0], [0, 1], [2, 1], [1, 2], [2, 2]])
    >>> inst = PartitionInstance.from_arrays([3, 3], [2, 3], tokens, [0, 1, 0, 1, 0, 1])
    >>> clique_witness(inst)
    CliqueWitness(group=0, tokens=[0, 1, 2], sample_pairs=[[0, 1], [2, 3], [4, 5]])
    """
    if instance.max_violations != 0 or instance.n_samples > MAX_SAMPLES or merges_are_forced(instance):
        return None
    for group, budget in enumerate(instance.budgets):
        pairs = must_differ_pairs(instance, group)
        clique = largest_clique(pairs, budget + 1)
        if len(clique) > budget:
            witness = {
                (a, b): [first, second]
                for a, b, first, second in zip(
                    pairs.a.tolist(), pairs.b.tolist(), pairs.first_sample.tolist(), pairs.second_sample.tolist(),
                    strict=True,
                )
            }  # fmt: skip
            edges = [witness[(min(a, b), max(a, b))] for a, b in itertools.combinations(clique, 2)]
            return CliqueWitness(group, clique, edges)
    return None


def clique_certificate(instance: PartitionInstance, witness: CliqueWitness) -> Certificate:
    """The `clique` certificate of `witness`, checked here by the code `latentsat check` runs (a witness that
    fails is our bug)."""
    budget = instance.budgets[witness.group]
    certificate = Certificate(
        kind="clique",
        checked=False,
        claim=f"these {budget + 1} tokens of group {witness.group} must lie in pairwise different classes, "
        f"but the group has {budget}",
        instance_sha256=instance.sha256,
        group=witness.group,
        tokens=witness.tokens,
        sample_pairs=witness.sample_pairs,
    )
    reason = clique_rejection(instance, certificate)
    if reason is not None:
        raise VerificationFailed(f"the must-differ clique does not check: {reason}")
    certificate.checked = True
    return certificate


def clique_rejection(instance: PartitionInstance, certificate: Any) -> str | None:
    """Why a clique certificate does not refute `instance` (None: it does), from the raw samples alone: exact
    recovery, this instance's hash, K_group + 1 distinct tokens of a valid group, and per token pair (in
    `itertools.combinations` order) two samples that hold exactly those two tokens in `group`, agree on every other
    group, and differ in label."""
    if certificate.instance_sha256 != instance.sha256:
        return "instance_sha256 is not this instance's hash"
    if instance.max_violations != 0:
        return "a clique refutes exact recovery only (max_violations 0)"
    group, tokens, pairs = certificate.group, certificate.tokens or [], certificate.sample_pairs or []
    if type(group) is not int or not 0 <= group < instance.n_groups:
        return "clique rejected: no valid group"
    if len(tokens) != instance.budgets[group] + 1 or len(set(tokens)) != len(tokens):
        return f"clique rejected: it needs {instance.budgets[group] + 1} distinct tokens of group {group}"
    edges = list(itertools.combinations(tokens, 2))
    if len(pairs) != len(edges):
        return f"clique rejected: {len(edges)} token pairs need as many sample pairs"
    for (a, b), pair in zip(edges, pairs, strict=True):
        if len(pair) != 2 or not is_must_differ_witness(instance, group, pair[0], pair[1]):
            return f"clique rejected: samples {pair} do not force two tokens of group {group} apart"
        if {int(instance.tokens[pair[0], group]), int(instance.tokens[pair[1], group])} != {a, b}:
            return f"clique rejected: samples {pair} hold other tokens than {a} and {b}"
    return None
