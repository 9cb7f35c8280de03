"""The command line: generate → solve → check → encode, JSON on stdout, and exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pysat.formula import CNF
from typer.testing import CliRunner

from latentsat.cli import app
from problems.partition import load_instance

runner = CliRunner()


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    path = tmp_path / "inst.json"
    result = runner.invoke(
        app,
        [
            "generate",
            "--groups",
            "2",
            "--size",
            "12",
            "--classes",
            "2",
            "--samples",
            "150",
            "--seed",
            "3",
            "--out",
            str(path),
            "--truth",
            str(tmp_path / "truth.json"),
        ],
    )
    assert result.exit_code == 0, result.output
    return path


def test_generate_solve_check(planted: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.json"
    result = runner.invoke(app, ["solve", str(planted), "--unique", "--bundle", str(bundle)])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    truth = json.loads((tmp_path / "truth.json").read_text())
    assert answer["status"] == "unique"
    assert answer["classes"] == truth["classes"]
    assert answer["certificate"]["kind"] == "drup" and answer["certificate"]["checked"] is True
    checked = runner.invoke(app, ["check", str(bundle)])
    assert checked.exit_code == 0 and json.loads(checked.stdout)["ok"] is True


def test_npz_instances_solve_like_json(planted: Path, tmp_path: Path) -> None:
    npz = tmp_path / "inst.npz"
    made = runner.invoke(
        app,
        [
            "generate",
            "--groups",
            "2",
            "--size",
            "12",
            "--classes",
            "2",
            "--samples",
            "150",
            "--seed",
            "3",
            "--out",
            str(npz),
        ],
    )
    assert made.exit_code == 0
    assert load_instance(npz).sha256 == load_instance(planted).sha256
    from_npz = json.loads(runner.invoke(app, ["solve", str(npz), "--backend", "cpsat"]).stdout)
    from_json = json.loads(runner.invoke(app, ["solve", str(planted)]).stdout)
    assert from_npz["classes"] == from_json["classes"]


def test_invalid_instance_exits_2_and_names_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"groups": [{"size": 2, "classes": 2}], "samples": [[5, 1]]}))
    result = runner.invoke(app, ["solve", str(bad)])
    assert result.exit_code == 2
    assert "samples[0][0]" in result.output and "out of range" in result.output


@pytest.mark.parametrize(
    ("flags", "field"),
    [
        (["--backend", "nope"], "options.backend"),
        (["--solver", "nope"], "options.solver"),
        (["--time-limit", "-1"], "options.time_limit"),
    ],
)
def test_invalid_options_exit_2(planted: Path, flags: list[str], field: str) -> None:
    result = runner.invoke(app, ["solve", str(planted), *flags])
    assert result.exit_code == 2
    assert field in result.output


def test_encode_dimacs_is_readable_by_pysat(planted: Path, tmp_path: Path) -> None:
    out = tmp_path / "inst.cnf"
    assert runner.invoke(app, ["encode", str(planted), "--format", "dimacs", "--out", str(out)]).exit_code == 0
    cnf = CNF(from_file=str(out))
    assert cnf.nv > 0 and len(cnf.clauses) > 150
    text = runner.invoke(app, ["encode", str(planted), "--format", "cpsat-text"]).stdout
    assert "class[0," in text
    assert runner.invoke(app, ["encode", str(planted), "--format", "xml"]).exit_code == 2


def test_pretty_prints_a_table(planted: Path) -> None:
    result = runner.invoke(app, ["solve", str(planted), "--pretty"])
    assert result.exit_code == 0
    assert re.search(r"^status\s+(solved|unique)", result.stdout, flags=re.MULTILINE)
