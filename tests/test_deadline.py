"""Every solve respects its time limit, encoding included: encoders stop at a deadline, the pipeline says `unknown`."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from typer.testing import CliRunner

from latentsat.cli import app
from problems.answers import AnswerStatus, SolveOptions
from problems.errors import TimeLimitReached
from problems.generate import planted_partition
from problems.partition import PartitionInstance, dump_npz
from reductions.partition_to_cnf import PartitionToCnf, PartitionToMaxSat
from reductions.partition_to_cpsat import PartitionToCpSat
from reductions.partition_to_fast_cnf import PartitionToFastCnf
from solvers.base import Limits, Status
from solvers.cpsat import KILL_MARGIN_S, CpSatBackend
from solvers.pipeline import solve
from tests.strategies import tiny_partition_instances

PASSED = 0.0  # a perf_counter value long gone
FAR = 1e12  # one that never comes
SHORT_LIMIT = 0.2
WALL_BOUND_S = SHORT_LIMIT + 2.0  # generous: the encoders check the clock every few tens of milliseconds


@pytest.fixture(scope="module")
def slow_to_encode() -> PartitionInstance:
    """27,632 samples on 3 × 1000 tokens: each encoder takes ≥ 1 s here, 0.9-5 s unloaded (bench/deadline.py)."""
    instance, _ = planted_partition(3, 1000, 3, 2, factor=4, seed=0)
    return instance


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


def no_warm_start(*args: Any, **kwargs: Any) -> None:
    """The fast backend's guess fails: it falls back to encoding the CNF in this process."""


