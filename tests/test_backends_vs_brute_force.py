"""Every backend against the brute-force enumerator on hundreds of tiny instances (issue 2 acceptance)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from problems.answers import AnswerStatus, SolveOptions
from problems.brute_force import brute_force
from problems.partition import PartitionInstance
from problems.verify import verify_partition
from solvers.certificates import check_answer
from solvers.pipeline import solve
from solvers.proofs import check_with_drup, parse_dimacs, parse_drup
from tests.strategies import tiny_partition_instances

from .conftest import INSTALLED_BACKENDS


def assert_drup_accepts(answer_certificate: object) -> None:
    """A DRUP certificate is accepted by drup; a pigeonhole or clique one is checked by `check_answer` in the caller."""
    if getattr(answer_certificate, "kind", None) in ("pigeonhole", "clique"):
        return
    cnf = getattr(answer_certificate, "cnf", None)
    proof = getattr(answer_certificate, "proof", None)
    assert cnf and proof, "a refutation certificate must carry the CNF and the proof"
    assert check_with_drup(parse_dimacs(cnf), parse_drup(proof))


@pytest.mark.parametrize("backend", INSTALLED_BACKENDS)
@settings(max_examples=300)
@given(instance=tiny_partition_instances())
def test_backend_agrees_with_brute_force(backend: str, instance: PartitionInstance) -> None:
    truth = brute_force(instance)
    answer = solve(instance, SolveOptions(backend=backend, unique=True, time_limit=30))
    assert answer.status is not AnswerStatus.UNKNOWN
    if not truth.solutions:
        assert answer.status is AnswerStatus.INFEASIBLE
        assert answer.certificate is not None and answer.certificate.checked
        assert_drup_accepts(answer.certificate)
        assert check_answer(instance, answer).ok
        return
    assert answer.classes is not None and answer.table is not None
    verdict = verify_partition(instance, answer.classes, [(e.cell, e.label) for e in answer.table])
    assert verdict.ok and not verdict.violated
    assert tuple(tuple(c) for c in answer.classes) in truth.solutions  # canonical form, as enumerated
    if len(truth.solutions) == 1:
        assert answer.status is AnswerStatus.UNIQUE
        assert_drup_accepts(answer.certificate)
    else:
        assert answer.status is AnswerStatus.SOLVED
        assert answer.alternative is not None  # the witness: another enumerated solution
        assert tuple(tuple(c) for c in answer.alternative) in truth.solutions
        assert answer.alternative != answer.classes


@pytest.mark.parametrize("backend", INSTALLED_BACKENDS)
@settings(max_examples=60)
@given(instance=tiny_partition_instances(max_groups=2, max_size=4, max_classes=2, max_samples=8))
def test_minimize_finds_the_fewest_violations(backend: str, instance: PartitionInstance) -> None:
    noisy = PartitionInstance.from_arrays(
        instance.sizes, instance.budgets, instance.tokens, instance.raw_labels, max_violations="minimize"
    )
    answer = solve(noisy, SolveOptions(backend=backend, time_limit=30))
    assert answer.status is AnswerStatus.OPTIMAL
    assert answer.violations == brute_force(instance).min_violations
    if answer.violations:
        assert answer.certificate is not None and answer.certificate.kind == "drup"
        assert_drup_accepts(answer.certificate)


@pytest.mark.parametrize("backend", INSTALLED_BACKENDS)
@settings(max_examples=40)
@given(instance=tiny_partition_instances(max_groups=2, max_size=4, max_classes=2, max_samples=8))
def test_bounded_violations_match_brute_force(backend: str, instance: PartitionInstance) -> None:
    best = brute_force(instance).min_violations
    for allowed in {max(best - 1, 0), best}:
        bounded = PartitionInstance.from_arrays(
            instance.sizes, instance.budgets, instance.tokens, instance.raw_labels, max_violations=allowed
        )
        answer = solve(bounded, SolveOptions(backend=backend, time_limit=30))
        expected = AnswerStatus.SOLVED if allowed >= best else AnswerStatus.INFEASIBLE
        assert answer.status is expected
        if expected is AnswerStatus.SOLVED:
            assert answer.violations is not None and answer.violations <= allowed
