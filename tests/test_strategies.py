"""Strategies: chosen once, each backend built once per solve, each instance parsed once per request, progress
reported by stage, and no answer that `check` would reject."""

from __future__ import annotations

import json
import multiprocessing
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from problems.answers import AnswerStatus, SolveOptions
from problems.generate import planted_partition
from problems.partition import PartitionInstance
from solvers.base import Backend
from solvers.certificates import check_answer
from solvers.kinds import Kind
from solvers.pipeline import solve, solve_json
from solvers.run import STAGES
from solvers.strategies import default_backend, select_strategy

UNIQUE = planted_partition(3, 12, 2, 2, factor=4, seed=1)[0]  # small, and its solution is unique
GRID_INFEASIBLE = {"kind": "lsa", "d": 1, "x": [["2"], ["5"], ["4"]], "grid": [1, 2, 3]}


@pytest.fixture
def tally(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every backend built and every instance read appends a line to this file (forked children included)."""
    log = tmp_path / "tally"
    log.write_text("")
    build, read = Backend.__init__, Kind.read

    def counted_build(self: Backend, solver: str | None = None) -> None:
        with open(log, "a") as out:
            out.write(f"build {type(self).__name__}\n")
        build(self, solver)

    def counted_read(self: Kind, fmt: Any, decoded: Any) -> Any:
        with open(log, "a") as out:
            out.write(f"read {self.name}\n")
        return read(self, fmt, decoded)

    monkeypatch.setattr(Backend, "__init__", counted_build)
    monkeypatch.setattr(Kind, "read", counted_read)
    return log


def counts(log: Path) -> Counter[str]:
    return Counter(log.read_text().splitlines())


@pytest.mark.parametrize(
    ("backend", "built"),
    [
        ("pysat", {"build PysatBackend": 1}),  # the uniqueness proof reuses the solve's own backend
        ("cpsat", {"build CpSatBackend": 1, "build PysatBackend": 1}),  # the proof needs a CNF backend
        ("fast", {"build PysatBackend": 1}),
    ],
)
def test_each_backend_is_built_once_per_solve(tally: Path, backend: str, built: dict[str, int]) -> None:
    answer = solve(UNIQUE, SolveOptions(backend=backend, unique=True, time_limit=30))
    assert answer.status is AnswerStatus.UNIQUE
    assert counts(tally) == built


def test_an_lsa_refutation_builds_its_proof_backend_once(tally: Path) -> None:
    answer = solve_json(GRID_INFEASIBLE, SolveOptions(backend="cpsat", time_limit=30))
    assert answer.status is AnswerStatus.INFEASIBLE and answer.certificate.checked
    assert counts(tally) == {"read lsa": 1, "build CpSatBackend": 1, "build PysatBackend": 1}


def test_an_http_job_parses_its_instance_once_per_request_and_once_per_run(tally: Path, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from service.app import create_app
    from service.config import Settings
    from service.task import Task, run_task

    body = {"kind": "partition", "instance": UNIQUE.to_json_dict(), "options": {"unique": True, "time_limit": 30}}
    with TestClient(create_app(Settings(db=tmp_path / "jobs.db", workers=1))) as client:
        response = client.post("/v1/jobs", json=body)
        assert response.status_code == 202, response.text
        options = response.json()["options"]
    assert counts(tally) == {"read partition": 1}  # the request: validated once, nothing built
    tally.write_text("")
    receiver, sender = multiprocessing.get_context("fork").Pipe(duplex=False)
    task = Task("job", 1, "partition", "json", json.dumps(body["instance"]).encode(), options, 0)
    run = multiprocessing.get_context("fork").Process(target=lambda: sender.send(run_task(task, lambda line: None)))
    run.start()  # a fresh process, as a worker runs a job
    kind, answer = receiver.recv()
    run.join()
    assert kind == "ok" and answer["status"] == "unique"
    assert counts(tally) == {"read partition": 1, "build PysatBackend": 1}  # the run: parsed once, built once


def test_progress_hears_the_stages_in_order() -> None:
    heard: list[str] = []
    solve(UNIQUE, SolveOptions(backend="pysat", unique=True, time_limit=30), heard.append)
    assert heard == ["encode", "search", "proof", "check"]
    heard.clear()
    solve(UNIQUE, SolveOptions(unique=True, time_limit=30), heard.append)  # the default for exact: fast
    assert heard[0] == "warm-start" and heard[-1] == "check" and set(heard) <= set(STAGES)
    heard.clear()
    solve_json(GRID_INFEASIBLE, SolveOptions(backend="cpsat", time_limit=30), heard.append)
    assert heard == ["encode", "search", "encode", "proof", "check"]


def test_strategy_selection_is_one_choice_per_instance() -> None:
    noisy = PartitionInstance.from_arrays(UNIQUE.sizes, UNIQUE.budgets, UNIQUE.tokens, UNIQUE.raw_labels, 1)
    assert default_backend(UNIQUE) == "fast" and default_backend(noisy) == "noisy"  # issue 14: fast by default
    assert select_strategy(UNIQUE, SolveOptions()).name == "fast"
    assert select_strategy(UNIQUE, SolveOptions(backend="pysat")).name == "direct"  # the plain CNF, by name
    assert select_strategy(noisy, SolveOptions()).name == "noisy"
    assert select_strategy(UNIQUE, SolveOptions(all=3)).name == "all"
    assert select_strategy(UNIQUE, SolveOptions(all=3, backend="pysat")).name == "all"
    assert select_strategy(noisy, SolveOptions(backend="fast")).name == "direct"  # fast needs exactness
    assert select_strategy(UNIQUE, SolveOptions(backend="portfolio")).name == "portfolio"
    crowded = PartitionInstance.from_arrays([2], [1], np.asarray([[0], [1]]), [5, 6])  # 2 labels, 1 cell
    assert select_strategy(crowded, SolveOptions(backend="cpsat")).name == "pigeonhole"
    assert select_strategy(crowded, SolveOptions(backend="gradient")).name == "direct"  # a heuristic proves nothing
    triangle = np.asarray([[0, 0], [1, 0], [0, 1], [2, 1], [1, 2], [2, 2]])  # group 0: 3 tokens pairwise apart
    clique = PartitionInstance.from_arrays([3, 3], [2, 3], triangle, [0, 1, 0, 1, 0, 1])
    assert {select_strategy(clique, SolveOptions(backend=b)).name for b in (None, "pysat", "cpsat")} == {"clique"}
    assert select_strategy(clique, SolveOptions(all=2)).name == "clique"


def test_a_fast_answer_without_uniqueness_carries_no_alternative(monkeypatch: pytest.MonkeyPatch) -> None:
    """The incremental run's last model is a rival only after a refine round: else it is the answer itself,
    which `check` rightly rejects as an alternative."""
    monkeypatch.setattr("solvers.strategies.fast.warm_start", lambda *args: None)  # straight to the CNF
    instance, _ = planted_partition(3, 30, 3, 2, factor=4, seed=0)
    answer = solve(instance, SolveOptions(backend="fast", time_limit=30))
    assert answer.status is AnswerStatus.SOLVED and answer.alternative is None
    assert check_answer(instance, answer).ok
