"""The portfolio backend: agreement with brute force, certificates, killed losers, time limit, validation."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from typer.testing import CliRunner

from latentsat.cli import app
from problems.answers import Answer, AnswerStatus, SolveOptions
from problems.brute_force import brute_force
from problems.errors import InvalidOptions, UnknownBackend
from problems.generate import planted_partition
from problems.partition import PartitionInstance
from solvers.certificates import check_answer
from solvers.child import race
from solvers.pipeline import solve
from solvers.strategies.portfolio import OVERRUN_S, PortfolioStrategy, settles
from tests.strategies import tiny_partition_instances


def live_children() -> set[int]:
    """Pids of this process's children that are still running (zombies excluded); other tests may leave some (a
    fork server), so a test compares the set after a race with the set before it."""
    me = os.getpid()
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # exited meanwhile
                continue
            if int(fields[1]) == me and fields[0] != "Z":
                found.add(int(entry.name))
    return found


def is_gone(pid: int, within: float = 3.0) -> bool:
    """Whether `pid` has exited (or is a zombie) within `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


@settings(max_examples=30)
@given(instance=tiny_partition_instances())
def test_portfolio_agrees_with_brute_force(instance: PartitionInstance) -> None:
    truth = brute_force(instance)
    before = live_children()
    answer = solve(instance, SolveOptions(backend="portfolio", unique=True, time_limit=30))
    assert check_answer(instance, answer).ok
    assert answer.stats["backend"] == "portfolio" and answer.stats["winner"] in ("fast", "cpsat")
    assert answer.stats["members"][answer.stats["winner"]] == answer.status.value
    if not truth.solutions:
        assert answer.status is AnswerStatus.INFEASIBLE and answer.certificate.checked
        return
    assert tuple(tuple(c) for c in answer.classes) in truth.solutions
    expected = AnswerStatus.UNIQUE if len(truth.solutions) == 1 else AnswerStatus.SOLVED
    assert answer.status is expected
    assert live_children() <= before


def test_the_winner_certificate_is_the_member_certificate_unchanged() -> None:
    instance, _ = planted_partition(2, 12, 2, 2, factor=4, seed=1)
    alone = solve(instance, SolveOptions(backend="pysat", unique=True, time_limit=30))
    raced = solve(instance, SolveOptions(backend="portfolio", solver="pysat", unique=True, time_limit=30))
    assert alone.status is AnswerStatus.UNIQUE and raced.stats["winner"] == "pysat"
    assert raced.certificate.model_dump(exclude={"check_s"}) == alone.certificate.model_dump(exclude={"check_s"})
    assert raced.classes == alone.classes and check_answer(instance, raced).ok


def test_a_loser_is_killed_with_the_processes_it_started(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    before = live_children()
    outcomes = race([(_slow_with_grandchild, (str(pids),)), (_quick, ())], 30.0, lambda result: result == "done")
    assert outcomes[1] == ("ok", "done") and outcomes[0] == ("killed", None)
    member, grandchild = map(int, pids.read_text().split())
    assert is_gone(member) and is_gone(grandchild)  # the grandchild is not our child: only the group kill reaches it
    assert live_children() <= before


def _slow_with_grandchild(pid_file: str) -> str:
    sleeper = subprocess.Popen(["sleep", "60"])  # no PR_SET_PDEATHSIG: it outlives its parent unless killed
    Path(pid_file).write_text(f"{os.getpid()} {sleeper.pid}")
    time.sleep(60)
    return "late"


def _quick() -> str:
    time.sleep(0.5)  # the slow member has started its grandchild by now
    return "done"


def test_a_real_race_leaves_no_solver_running() -> None:
    instance, _ = planted_partition(3, 50, 3, 2, factor=4, seed=0)  # fast: well under a second; cpsat: no answer
    before = live_children()
    answer = solve(instance, SolveOptions(backend="portfolio", time_limit=30))
    assert answer.status is AnswerStatus.SOLVED and check_answer(instance, answer).ok
    assert answer.stats["members"]["cpsat"] == "killed"
    assert live_children() <= before


def test_the_time_limit_yields_unknown() -> None:
    instance, _ = planted_partition(3, 300, 3, 2, factor=2, seed=0)  # neither member answers within a second
    before = live_children()
    start = time.perf_counter()
    answer = solve(instance, SolveOptions(backend="portfolio", time_limit=1.0))
    assert answer.status is AnswerStatus.UNKNOWN and answer.classes is None
    assert time.perf_counter() - start < 1.0 + OVERRUN_S + 1.0
    assert set(answer.stats["members"].values()) <= {"unknown", "killed"}
    assert live_children() <= before


def test_uniqueness_asked_of_an_unsettled_solved_waits_for_the_others() -> None:
    solved = Answer(status=AnswerStatus.SOLVED, classes=[[0, 0]], stats={"unique_check": "unknown"})
    assert not settles(solved, unique=True) and settles(solved, unique=False)
    solved.alternative = [[0, 1]]  # a second solution was found: not unique, settled
    assert settles(solved, unique=True)
    assert not settles(Answer(status=AnswerStatus.UNKNOWN), unique=False)


def test_members_are_configurable_and_validated() -> None:
    portfolio = PortfolioStrategy.of("pysat/glucose4, cpsat")
    assert isinstance(portfolio, PortfolioStrategy) and portfolio.solver == "pysat/glucose4,cpsat"
    assert PortfolioStrategy.of().solver == "fast,cpsat"
    with pytest.raises(UnknownBackend):
        PortfolioStrategy.of("fast,nope")
    with pytest.raises(InvalidOptions, match="glucose99"):
        PortfolioStrategy.of("pysat/glucose99")
    with pytest.raises(InvalidOptions):
        PortfolioStrategy.of("fast,portfolio")
    instance, _ = planted_partition(2, 8, 2, 2, factor=4, seed=0)
    with pytest.raises(InvalidOptions, match="unique"):
        solve(instance, SolveOptions(backend="portfolio", solver="fast,gradient", unique=True))
    shared = portfolio.member_options(portfolio.members[1], SolveOptions(num_workers=2), 5.0)
    assert shared.backend == "cpsat" and shared.num_workers == 1 and shared.time_limit == 5.0


def test_cli_solves_with_the_portfolio(tmp_path: Path) -> None:
    runner = CliRunner()
    path = tmp_path / "instance.json"
    assert (
        runner.invoke(app, ["generate", "--groups", "2", "--size", "10", "--factor", "4", "--out", str(path)]).exit_code
        == 0
    )
    result = runner.invoke(app, ["solve", str(path), "--backend", "portfolio", "--time-limit", "20"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)["stats"]
    assert stats["backend"] == "portfolio" and stats["winner"] in stats["members"]


def test_the_service_accepts_a_portfolio_and_rejects_a_bad_member() -> None:
    from service.config import Settings
    from service.submit import granted_options

    settings = Settings()
    assert granted_options(SolveOptions(backend="portfolio", time_limit=5), settings).backend == "portfolio"
    with pytest.raises(UnknownBackend, match="nope"):
        granted_options(SolveOptions(backend="portfolio", solver="fast,nope", time_limit=5), settings)
