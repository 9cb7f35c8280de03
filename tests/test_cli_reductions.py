"""`latentsat reduce` / `latentsat lift` end to end, the JSON functions behind them, parsers and the registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from latentsat.cli import app
from problems.cnf_formula import parse_dimacs_cnf, to_dimacs_cnf
from problems.errors import InvalidInstance, UnknownKind
from problems.graph import parse_dimacs_col, to_dimacs_col, verify_colouring
from problems.hard_instances import mycielski, random_3sat
from reductions.base import Reduction
from reductions.registry import get_reduction, registry
from reductions.wire import lift_json, reduce_json

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


def test_r1_through_the_command_line(tmp_path: Path) -> None:
    graph = tmp_path / "m4.col"
    graph.write_text(to_dimacs_col(mycielski(4, k=4)))
    instance, mapping, answer = tmp_path / "inst.json", tmp_path / "map.json", tmp_path / "answer.json"
    code, _ = run("reduce", "R1", str(graph), "--k", "4", "--out", str(instance), "--map", str(mapping))
    assert code == 0
    code, out = run("solve", str(instance))
    assert code == 0 and json.loads(out)["status"] == "solved"
    answer.write_text(out)
    code, out = run("lift", str(mapping), str(answer))
    lifted = json.loads(out)
    assert code == 0 and lifted["verified"]
    assert verify_colouring(mycielski(4, k=4), lifted["colour"])


def test_r1r2_and_r3_through_the_command_line(tmp_path: Path) -> None:
    formula = tmp_path / "f.cnf"
    formula.write_text("p cnf 3 3\n1 2 -3 0\n-1 0\n3 0\n")
    code, out = run("reduce", "R1R2", str(formula), "--map", str(tmp_path / "m.json"))
    assert code == 0 and json.loads(out)["kind"] == "partition"
    (tmp_path / "t.json").write_text(out)
    code, out = run("solve", str(tmp_path / "t.json"))
    (tmp_path / "a.json").write_text(out)
    code, out = run("lift", str(tmp_path / "m.json"), str(tmp_path / "a.json"))
    assert code == 0 and json.loads(out)["assignment"] == [False, True, True]

    points = tmp_path / "points.json"
    points.write_text(json.dumps({"kind": "separability", "dim": 2, "positive": [[0, 0]], "negative": [[1, 0]]}))
    witness = tmp_path / "w.json"
    code, out = run("reduce", "R3", str(points), "--map", str(tmp_path / "m3.json"), "--witness", str(witness))
    assert code == 0 and json.loads(out)["kind"] == "bilinear"
    code, out = run("lift", str(tmp_path / "m3.json"), str(witness))
    assert code == 0 and json.loads(out)["verified"]


def test_bad_inputs_exit_2(tmp_path: Path) -> None:
    formula = tmp_path / "f.cnf"
    formula.write_text("p cnf 2 1\n1 -2 0\n")
    assert run("reduce", "R7", str(formula))[0] == 2
    assert run("reduce", "R1", str(formula))[0] == 2  # a formula is not a graph
    code, _ = run("reduce", "R2", str(formula), "--map", str(tmp_path / "m.json"))
    (tmp_path / "c.json").write_text(json.dumps({"colour": [0] * 7}))
    assert code == 0 and run("lift", str(tmp_path / "m.json"), str(tmp_path / "c.json"))[0] == 2


def test_reduce_and_lift_json_round_trip_r2() -> None:
    formula = random_3sat(4, seed=3)
    reduced = reduce_json("R2", formula.to_json_dict())
    assert reduced["target"]["kind"] == "colouring"
    from problems.graph import brute_force_colouring, colouring_from_dict

    colour = brute_force_colouring(colouring_from_dict(reduced["target"]))
    if colour is None:
        pytest.skip("this formula is unsatisfiable")
    lifted = lift_json("R2", reduced["map"]["source"], {"colour": colour})
    assert lifted["verified"] and len(lifted["assignment"]) == 4


def test_dimacs_parsers_round_trip_and_name_bad_lines() -> None:
    graph = mycielski(3, k=3)
    assert parse_dimacs_col(to_dimacs_col(graph), k=3) == graph
    formula = random_3sat(5, seed=2)
    assert parse_dimacs_cnf(to_dimacs_cnf(formula)) == formula
    with pytest.raises(InvalidInstance, match="line 2"):
        parse_dimacs_col("p edge 2 1\ne 1 3\n", k=2)
    with pytest.raises(InvalidInstance, match=r"line 2: literal 3 is not in ±1..2"):
        parse_dimacs_cnf("p cnf 2 1\n1 3 0\n")
    with pytest.raises(InvalidInstance, match="line 1: the problem line declares 2 clauses"):
        parse_dimacs_cnf("p cnf 2 2\n1 0\n")


def test_registry_lists_every_reduction_once() -> None:
    entries = registry()
    names = [e.name for e in entries]
    assert len(names) == len(set(names))
    assert {e.alias for e in entries} >= {"R1", "R2", "R1R2", "R3"}
    assert {"partition->cnf", "partition->cpsat"} <= set(names)
    for entry in entries:
        built = entry.build()
        assert isinstance(built, Reduction) and built.version == entry.version
    assert get_reduction("r1").source == "colouring"
    with pytest.raises(UnknownKind):
        get_reduction("R9")
