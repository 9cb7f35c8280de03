"""The `lsa` kind end to end: every mode and backend through the one solve path, the CLI, and the baseline."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from latentsat.cli import app
from problems.answers import AnswerStatus, SolveOptions
from problems.lsa.fit import FitTarget, phi_np
from problems.lsa.phi import phi
from solvers.adam import loss_and_grad
from solvers.kinds import kinds
from solvers.pipeline import solve_json
from solvers.proofs import Checker, check_proof


def planted_x(d: int, seed: int, low: int = -2, high: int = 2) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    b = [Fraction(int(v)) for v in rng.integers(low, high + 1, d + 1)]
    a = [[Fraction(int(v)) for v in rng.integers(low, high + 1, d)] for _ in range(d + 1)]
    return [[str(v) for v in row] for row in phi(b, a)]


def exact_phi_of(answer: dict) -> list[list[str]]:
    b = [Fraction(v) for v in answer["b"]]
    a = [[Fraction(v) for v in row] for row in answer["a"]]
    return [[str(v) for v in row] for row in phi(b, a)]


@pytest.mark.parametrize("backend", ["pysat", "cpsat", "structure"])
@pytest.mark.parametrize("d", [1, 2, 3])
def test_exact_grid_recovers_planted_points(backend: str, d: int) -> None:
    x = planted_x(d, seed=d)
    data = {"kind": "lsa", "d": d, "x": x, "grid": [-2, -1, 0, 1, 2]}
    answer = solve_json(data, SolveOptions(backend=backend, time_limit=30)).model_dump(mode="json")
    assert answer["status"] == "solved"
    assert exact_phi_of(answer) == x
    assert answer["certificate"]["checked"]


@pytest.mark.parametrize("backend", ["pysat", "cpsat", "structure"])
def test_perturbed_x_is_infeasible_with_a_checked_drup_proof(backend: str) -> None:
    x = planted_x(2, seed=3)
    x[1][0] = str(Fraction(x[1][0]) + 1)
    data = {"kind": "lsa", "d": 2, "x": x, "grid": [-2, -1, 0, 1, 2]}
    answer = solve_json(data, SolveOptions(backend=backend, time_limit=30, checker="drup"))
    assert answer.status is AnswerStatus.INFEASIBLE
    certificate = answer.certificate
    assert certificate.kind == "drup" and certificate.checked and certificate.checker == "drup"
    assert check_proof(certificate.cnf, certificate.proof, Checker.DRUP)[0]


def test_real_mode_milp_finds_a_verified_point() -> None:
    x = planted_x(2, seed=5)
    data = {"kind": "lsa", "d": 2, "x": x, "mode": "real", "box": [-4, 4], "bits": 4}
    answer = solve_json(data, SolveOptions(backend="mathopt", solver="highs", time_limit=60)).model_dump(mode="json")
    assert answer["status"] == "solved"
    assert exact_phi_of(answer) == x  # ε = 0: exact


def test_real_mode_milp_infeasible_means_no_dyadic_b() -> None:
    # X_00 = b_0 A_00 = 1 with |b|, |A| ≤ 1/2 is impossible whatever the grid
    x = [["1"], ["0"], ["0"]]
    data = {"kind": "lsa", "d": 1, "x": x, "mode": "real", "box": ["-1/2", "1/2"], "bits": 3}
    answer = solve_json(data, SolveOptions(backend="mathopt", solver="highs", time_limit=30))
    assert answer.status is AnswerStatus.UNKNOWN  # a MILP's floating-point verdict is not a certificate
    assert "dyadic grid" in answer.certificate.claim and not answer.certificate.checked
    assert answer.certificate.kind == "none" and "verdict was infeasible" in answer.message


def test_real_mode_structure_on_markov_optima() -> None:
    one = solve_json({"kind": "lsa", "d": 1, "markov": {"n": 100}, "mode": "real"}, SolveOptions(backend="structure"))
    assert one.status is AnswerStatus.SOLVED and "sqrt" in one.b[1]
    two = solve_json({"kind": "lsa", "d": 2, "markov": {"n": 100}, "mode": "real"}, SolveOptions(backend="structure"))
    assert two.status is AnswerStatus.UNKNOWN and "support enumeration" in two.message  # not a checkable proof


def test_best_fit_no_worse_than_the_adam_baseline() -> None:
    data = {"kind": "lsa", "d": 2, "markov": {"n": 100, "p": "1/2"}, "mode": "best-fit"}
    ours = solve_json(data, SolveOptions(backend="varpro", time_limit=10))
    adam = solve_json(data, SolveOptions(backend="gradient", time_limit=3))
    assert ours.status is AnswerStatus.SOLVED and ours.lower_bound == "0"
    assert Fraction(ours.loss_excess) > 0
    assert ours.gap <= adam.loss_excess_float + 1e-12


def test_best_fit_is_optimal_when_x_star_is_realisable() -> None:
    answer = solve_json({"kind": "lsa", "d": 1, "markov": {"n": 100}, "mode": "best-fit"}, SolveOptions())
    assert answer.status is AnswerStatus.OPTIMAL and answer.gap == 0


def test_gradient_of_the_baseline_loss_matches_finite_differences() -> None:
    rng = np.random.default_rng(0)
    d = 3
    size = (d + 1) * (d + 2) // 2 * d
    root = rng.standard_normal((size, size))
    target = FitTarget(d, rng.standard_normal(size), root @ root.T / size + np.eye(size))
    b, a = rng.standard_normal(d + 1), rng.standard_normal((d + 1, d))
    _, grad_b, grad_a = loss_and_grad(target, b, a)
    h = 1e-6

    def value(bb: np.ndarray, aa: np.ndarray) -> float:
        res = phi_np(bb, aa) - target.target
        return float(res @ target.weight @ res)

    for i in range(d + 1):
        e = np.zeros(d + 1)
        e[i] = h
        assert abs((value(b + e, a) - value(b - e, a)) / (2 * h) - grad_b[i]) < 1e-4
    e = np.zeros((d + 1, d))
    e[2, 1] = h
    assert abs((value(b, a + e) - value(b, a - e)) / (2 * h) - grad_a[2, 1]) < 1e-4


def test_lsa_is_a_registered_kind() -> None:
    assert "lsa" in kinds()
    assert "markov" in kinds()["lsa"].schema()["properties"]


def test_cli_xstar_and_solve(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["lsa", "xstar", "--d", "1", "--n", "100", "--p", "0.5"])
    assert result.exit_code == 0
    out = json.loads(result.stdout)
    assert out["x"] == [["-200/16527"], ["29800/16527"], ["80/787"]]
    assert len(out["x_float"]) == 3
    assert runner.invoke(app, ["lsa", "xstar", "--p", "2"]).exit_code == 2
    instance = tmp_path / "lsa.json"
    instance.write_text(json.dumps({"kind": "lsa", "d": 1, "x": [["2"], ["5"], ["3"]], "grid": [1, 2, 3]}))
    solved = runner.invoke(app, ["solve", str(instance), "--backend", "cpsat"])
    assert solved.exit_code == 0
    assert json.loads(solved.stdout)["status"] == "solved"
    instance.write_text(json.dumps({"kind": "lsa", "d": 1, "x": [["2"]]}))
    bad = runner.invoke(app, ["solve", str(instance)])
    assert bad.exit_code == 2
