"""Noisy recovery: label noise and topic models, the noisy strategy, and violation-bound certificates."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings

from problems.answers import AnswerStatus, SolveOptions
from problems.brute_force import brute_force
from problems.generate import planted_partition
from problems.noisy_search import robust_local_search, violated_mask
from problems.partition import PartitionInstance
from problems.topics import topic_instance
from problems.verify import canonical_classes, constrained_mask
from reductions.partition_part_to_cnf import PartitionPartToCnf
from reductions.partition_to_cnf import MAX_ENCODING_CLAUSES, EncodingTooLarge, PartitionToCnf
from solvers.certificates import check_answer
from solvers.pipeline import solve
from solvers.violation_bounds import check_bound_certificate, contradictory_pairs, prove_lower_bound
from tests.strategies import tiny_partition_instances


def with_bound(instance: PartitionInstance, bound: int | str) -> PartitionInstance:
    return PartitionInstance.from_arrays(
        instance.sizes, instance.budgets, instance.tokens, instance.raw_labels, max_violations=bound
    )


def test_noise_flips_exactly_the_listed_labels_and_nothing_else() -> None:
    clean, _ = planted_partition(3, 40, 3, 2, factor=6, seed=3)
    noisy, truth = planted_partition(3, 40, 3, 2, factor=6, seed=3, noise=0.05)
    changed = np.flatnonzero(clean.raw_labels != noisy.raw_labels).tolist()
    assert changed == truth.flipped and len(changed) > 0
    assert np.array_equal(clean.tokens, noisy.tokens)
    planted = [np.asarray(c) for c in truth.classes]
    assert int(violated_mask(noisy, planted).sum()) == len(truth.flipped)


def test_noise_keeps_generic_labels_within_the_table_values() -> None:
    clean, _ = planted_partition(2, 10, 2, "generic", n_samples=200, seed=1)
    noisy, truth = planted_partition(2, 10, 2, "generic", n_samples=200, seed=1, noise=0.5)
    assert set(noisy.raw_labels.tolist()) <= set(clean.raw_labels.tolist())
    assert all(clean.raw_labels[s] != noisy.raw_labels[s] for s in truth.flipped)
    with pytest.raises(ValueError, match="noise"):
        planted_partition(2, 10, 2, 2, n_samples=20, noise=1.5)


def test_topic_instances_label_every_document_word_pair() -> None:
    instance, truth = topic_instance(vocabulary=40, documents=12, topics=4, words_per_document=30, seed=2)
    assert instance.n_samples == 12 * 40 and instance.budgets == (4, 4)
    assert truth.occurrence.sum() == instance.raw_labels.sum()
    assert truth.occurrence.sum(axis=1).max() <= 30
    assert [len(set(c)) for c in truth.classes] == [4, 4]


def test_the_warm_start_recovers_planted_topics() -> None:
    instance, truth = topic_instance(vocabulary=90, documents=60, topics=3, words_per_document=60, seed=0)
    classes, violations, _ = robust_local_search(instance, seconds=20.0)
    assert canonical_classes(classes, constrained_mask(instance)) == truth.classes
    assert violations == violated_mask(instance, [np.asarray(c) for c in truth.classes]).sum()


@settings(max_examples=30)
@given(instance=tiny_partition_instances(max_groups=2, max_size=4, max_classes=2, max_samples=8))
def test_the_noisy_strategy_matches_brute_force(instance: PartitionInstance) -> None:
    best = brute_force(instance).min_violations
    answer = solve(with_bound(instance, "minimize"), SolveOptions(backend="noisy", time_limit=30))
    assert answer.status is AnswerStatus.OPTIMAL and answer.violations == best
    assert answer.lower_bound == best and answer.gap == 0
    assert answer.violated is not None and len(answer.violated) == best
    assert check_answer(with_bound(instance, "minimize"), answer).ok
    bounded = with_bound(instance, max(best - 1, 0))
    answer = solve(bounded, SolveOptions(backend="noisy", time_limit=30))
    if best == 0:  # an exact instance: the fast backend's path
        assert answer.status in (AnswerStatus.SOLVED, AnswerStatus.UNIQUE)
    else:
        assert answer.status is AnswerStatus.INFEASIBLE and check_answer(bounded, answer).ok
        assert best == 1 or answer.certificate.kind == "violation-bound"


def small_noisy() -> tuple[PartitionInstance, list[int]]:
    instance, truth = planted_partition(2, 6, 2, 2, n_samples=40, seed=4, noise=0.1)
    return with_bound(instance, "minimize"), truth.flipped


def test_noisy_is_the_default_for_noisy_instances_and_lists_violated_samples() -> None:
    instance, _ = small_noisy()
    answer = solve(instance, SolveOptions(time_limit=30))
    assert answer.stats["backend"] == "noisy"
    assert answer.status is AnswerStatus.OPTIMAL
    assert answer.lower_bound_certificate is not None and answer.lower_bound_certificate.parts
    assert check_answer(instance, answer).ok
    named = solve(instance, SolveOptions(backend="pysat", time_limit=30))
    assert named.stats["backend"] == "pysat" and named.violated is not None
    assert len(named.violated) == named.violations == answer.violations


def test_check_rejects_forged_noisy_claims() -> None:
    instance, _ = small_noisy()
    answer = solve(instance, SolveOptions(backend="noisy", time_limit=30))
    assert answer.violated and answer.lower_bound_certificate is not None
    forged = [
        answer.model_copy(update={"violated": answer.violated[1:]}),
        answer.model_copy(update={"lower_bound": answer.lower_bound + 1}),
        answer.model_copy(update={"gap": 1}),
    ]
    part = answer.lower_bound_certificate.parts[0]
    raised = part.model_copy(update={"at_least": part.at_least + 1})
    shared = part.model_copy(update={"at_least": 1})
    for parts in ([raised], [part, shared]):
        certificate = answer.lower_bound_certificate.model_copy(update={"parts": parts})
        forged.append(answer.model_copy(update={"lower_bound_certificate": certificate}))
    bad_proof = part.model_copy(update={"proof": "0\n"})
    certificate = answer.lower_bound_certificate.model_copy(update={"parts": [bad_proof]})
    forged.append(answer.model_copy(update={"lower_bound_certificate": certificate}))
    for bad in forged:
        assert not check_answer(instance, bad).ok


def test_an_unproven_optimal_claim_is_rejected() -> None:
    instance, _ = small_noisy()
    answer = solve(instance, SolveOptions(backend="noisy", time_limit=30))
    unproven = answer.model_copy(update={"lower_bound": None, "gap": None, "lower_bound_certificate": None})
    assert not check_answer(instance, unproven).ok


def test_contradictory_pairs_give_disjoint_checked_parts() -> None:
    tokens = np.asarray([[0, 0], [0, 0], [0, 0], [1, 1], [1, 1], [0, 1]])
    instance = PartitionInstance.from_arrays([2, 2], [2, 2], tokens, [0, 1, 1, 0, 1, 0], max_violations="minimize")
    assert contradictory_pairs(instance) == [[0, 2], [3, 4]] or contradictory_pairs(instance) == [[0, 1], [3, 4]]
    violated = np.zeros(instance.n_samples, dtype=bool)
    certificate, _ = prove_lower_bound(instance, violated, deadline=np.inf)
    assert certificate.bound == 2
    assert check_bound_certificate(instance, certificate) == (True, "2 disjoint parts prove at least 2 violations")


def test_a_part_with_bound_one_is_the_implied_cnf_of_its_samples() -> None:
    instance, _ = small_noisy()
    samples = [3, 1, 7, 20]
    part = PartitionPartToCnf().forward_part(instance, samples, 1)
    rows = np.asarray(samples)
    direct = PartitionToCnf().forward(
        PartitionInstance.from_arrays(
            instance.sizes, instance.budgets, instance.tokens[rows], instance.raw_labels[rows]
        )
    )
    assert part.clauses == direct.clauses
    with pytest.raises(ValueError):
        PartitionPartToCnf().forward_part(instance, [1, 1], 1)


def test_the_violation_bound_stays_small_on_the_direct_cnf() -> None:
    """The old totalizer grew with n · n (6.8M clauses at n = 3,685, b = 25); the network with n log² b."""
    instance, truth = planted_partition(3, 100, 3, 2, factor=8, seed=0, noise=0.01)
    bounded = with_bound(instance, len(truth.flipped))
    clauses = len(PartitionToCnf().forward(bounded).clauses)
    exact = len(PartitionToCnf().forward(with_bound(instance, 0)).clauses)
    assert clauses - exact < 40 * instance.n_samples


def test_an_encoding_beyond_the_clause_limit_is_refused_before_any_work() -> None:
    size = 2000
    n = MAX_ENCODING_CLAUSES // 27 + 1
    tokens = np.zeros((n, 3), dtype=np.int64)
    tokens[:, 0] = np.arange(n) % size
    instance = PartitionInstance.from_arrays([size] * 3, [3] * 3, tokens, np.zeros(n, dtype=np.int64))
    with pytest.raises(EncodingTooLarge):
        PartitionToCnf().forward(instance)
    answer = solve(instance, SolveOptions(backend="pysat", time_limit=30))
    assert answer.status is AnswerStatus.UNKNOWN and "clauses" in (answer.message or "")


def test_cli_generates_noisy_and_topic_instances_and_solves_them_by_default(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from latentsat.cli import app

    runner = CliRunner()
    path, truth = tmp_path / "noisy.json", tmp_path / "truth.json"
    args = ["generate", "--groups", "2", "--size", "6", "--classes", "2", "--samples", "40", "--noise", "0.1"]
    result = runner.invoke(app, [*args, "--seed", "4", "--out", str(path), "--truth", str(truth)])
    assert result.exit_code == 0, result.output
    flipped = json.loads(truth.read_text())["flipped"]
    data = json.loads(path.read_text())
    data["max_violations"] = "minimize"
    path.write_text(json.dumps(data))
    bundle = tmp_path / "bundle.json"
    result = runner.invoke(app, ["solve", str(path), "--time-limit", "30", "--bundle", str(bundle)])
    answer = json.loads(result.stdout)
    assert answer["stats"]["backend"] == "noisy" and answer["violations"] <= len(flipped)
    assert runner.invoke(app, ["check", str(bundle)]).exit_code == 0
    topics = runner.invoke(app, ["generate", "--model", "topics", "--vocabulary", "20", "--documents", "8"])
    assert topics.exit_code == 0 and len(json.loads(topics.stdout)["samples"]) == 160
    for bad in (["--noise", "1.5", "--factor", "2"], ["--model", "lda"], ["--model", "topics", "--topics", "0"]):
        result = runner.invoke(app, ["generate", *bad])
        assert result.exit_code == 2, (bad, result.output)
