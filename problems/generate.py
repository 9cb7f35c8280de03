"""Planted partition instances: random class maps, an identifiable table g, and uniform samples (SPEC §1)."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from problems.cells import sample_cells
from problems.errors import InvalidOptions
from problems.limits import check_partition_size
from problems.partition import PartitionInstance

MAX_TABLE_DRAWS = 1000


@dataclass(frozen=True)
class PlantedTruth:
    """The hidden structure: canonical class maps, the full table g (every cell set), and the indices of the
    samples whose label noise changed (they are the samples the planted partition violates)."""

    classes: list[list[int]]
    table: dict[tuple[int, ...], Any]
    flipped: list[int] = field(default_factory=list)


def planted_partition(
    groups: int,
    size: int | list[int],
    classes: int | list[int],
    labels: int | Literal["generic"] = 2,
    n_samples: int | None = None,
    factor: float | None = None,
    seed: int = 0,
    noise: float = 0.0,
) -> tuple[PartitionInstance, PlantedTruth]:
    """Draw a planted instance; give `n_samples`, or `factor` c for n = ceil(c · N ln N) with N = max N_i.

    With `noise` ε > 0, each sample's label is replaced, with probability ε, by another value of the alphabet
    (uniform over the others; with `generic` labels, over the other cells' values). The noise is drawn after
    everything else, so the instance at ε = 0 is the one without the argument.
    Raises `InvalidOptions` naming the parameter; `InstanceTooLarge` when the instance would exceed the limits in
    force (checked before anything is drawn).

    >>> inst, truth = planted_partition(groups=2, size=6, classes=2, labels=2, n_samples=30, seed=1)
    >>> inst.n_samples, inst.sizes, len(truth.classes[0])
    (30, (6, 6), 6)
    """
    if groups < 1:
        raise InvalidOptions(f"groups must be >= 1, got {groups}", "groups")
    sizes = _per_group(size, groups, "size")
    budgets = _per_group(classes, groups, "classes")
    for i, (n, k) in enumerate(zip(sizes, budgets, strict=True)):
        if k > n:
            raise InvalidOptions(f"group {i}: {k} classes cannot all be non-empty with {n} tokens", "classes")
    n_samples = _sample_count(n_samples, factor, max(sizes))
    check_partition_size(sizes, budgets, n_samples)
    rng = np.random.default_rng(seed)
    class_maps = [_nonempty_classes(rng, n, k) for n, k in zip(sizes, budgets, strict=True)]
    table = _identifiable_table(rng, budgets, labels)
    tokens = np.column_stack([rng.integers(0, n, size=n_samples) for n in sizes]).astype(np.int64)
    flat = sample_cells(tokens, class_maps, budgets)
    sample_labels = table.reshape(-1)[flat]
    flipped = _flip_labels(rng, sample_labels, _alphabet(table, labels), noise)
    instance = PartitionInstance.from_arrays(sizes, budgets, tokens, sample_labels)
    truth_table = {cell: _plain(table[cell]) for cell in itertools.product(*(range(k) for k in budgets))}
    canonical = [_canonical(c) for c in class_maps]
    return instance, PlantedTruth(canonical, _relabel_table(truth_table, class_maps), flipped.tolist())


def _alphabet(table: np.ndarray, labels: int | str) -> np.ndarray:
    """The values a flipped label may take: the alphabet 0..V-1, or every cell's value under `generic`."""
    return np.unique(table) if labels == "generic" else np.arange(int(labels))


def _flip_labels(rng: np.random.Generator, sample_labels: np.ndarray, alphabet: np.ndarray, noise: float) -> np.ndarray:
    """Replace each label, with probability `noise`, by another alphabet value (in place); the flipped indices."""
    if not 0.0 <= noise <= 1.0:
        raise ValueError(f"noise must be a probability in [0, 1], got {noise!r}")
    if noise == 0.0 or alphabet.size < 2:
        return np.empty(0, dtype=np.int64)
    flipped = np.flatnonzero(rng.random(sample_labels.size) < noise)
    position = np.searchsorted(alphabet, sample_labels[flipped])
    shift = rng.integers(1, alphabet.size, size=flipped.size)  # 1..V-1 steps round the alphabet: never the same
    sample_labels[flipped] = alphabet[(position + shift) % alphabet.size]
    return flipped


def _per_group(value: int | list[int], groups: int, name: str) -> list[int]:
    values = [value] * groups if isinstance(value, int) else list(value)
    if len(values) != groups or any(v < 1 for v in values):
        raise InvalidOptions(f"{name} must be >= 1, one value or one per group ({groups}), got {value!r}", name)
    return values


def _sample_count(n_samples: int | None, factor: float | None, size: int) -> int:
    if (n_samples is None) == (factor is None):
        raise InvalidOptions("give exactly one of n_samples and factor", "samples")
    if n_samples is None:
        assert factor is not None
        if not (math.isfinite(factor) and factor > 0):
            raise InvalidOptions(f"factor must be a finite number > 0, got {factor}", "factor")
        n_samples = math.ceil(factor * size * math.log(max(size, 2)))
    if n_samples < 1:
        raise InvalidOptions(f"n_samples must be >= 1, got {n_samples}", "samples")
    return n_samples


def _nonempty_classes(rng: np.random.Generator, size: int, budget: int) -> np.ndarray:
    """A class map with every class used: a random k tokens seed the k classes, the rest are uniform."""
    classes = rng.integers(0, budget, size=size)
    seeds = rng.permutation(size)[:budget]
    classes[seeds] = np.arange(budget)
    return classes.astype(np.int64)


def _identifiable_table(rng: np.random.Generator, budgets: list[int], labels: int | str) -> np.ndarray:
    """A full table g in which no two classes of one group have identical slices (so no merge explains it)."""
    shape = tuple(budgets)
    if labels == "generic":
        return rng.permutation(int(np.prod(shape))).reshape(shape).astype(np.float64) / 8 + 0.5
    if not isinstance(labels, int) or labels < 1:
        raise InvalidOptions(f"labels must be an alphabet size >= 1 or 'generic', got {labels!r}", "labels")
    for _ in range(MAX_TABLE_DRAWS):
        table = rng.integers(0, labels, size=shape)
        if _is_identifiable(table):
            return table
    raise InvalidOptions(f"no identifiable table with {labels} labels on classes {budgets}; use more labels", "labels")


def _is_identifiable(table: np.ndarray) -> bool:
    for axis in range(table.ndim):
        slices = {np.take(table, k, axis=axis).tobytes() for k in range(table.shape[axis])}
        if len(slices) < table.shape[axis]:
            return False
    return True


def _canonical(classes: np.ndarray) -> list[int]:
    relabel: dict[int, int] = {}
    return [relabel.setdefault(int(k), len(relabel)) for k in classes]


def _relabel_table(table: dict[tuple[int, ...], Any], class_maps: list[np.ndarray]) -> dict[tuple[int, ...], Any]:
    maps = []
    for classes in class_maps:
        relabel: dict[int, int] = {}
        for k in classes:
            relabel.setdefault(int(k), len(relabel))
        maps.append(relabel)
    return {tuple(maps[i][k] for i, k in enumerate(cell)): v for cell, v in table.items()}


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
