"""The CLI routes every file through the kinds registry: `solve` and `check` work alike for every kind."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from latentsat.cli import app

runner = CliRunner()
LSA_GRID = {"kind": "lsa", "d": 1, "x": [["2"], ["5"], ["3"]], "grid": [1, 2, 3]}
LSA_INFEASIBLE = {"kind": "lsa", "d": 1, "x": [["2"], ["5"], ["4"]], "grid": [1, 2, 3]}


@pytest.mark.parametrize("backend", ["pysat", "cpsat", "structure"])
def test_an_lsa_solve_writes_its_bundle_prints_the_pretty_form_and_checks(tmp_path: Path, backend: str) -> None:
    instance, bundle = tmp_path / "lsa.json", tmp_path / "cert.json"
    instance.write_text(json.dumps(LSA_GRID))
    result = runner.invoke(app, ["solve", str(instance), "--backend", backend, "--bundle", str(bundle), "--pretty"])
    assert result.exit_code == 0, result.output
    assert re.search(r"^status\s+solved", result.stdout, flags=re.MULTILINE)  # the tables, not JSON
    assert re.search(r"^mode\s+exact-grid", result.stdout, flags=re.MULTILINE) and not result.stdout.startswith("{")
    written = json.loads(bundle.read_text())
    assert written["kind"] == "lsa" and written["answer"]["status"] == "solved"
    assert written["instance"]["x"] == LSA_GRID["x"]
    checked = runner.invoke(app, ["check", str(bundle)])
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout)["ok"] is True


def test_an_lsa_refutation_is_rechecked_and_a_forged_one_rejected(tmp_path: Path) -> None:
    instance, bundle = tmp_path / "lsa.json", tmp_path / "cert.json"
    instance.write_text(json.dumps(LSA_INFEASIBLE))
    result = runner.invoke(app, ["solve", str(instance), "--bundle", str(bundle)])
    assert result.exit_code == 0 and json.loads(result.stdout)["status"] == "infeasible"
    assert json.loads(runner.invoke(app, ["check", str(bundle)]).stdout)["ok"] is True
    forged = json.loads(bundle.read_text())
    forged["answer"]["certificate"]["proof"] = "0\n"  # the empty clause alone
    bundle.write_text(json.dumps(forged))
    rejected = runner.invoke(app, ["check", str(bundle)])
    assert rejected.exit_code == 1 and json.loads(rejected.stdout)["ok"] is False


def test_a_wrong_lsa_solution_in_a_bundle_is_rejected(tmp_path: Path) -> None:
    instance, bundle = tmp_path / "lsa.json", tmp_path / "cert.json"
    instance.write_text(json.dumps(LSA_GRID))
    assert runner.invoke(app, ["solve", str(instance), "--bundle", str(bundle)]).exit_code == 0
    wrong = json.loads(bundle.read_text())
    wrong["answer"]["b"][0] = "3"
    bundle.write_text(json.dumps(wrong))
    assert runner.invoke(app, ["check", str(bundle)]).exit_code == 1


def test_an_unknown_backend_lists_the_choices(tmp_path: Path) -> None:
    instance = tmp_path / "lsa.json"
    instance.write_text(json.dumps(LSA_GRID))
    result = runner.invoke(app, ["solve", str(instance), "--backend", "nope"])
    assert result.exit_code == 2
    assert all(name in result.output for name in ("pysat", "cpsat", "gradient", "fast", "portfolio"))


@pytest.mark.parametrize(
    ("instance", "backend", "names"),
    [
        ({"kind": "lsa", "d": 1, "markov": {"n": 100}, "mode": "best-fit"}, "pysat", "varpro"),
        ({"kind": "lsa", "d": 1, "markov": {"n": 100}, "mode": "best-fit"}, "cpsat", "varpro"),
        ({**LSA_GRID, "mode": "real"}, "pysat", "structure"),
        ({**LSA_GRID, "mode": "real", "epsilon": "1/10"}, "structure", "ε = 0"),  # was a failed job over HTTP
    ],
)
def test_a_backend_the_lsa_mode_does_not_take_is_refused_not_replaced(
    tmp_path: Path, instance: dict[str, object], backend: str, names: str
) -> None:
    """Issue 16: `solve lsa2.json --backend pysat` on a best-fit instance silently ran varpro."""
    path = tmp_path / "lsa.json"
    path.write_text(json.dumps(instance))
    result = runner.invoke(app, ["solve", str(path), "--backend", backend])
    assert result.exit_code == 2, result.output
    assert "options.backend" in result.output and names in result.output


def test_a_markov_model_bundle_is_checked_as_written(tmp_path: Path) -> None:
    """The bundle of a best-fit instance wrote X* beside `markov`, which reading then refused (exit 2)."""
    example = Path(__file__).resolve().parents[1] / "examples" / "lsa_best_fit.json"
    bundle = tmp_path / "cert.json"
    assert runner.invoke(app, ["solve", str(example), "--bundle", str(bundle)]).exit_code == 0
    assert "x" not in json.loads(bundle.read_text())["instance"]
    checked = runner.invoke(app, ["check", str(bundle)])
    assert checked.exit_code == 0 and json.loads(checked.stdout)["ok"] is True, checked.output
