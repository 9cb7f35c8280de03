"""A process that solves job after job (a warm worker, a bench run) keeps no state from one solve to the next."""

from __future__ import annotations

from pysat.formula import Formula

from problems.answers import SolveOptions
from problems.generate import planted_partition
from service.submit import canonical_json
from service.task import Task, run_task
from solvers.pipeline import solve


def test_repeated_solves_leave_pysats_process_wide_formula_pool_empty() -> None:
    # CNF.extend records each formula in that pool; its interval list grew by one entry per solve and was sorted at
    # every extend, so the 500th job of a warm worker paid for the 499 before it.
    for seed in range(5):
        instance, _ = planted_partition(2, 12, 2, 2, factor=3.0, seed=seed)
        assert solve(instance, SolveOptions(backend="pysat", time_limit=10)).status == "solved"
    assert len(Formula.export_vpool()._occupied) <= 1  # private in pysat; it is the list that grew


def test_a_task_with_the_parsed_instance_is_solved_without_parsing_its_bytes_again() -> None:
    instance, _ = planted_partition(2, 12, 2, 2, factor=3.0, seed=0)
    lines: list[str] = []
    options = {"backend": "pysat", "time_limit": 10.0}
    unreadable = Task("job", 1, "partition", "json", b"not json", options, 0, parsed=instance)
    kind, answer = run_task(unreadable, lines.append)
    assert (kind, answer["status"]) == ("ok", "solved"), answer
    assert any("parsed by the API" in line for line in lines), lines
    stored = Task("job", 1, "partition", "json", canonical_json(instance.to_json_dict()), options, 0)
    assert run_task(stored, lines.append)[1]["status"] == "solved"  # no parsed instance: read from the bytes
