"""The status says exactly what was proven (issue 11 §6), and a non-unique answer says why (issue 16 §3)."""

from __future__ import annotations

import pytest

from problems.answers import AnswerStatus, SolveOptions
from problems.generate import planted_partition
from problems.partition import PartitionInstance
from solvers.certificates import check_answer
from solvers.pipeline import solve
from solvers.proofs import Checker
from tests.test_certificates import infeasible_instance
from tests.test_public_data import instance_from_dict, reduced_graph


@pytest.fixture
def proof_checks_time_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every proof check runs out of its budget, as a large one does near the deadline."""
    monkeypatch.setattr("solvers.certify.check_within", lambda formula, proof, checker, seconds: (None, checker))


def test_an_unsat_whose_proof_was_not_checked_is_unknown_and_keeps_the_proof(proof_checks_time_out: None) -> None:
    instance = infeasible_instance()
    answer = solve(instance, SolveOptions(backend="pysat", time_limit=60))
    assert answer.status is AnswerStatus.UNKNOWN
    assert answer.message is not None and "verdict was infeasible, not certified" in answer.message
    assert answer.certificate is not None and answer.certificate.kind == "drup" and not answer.certificate.checked
    report = check_answer(instance, answer)  # the later check finishes what the solve could not
    assert report.ok and "so the instance is infeasible" in report.reason


def test_an_unknown_carrying_a_broken_refutation_is_rejected(proof_checks_time_out: None) -> None:
    instance = infeasible_instance()
    answer = solve(instance, SolveOptions(backend="pysat", time_limit=60))
    assert answer.certificate is not None and answer.certificate.proof is not None
    answer.certificate.proof = "0\n"  # the empty clause alone: not RUP here (test_certificates.infeasible_instance)
    answer.certificate.proof_sha256 = None
    assert not check_answer(instance, answer).ok


def test_a_unique_whose_proof_was_not_checked_is_solved_and_says_so(proof_checks_time_out: None) -> None:
    instance, truth = planted_partition(3, 8, 2, 2, factor=8, seed=0)
    answer = solve(instance, SolveOptions(backend="pysat", unique=True, time_limit=60))
    assert answer.status is AnswerStatus.SOLVED and answer.classes == truth.classes
    assert answer.certificate is not None and answer.certificate.kind == "solution"
    assert answer.message is not None and "not certified" in answer.message
    assert check_answer(instance, answer).ok


def test_an_optimum_whose_proof_was_not_checked_is_solved(proof_checks_time_out: None) -> None:
    instance, _ = planted_partition(2, 6, 2, 2, factor=6, seed=3, noise=0.1)
    minimize = PartitionInstance.from_arrays(
        instance.sizes, instance.budgets, instance.tokens, instance.raw_labels, max_violations="minimize"
    )
    answer = solve(minimize, SolveOptions(backend="pysat", time_limit=60))
    assert answer.violations and answer.violations > 0, "the flips must cost violations for this test to bite"
    assert answer.status is AnswerStatus.SOLVED and "not certified" in (answer.message or "")
    assert check_answer(minimize, answer).ok


def test_with_proofs_off_the_status_is_the_solvers_word_and_says_so() -> None:
    answer = solve(infeasible_instance(), SolveOptions(backend="pysat", proof=False, time_limit=60))
    assert answer.status is AnswerStatus.INFEASIBLE and "proofs were turned off" in (answer.message or "")


@pytest.mark.parametrize("backend", ["pysat", "fast", "portfolio"])
def test_an_answer_asked_for_uniqueness_that_is_not_unique_says_why(backend: str) -> None:
    two_ways = PartitionInstance.from_arrays([2, 2], [2, 2], [[0, 0], [1, 1]], [0, 1])  # either group explains y
    answer = solve(two_ways, SolveOptions(backend=backend, unique=True, time_limit=30))
    assert answer.status is AnswerStatus.SOLVED
    assert answer.message is not None and answer.message.startswith(("not unique", "uniqueness not"))
    if answer.alternative is not None:
        assert "second solution" in answer.message


def test_an_infeasible_answer_asked_for_uniqueness_says_so() -> None:
    answer = solve(infeasible_instance(), SolveOptions(backend="pysat", unique=True, time_limit=60))
    assert answer.status is AnswerStatus.INFEASIBLE and answer.message == "not unique: no solution exists"


@pytest.mark.slow
def test_a_public_refutation_stops_at_the_limit_plus_the_checking_grace() -> None:
    """myciel5 at K = χ−1 = 5 (issue 11 §6: `wall_s` 11.4 at an 8 s limit, `infeasible` with `checked: false`)."""
    instance = instance_from_dict(reduced_graph("myciel5.col", 5)["target"])
    answer = solve(instance, SolveOptions(time_limit=8, checker=Checker.AUTO))
    assert answer.status in (AnswerStatus.INFEASIBLE, AnswerStatus.UNKNOWN)
    if answer.status is AnswerStatus.INFEASIBLE:
        assert answer.certificate is not None and answer.certificate.checked
    assert answer.stats["wall_s"] <= 8 + 1 + 2  # the limit, the checking grace, slack for a loaded machine
