"""`all: M`: up to M verified solutions, distinct up to relabelling, a checked proof when the count is exact."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from typer.testing import CliRunner

from latentsat.cli import app
from problems.answers import Answer, AnswerStatus, SolveOptions
from problems.brute_force import brute_force
from problems.errors import InvalidOptions
from problems.generate import planted_partition
from problems.partition import PartitionInstance
from problems.solution_set import ambiguous_tokens
from problems.verify import canonical_classes, constrained_mask
from solvers.certificates import check_answer
from solvers.pipeline import solve
from tests.strategies import tiny_partition_instances

LOTS = 10_000


@pytest.mark.parametrize("backend", ["fast", "pysat"])
@settings(max_examples=150)
@given(instance=tiny_partition_instances(max_groups=3, max_size=4, max_classes=2, max_samples=8))
def test_all_solutions_match_brute_force(backend: str, instance: PartitionInstance) -> None:
    truth = brute_force(instance).solutions
    answer = solve(instance, SolveOptions(backend=backend, all=LOTS, time_limit=30))
    assert check_answer(instance, answer).ok
    if not truth:
        assert answer.status is AnswerStatus.INFEASIBLE
        return
    masks = constrained_mask(instance)
    listed = {tuple(tuple(g) for g in canonical_classes(s, masks)) for s in answer.solutions or []}
    assert listed == set(truth) and len(answer.solutions or []) == len(truth)
    assert answer.count_exact is True and answer.certificate is not None and answer.certificate.checked
    assert answer.status is (AnswerStatus.UNIQUE if len(truth) == 1 else AnswerStatus.SOLVED)
    assert answer.ambiguous == ambiguous_tokens(masks, answer.solutions or [])


def _many_solutions() -> PartitionInstance:
    instance, _ = planted_partition(3, 8, 2, 2, factor=1.5, seed=1)  # 31 solutions (brute force)
    return instance


def test_fewer_wanted_than_exist_lists_that_many_without_a_count_proof() -> None:
    instance = _many_solutions()
    answer = solve(instance, SolveOptions(all=5, time_limit=30))
    assert answer.status is AnswerStatus.SOLVED and len(answer.solutions or []) == 5
    assert answer.count_exact is False and answer.message and "more than 5" in answer.message
    assert answer.alternative == (answer.solutions or [])[1]
    assert check_answer(instance, answer).ok


def test_exactly_as_many_as_exist_is_proven_exact() -> None:
    instance = _many_solutions()
    answer = solve(instance, SolveOptions(all=31, time_limit=30))
    assert len(answer.solutions or []) == 31 and answer.count_exact is True
    assert check_answer(instance, answer).ok


def _tampered(answer: Answer) -> dict[str, Answer]:
    solutions = answer.solutions or []
    masks_free = {"ambiguous": None}  # so that a changed list is judged by the proof, not by `ambiguous`
    return {
        "one solution dropped": answer.model_copy(update={"solutions": solutions[:-1], **masks_free}),
        "one listed twice": answer.model_copy(update={"solutions": [*solutions, solutions[-1]], **masks_free}),
        "two swapped": answer.model_copy(
            update={"solutions": [solutions[0], solutions[2], solutions[1], *solutions[3:]]}
        ),
        "ambiguous emptied": answer.model_copy(update={"ambiguous": [[] for _ in solutions[0]]}),
        "first is not classes": answer.model_copy(update={"solutions": [solutions[1], solutions[0], *solutions[2:]]}),
    }


def test_tampered_solution_lists_are_rejected() -> None:
    instance = _many_solutions()
    answer = solve(instance, SolveOptions(all=LOTS, time_limit=30))
    assert answer.count_exact is True and check_answer(instance, answer).ok
    for name, copy in _tampered(answer).items():
        assert not check_answer(instance, copy).ok, name
    bad = [list(group) for group in (answer.solutions or [])[1]]
    bad[0][0] = 1 - bad[0][0]
    violating = answer.model_copy(update={"solutions": [answer.solutions[0], bad, *answer.solutions[2:]]})  # type: ignore[index]
    assert not check_answer(instance, violating).ok


def test_a_unique_instance_lists_one_solution_with_a_checked_proof() -> None:
    instance, _ = planted_partition(3, 30, 3, 2, factor=4, seed=0)
    answer = solve(instance, SolveOptions(all=3, time_limit=60))
    assert answer.status is AnswerStatus.UNIQUE and answer.solutions == [answer.classes]
    assert answer.count_exact is True and answer.ambiguous == [[], [], []]
    assert check_answer(instance, answer).ok


def test_ambiguous_tokens_are_the_ones_that_move() -> None:
    masks = [np.ones(5, dtype=bool), np.asarray([True, True, False])]
    first = [[0, 0, 1, 1, 2], [0, 1, 0]]
    moved = [[0, 1, 1, 1, 2], [0, 1, 1]]  # token 1 of group 0 moved; token 2 of group 1 is unconstrained
    relabelled = [[2, 2, 0, 0, 1], [1, 0, 0]]  # the first partition, other class numbers
    assert ambiguous_tokens(masks, [first, moved, relabelled]) == [[1], []]


@pytest.mark.parametrize(
    ("options", "field"),
    [({"all": 2, "backend": "cpsat"}, "options.all"), ({"all": 2, "backend": "gradient"}, "options.all")],
)
def test_all_is_refused_where_it_cannot_be_proven(options: dict, field: str) -> None:
    instance = _many_solutions()
    with pytest.raises(InvalidOptions) as error:
        solve(instance, SolveOptions(**options))
    assert error.value.field == field
    noisy = PartitionInstance.from_arrays(instance.sizes, instance.budgets, instance.tokens, instance.raw_labels, 1)
    with pytest.raises(InvalidOptions):
        solve(noisy, SolveOptions(all=2))
    from solvers.pipeline import solve_json

    lsa = {"kind": "lsa", "d": 1, "x": [["1"], ["3"], ["2"]], "mode": "exact-grid", "grid": [-2, -1, 0, 1, 2]}
    with pytest.raises(InvalidOptions) as error:
        solve_json(lsa, SolveOptions(all=2))
    assert error.value.field == "options.all"


def test_the_cli_enumerates_and_check_rechecks(tmp_path: Path) -> None:
    runner = CliRunner()
    source = tmp_path / "inst.json"
    source.write_text(json.dumps(_many_solutions().to_json_dict()))
    bundle = tmp_path / "bundle.json"
    solved = runner.invoke(app, ["solve", str(source), "--all", "100", "--bundle", str(bundle)])
    assert solved.exit_code == 0, solved.output
    answer = json.loads(solved.stdout)
    assert len(answer["solutions"]) == 31 and answer["count_exact"] is True and answer["ambiguous"]
    checked = runner.invoke(app, ["check", str(bundle)])
    assert checked.exit_code == 0 and json.loads(checked.stdout)["ok"] is True
    refused = runner.invoke(app, ["solve", str(source), "--all", "0"])
    assert refused.exit_code == 2 and "options.all" in refused.output
