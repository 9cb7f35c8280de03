"""Planted instances are recovered exactly (up to relabelling) and certified unique where they are unique."""

from __future__ import annotations

import numpy as np
import pytest

from problems.answers import AnswerStatus, SolveOptions
from problems.generate import planted_partition
from problems.verify import constrained_mask
from solvers.pipeline import solve


def agrees_on_constrained(instance: object, found: list[list[int]], planted: list[list[int]]) -> bool:
    masks = constrained_mask(instance)  # type: ignore[arg-type]
    return all(
        np.array_equal(np.asarray(f)[m], np.asarray(p)[m]) for f, p, m in zip(found, planted, masks, strict=True)
    )


@pytest.mark.parametrize(
    ("groups", "size", "classes", "labels", "factor", "backend"),
    [
        (3, 100, 2, 2, 4.0, "pysat"),
        (3, 100, 3, 2, 8.0, "pysat"),
        (2, 1000, 3, "generic", 1.0, "pysat"),
        (3, 100, 2, 2, 4.0, "cpsat"),
    ],
)
def test_planted_partition_is_recovered_and_unique(
    groups: int, size: int, classes: int, labels: int | str, factor: float, backend: str
) -> None:
    instance, truth = planted_partition(groups, size, classes, labels, factor=factor, seed=1)  # type: ignore[arg-type]
    answer = solve(instance, SolveOptions(backend=backend, unique=True, time_limit=120))
    assert answer.status is AnswerStatus.UNIQUE, answer.stats
    assert answer.classes is not None
    assert agrees_on_constrained(instance, answer.classes, truth.classes)
    assert answer.certificate is not None and answer.certificate.checked and answer.certificate.kind == "drup"
    assert answer.violations == 0


def test_unconstrained_tokens_are_listed_not_hidden() -> None:
    instance, _ = planted_partition(2, 50, 2, 2, n_samples=20, seed=2)
    answer = solve(instance, SolveOptions())
    assert answer.unconstrained is not None and answer.classes is not None
    for i, free in enumerate(answer.unconstrained):
        used = set(instance.tokens[:, i].tolist())
        assert set(free) == set(range(instance.sizes[i])) - used
        assert all(answer.classes[i][t] == 0 for t in free)


def test_time_limit_gives_unknown_not_an_error() -> None:
    instance, _ = planted_partition(3, 400, 3, 2, factor=2.0, seed=1)
    answer = solve(instance, SolveOptions(time_limit=1.0, unique=True))
    assert answer.status in (AnswerStatus.UNKNOWN, AnswerStatus.SOLVED, AnswerStatus.UNIQUE)
    assert answer.stats["wall_s"] < 4.0  # encoding is not interruptible: it may overrun a 1 s limit