@pytest.mark.parametrize("backend", ["pysat", "cpsat", "fast"])
def test_a_solve_whose_encoding_outlasts_the_limit_is_unknown_near_the_limit(
    backend: str, slow_to_encode: PartitionInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("solvers.strategies.fast.warm_start", no_warm_start)
    start = time.perf_counter()
    answer = solve(slow_to_encode, SolveOptions(backend=backend, time_limit=SHORT_LIMIT))
    wall = time.perf_counter() - start
    assert answer.status is AnswerStatus.UNKNOWN and answer.classes is None
    assert answer.message is not None and "ran out during encoding" in answer.message
    assert answer.stats["reason"] == "time limit during encoding" and answer.stats["backend"] == backend
    assert wall < WALL_BOUND_S


class OutOfTimeCnf(PartitionToCnf):
    """The direct CNF encoder, created when the time has already run out."""

    def __init__(self, deadline: float | None = None) -> None:
        super().__init__(PASSED)


def test_uniqueness_left_unsettled_when_its_cnf_cannot_be_built_in_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """CP-SAT finds the partition; the CNF of the uniqueness check runs out of time: `solved`, not an error."""
    monkeypatch.setattr("solvers.certify.PartitionToCnf", OutOfTimeCnf)
    instance, truth = planted_partition(2, 8, 2, 2, factor=6, seed=0)
    answer = solve(instance, SolveOptions(backend="cpsat", unique=True, time_limit=30))
    assert answer.status is AnswerStatus.SOLVED and answer.classes == truth.classes
    assert answer.stats["unique_check"] == "unknown"
    assert answer.message is not None and "uniqueness not settled" in answer.message


def test_an_infeasibility_proof_left_unchecked_when_its_cnf_cannot_be_built_in_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("solvers.certify.PartitionToCnf", OutOfTimeCnf)
    tokens = np.asarray([[0, 0], [0, 0]], dtype=np.int64)  # one sample twice, with two labels (2 cells: no pigeonhole)
    contradictory = PartitionInstance.from_arrays([1, 2], [1, 2], tokens, [0, 1])
    answer = solve(contradictory, SolveOptions(backend="cpsat", time_limit=30))
    assert answer.status is AnswerStatus.UNKNOWN  # CP-SAT's word alone is not a certificate (issue 11 §6)
    assert answer.certificate is not None and answer.certificate.kind == "none" and not answer.certificate.checked
    assert answer.certificate.claim is not None and answer.certificate.claim.startswith("not refuted (unknown)")
    assert answer.message is not None and "verdict was infeasible, not certified" in answer.message


def test_the_cli_reports_an_encoding_timeout_as_an_unknown_answer(
    slow_to_encode: PartitionInstance, tmp_path: Path
) -> None:
    path = tmp_path / "slow.npz"
    path.write_bytes(dump_npz(slow_to_encode))
    result = CliRunner().invoke(app, ["solve", str(path), "--time-limit", str(SHORT_LIMIT)])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["status"] == "unknown" and "ran out during encoding" in answer["message"]


def hangs(target: Any, limits: Any) -> None:
    """A CP-SAT run that ignores its time limit, as CP-SAT does while it loads a large model."""
    time.sleep(60)


def test_a_large_cpsat_model_runs_in_a_child_killed_just_after_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    model = PartitionToCpSat().forward(planted_partition(2, 8, 2, 2, factor=6, seed=0)[0])
    monkeypatch.setattr("solvers.cpsat.IN_PROCESS_MAX_CONSTRAINTS", 0)  # every model counts as large
    solved = CpSatBackend().solve(model, Limits(seconds=30))
    assert solved.status is Status.SATISFIABLE and solved.assignment and solved.stats["in_process"] is False
    monkeypatch.setattr("solvers.cpsat._solve_model", hangs)
    start = time.perf_counter()
    killed = CpSatBackend().solve(model, Limits(seconds=SHORT_LIMIT))
    assert killed.status is Status.UNKNOWN and killed.stats["reason"] == "killed at the time limit"
    assert time.perf_counter() - start < SHORT_LIMIT + KILL_MARGIN_S + 1.0


@pytest.mark.parametrize("solver", ["cadical195", "glucose4"])
def test_a_small_hard_cnf_is_solved_in_process_and_stops_at_the_limit(solver: str) -> None:
    """On a shared box the wall clock says little; what the limit controls is the solver's work, so the bound is on
    this process's CPU time (at most the limit plus one conflict slice), and the wall bound is generous."""
    from pysat.formula import CNF

    from bench.checkers import pigeonhole_cnf
    from solvers.pysat import PysatBackend

    cnf = CNF(from_clauses=pigeonhole_cnf(11))  # a few hundred clauses, minutes of resolution
    wall, cpu = time.perf_counter(), time.process_time()
    result = PysatBackend(solver).solve(cnf, Limits(seconds=0.5, proof=True))
    assert result.status is Status.UNKNOWN and result.stats["in_process"]
    assert time.process_time() - cpu < 0.5 + 1.5  # the solve never runs more than one slice past the deadline
    assert time.perf_counter() - wall < 0.5 + 30.0  # only a gross overrun; a loaded box stretches wall time
    easy = PysatBackend(solver).solve(CNF(from_clauses=pigeonhole_cnf(4)), Limits(seconds=10, proof=True))
    assert easy.status is Status.UNSATISFIABLE and easy.proof and easy.stats["in_process"]


def test_in_process_conflict_slices_are_sized_to_end_at_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the limit controls, without a wall clock: a solver that runs 1,000 conflicts per (fake) second. The
    slices double (2,000, 4,000) until the next one would pass the deadline, then shrink to the time left (4,500):
    the solve stops at 10.5 s, where doubling alone ran an 8,000-conflict slice to 14 s (issue 11 §6)."""
    from solvers import pysat as pysat_module

    class Clock:
        now = 0.0

        @staticmethod
        def perf_counter() -> float:
            return Clock.now

    class OneThousandConflictsPerSecond:
        def __init__(self) -> None:
            self.budgets: list[int] = []

        def conf_budget(self, budget: int) -> None:
            self.budgets.append(budget)

        def solve_limited(self) -> None:
            Clock.now += self.budgets[-1] / 1000

    monkeypatch.setattr(pysat_module, "time", Clock)
    solver = OneThousandConflictsPerSecond()
    assert pysat_module.solve_until(solver, deadline=10.5) is None
    assert solver.budgets == [2000, 4000, 4500] and Clock.now == 10.5


def test_a_proof_is_parsed_within_the_checks_time_budget() -> None:
    """Parsing counts: 3.7 s of parsing ran past the limit before the checker's child even started."""
    from solvers.proofs import Checker, check_within

    formula = [[1, 2], [-1, 2], [1, -2], [-1, -2]]
    proof = "1 2 3 4 5 6 7 8 9 10 0\n" * 2_000_000  # seconds of parsing
    start = time.perf_counter()
    valid, _ = check_within(formula, proof, Checker.RUP, seconds=0.5)
    assert valid is None  # not checked in time: the certificate says `checked: false`
    assert time.perf_counter() - start < 0.5 + 1.5
