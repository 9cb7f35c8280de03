"""Genuine answers of every status and kind, made by the real solve paths on instances tiny enough for brute force.

Each entry is what a user would hand to `latentsat check`: the instance (or a reduction's map) and the answer, as
JSON. The forgery fuzzer (tests/test_forgery_fuzzer.py) mutates them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from problems.answers import SolveOptions
from problems.generate import planted_partition
from problems.partition import PartitionInstance
from reductions.wire import lift_json, reduce_json
from solvers.pipeline import solve, solve_json


@dataclass(frozen=True)
class Genuine:
    """One genuine (instance, answer): `kind` is partition, lsa or lifted (then `instance` is the reduction map)."""

    name: str
    kind: str
    instance: dict[str, Any]
    answer: dict[str, Any]


def _partition(name: str, instance: PartitionInstance, **options: Any) -> Genuine:
    answer = solve(instance, SolveOptions(**{"time_limit": 30, **options})).model_dump(mode="json")
    return Genuine(name, "partition", instance.to_json_dict(), answer)


def _squeezed(instance: PartitionInstance, budgets: list[int], max_violations: int | str = 0) -> PartitionInstance:
    return PartitionInstance.from_arrays(
        instance.sizes, budgets, instance.tokens, instance.raw_labels, max_violations=max_violations
    )


def partition_answers() -> list[Genuine]:
    base, _ = planted_partition(2, 5, 2, 2, n_samples=14, seed=3)  # unique; optimum 1 with budgets (1, 2)
    loose, _ = planted_partition(2, 5, 2, 2, n_samples=6, seed=0)  # not unique
    pigeonhole = PartitionInstance.from_arrays([3, 3], [1, 2], np.array([[0, 0], [1, 1], [2, 2], [0, 1]]), [1, 2, 3, 4])
    triangle = np.array([[0, 0], [1, 0], [0, 1], [2, 1], [1, 2], [2, 2]])  # group 0: 3 tokens pairwise forced apart
    clique = PartitionInstance.from_arrays([3, 3], [2, 3], triangle, [0, 1, 0, 1, 0, 1])
    return [
        _partition("solved", base),
        _partition("unique (direct CNF)", base, unique=True, backend="pysat"),
        _partition("unique (fast CNF)", base, unique=True, backend="fast"),
        _partition("solved with an alternative", loose, unique=True),
        _partition("infeasible (drup)", _squeezed(base, [1, 2]), backend="pysat"),
        _partition("infeasible (fast drup)", _squeezed(base, [1, 2]), backend="fast"),
        _partition("infeasible (pigeonhole)", pigeonhole),
        _partition("infeasible (clique)", clique),
        _partition("infeasible (clique, all)", clique, all=5),
        _partition("all: count exact (fast CNF)", loose, all=50),
        _partition("all: count exact (direct CNF)", loose, all=50, backend="pysat"),
        _partition("all: more than 2 exist", loose, all=2),
        _partition("all: unique", base, all=3),
        _partition("all: infeasible (drup)", _squeezed(base, [1, 2]), all=3, backend="pysat"),
        _partition("infeasible (noisy, drup)", _squeezed(base, [1, 1], max_violations=2), backend="pysat"),
        _partition("optimal (drup)", _squeezed(base, [1, 2], max_violations="minimize"), backend="pysat"),
        _partition("optimal (0 violations)", _squeezed(base, [2, 2], max_violations="minimize"), backend="pysat"),
        _partition("solved (noisy)", _squeezed(base, [1, 2], max_violations=3), backend="pysat"),
        _partition("unknown (partial)", _squeezed(base, [1, 2]), backend="gradient", solver="mlp:steps=30"),
        _partition("unknown (no answer)", base, time_limit=1e-4),
        _partition("optimal (noisy, violation-bound)", _squeezed(base, [1, 1], "minimize"), backend="noisy"),
        _partition("infeasible (noisy, violation-bound)", _squeezed(base, [1, 1], 2), backend="noisy"),
        _unchecked("unknown (refutation kept unchecked)", _squeezed(base, [1, 2])),
    ]


def _unchecked(name: str, instance: PartitionInstance) -> Genuine:
    """The answer of a solve whose proof check ran out of time (solvers/claims.py keeps the proof for `check`)."""
    from unittest.mock import patch

    with patch("solvers.certify.check_within", lambda formula, proof, checker, seconds: (None, checker)):
        genuine = _partition(name, instance, backend="pysat")
    assert genuine.answer["status"] == "unknown" and genuine.answer["certificate"]["kind"] == "drup"
    return genuine


def _lsa(name: str, data: dict[str, Any], **options: Any) -> Genuine:
    answer = solve_json(data, SolveOptions(**{"time_limit": 60, **options})).model_dump(mode="json")
    return Genuine(name, "lsa", data, answer)


def lsa_answers() -> list[Genuine]:
    planted = {"kind": "lsa", "d": 1, "x": [["1"], ["3"], ["2"]], "mode": "exact-grid", "grid": [-2, -1, 0, 1, 2]}
    moved = {**planted, "x": [["2"], ["6"], ["3"]]}
    real = {"kind": "lsa", "d": 1, "x": [["2"], ["5"], ["3"]], "mode": "real", "box": [-4, 4], "bits": 4}
    markov = {"kind": "lsa", "d": 1, "markov": {"n": 100}}
    return [
        _lsa("lsa exact-grid solved", planted),
        _lsa("lsa exact-grid infeasible", moved),
        _lsa("lsa real solved (MILP)", real, backend="mathopt", solver="highs"),
        _lsa("lsa real solved (surds)", {**markov, "mode": "real"}, backend="structure"),
        _lsa("lsa best-fit optimal", {**markov, "mode": "best-fit"}),
        _lsa("lsa best-fit solved", {**markov, "d": 2, "mode": "best-fit"}),
        _lsa("lsa unknown", {**real, "x": [["2"], ["6"], ["3"]]}, backend="gradient"),
    ]


def _lifted(name: str, reduction: str, source: dict[str, Any]) -> Genuine:
    from problems.partition import instance_from_dict

    reduced = reduce_json(reduction, source)
    answer = solve(instance_from_dict(reduced["target"]), SolveOptions(time_limit=30)).model_dump(mode="json")
    return Genuine(name, "lifted", reduced["map"], lift_json(reduction, reduced["map"]["source"], answer))


def _lifted_planes(name: str, source: dict[str, Any]) -> Genuine:
    """R3: the separating planes, decided exactly, mapped forward to b and A and lifted back."""
    from problems.separability import decide_separability, separability_from_dict
    from reductions.separability_to_bilinear import SeparabilityToBilinear
    from reductions.wire import bilinear_solution_json

    instance = separability_from_dict(source)
    planes = decide_separability(instance)
    assert planes is not None
    reduction = SeparabilityToBilinear()
    reduction.forward(instance)
    target_solution = bilinear_solution_json(reduction.forward_solution(planes))
    reduced = reduce_json("R3", source)
    return Genuine(name, "lifted", reduced["map"], lift_json("R3", reduced["map"]["source"], target_solution))


def lifted_answers() -> list[Genuine]:
    path = {"kind": "colouring", "n": 4, "edges": [[0, 1], [1, 2], [2, 3]], "k": 3}
    clique = {"kind": "colouring", "n": 4, "edges": [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]], "k": 3}
    formula = {"kind": "cnf", "n_vars": 2, "clauses": [[1, 2], [-1, 2]]}
    separable = {"kind": "separability", "dim": 1, "positive": [[0]], "negative": [[2], [-2]]}
    return [
        _lifted("R1 solved (colouring)", "R1", path),
        _lifted("R1 infeasible (K4, 3 colours)", "R1", clique),
        _lifted("R1R2 solved (assignment)", "R1R2", formula),
        _lifted_planes("R3 solved (planes)", separable),
    ]


@functools.cache
def corpus() -> tuple[Genuine, ...]:
    return (*partition_answers(), *lsa_answers(), *lifted_answers())
