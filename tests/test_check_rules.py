"""`latentsat check` derives what each status must prove from the instance and the status alone (issue 11 §1).

The two forgeries of the issue, the bad lemma of the issue, a status the instance does not admit, answers that
carry more or other than their status needs, LSA answers and answers lifted through the hardness reductions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from latentsat.cli import app
from problems.answers import SolveOptions
from problems.generate import planted_partition
from solvers.checks import check_data
from solvers.pipeline import solve, solve_json

runner = CliRunner()
CHECKERS = ["auto", "rup", "drup", "backward"]


def run_check(tmp_path: Path, instance: dict[str, Any], answer: dict[str, Any], *args: str) -> tuple[int, dict]:
    bundle = tmp_path / "bundle.json"
    bundle.write_text(json.dumps({"instance": instance, "answer": answer}))
    result = runner.invoke(app, ["check", str(bundle), *args])
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.output  # one verdict line, no traceback
    return result.exit_code, json.loads(lines[0])


ZERO_OPTIMUM = {
    "kind": "partition",
    "groups": [{"size": 2, "classes": 2}],
    "samples": [[0, 1], [1, 0], [0, 1], [1, 0]],
    "max_violations": "minimize",
}


@pytest.mark.parametrize("certificate", [None, {"kind": "solution", "checked": True}])
def test_optimal_with_two_violations_on_a_zero_optimum_is_rejected(tmp_path: Path, certificate: Any) -> None:
    """Issue 11 §1, first case: one class for both tokens leaves 2 samples violated (the recount agrees)."""
    forged = {
        "status": "optimal",
        "classes": [[0, 0]],
        "table": [{"cell": [0], "label": 1}],
        "unconstrained": [[]],
        "violations": 2,
        "certificate": certificate,
    }
    code, verdict = run_check(tmp_path, ZERO_OPTIMUM, forged)
    assert code == 1 and verdict["ok"] is False
    wanted = "optimal needs a 'drup' certificate or a 'violation-bound' certificate (a refutation of 1 or fewer"
    assert wanted in verdict["reason"]


def test_a_forged_pigeonhole_infeasibility_under_max_violations_1_is_rejected(tmp_path: Path) -> None:
    """Issue 11 §1, second case: `solve` answers `solved` with 1 violation; a forged pigeonhole `infeasible`."""
    instance = {"kind": "partition", "groups": [{"size": 2, "classes": 1}], "samples": [[0, 1], [1, 2], [0, 1]]}
    instance["max_violations"] = 1
    solved = solve_json(instance).model_dump(mode="json")
    assert solved["status"] == "solved" and solved["violations"] == 1
    forged = {"status": "infeasible", "certificate": {"kind": "pigeonhole", "checked": True, "samples": [0, 1]}}
    code, verdict = run_check(tmp_path, instance, forged)
    assert code == 1
    assert "counting distinct labels proves nothing when samples may be violated" in verdict["reason"]
    with_hash = {**forged["certificate"], "instance_sha256": _sha(instance)}
    assert run_check(tmp_path, instance, {**forged, "certificate": with_hash})[0] == 1


def _sha(instance: dict[str, Any]) -> str:
    from problems.partition import instance_from_dict

    return instance_from_dict(instance).sha256


@pytest.fixture(scope="module")
def unique_bundle() -> tuple[dict[str, Any], dict[str, Any]]:
    instance, _ = planted_partition(3, 12, 2, 2, n_samples=200, seed=4)
    answer = solve(instance, SolveOptions(unique=True)).model_dump(mode="json")
    assert answer["status"] == "unique"
    return instance.to_json_dict(), answer


@pytest.mark.parametrize("checker", CHECKERS)
def test_the_issues_bad_lemma_gets_one_verdict_from_every_checker(
    tmp_path: Path, unique_bundle: tuple[dict[str, Any], dict[str, Any]], checker: str
) -> None:
    """Issue 11 §1: `2000000000 -2000000000 0` made the default checker grow to 2.2 GB and die, drup accept and
    backward reject. Now every checker rejects it before any propagation, naming the step and the literal."""
    instance, answer = unique_bundle
    certificate = dict(answer["certificate"])
    certificate["proof"] = "2000000000 -2000000000 0\n" + certificate["proof"]
    certificate["proof_sha256"] = None
    code, verdict = run_check(tmp_path, instance, {**answer, "certificate": certificate}, "--checker", checker)
    assert code == 1
    assert verdict["reason"].startswith("malformed proof: proof step 1: literal 2000000000 is outside the CNF's")


def test_the_genuine_unique_bundle_passes_every_checker(
    tmp_path: Path, unique_bundle: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    instance, answer = unique_bundle
    for checker in CHECKERS:
        code, verdict = run_check(tmp_path, instance, answer, "--checker", checker)
        assert code == 0 and verdict["ok"], verdict


def test_a_status_the_instance_does_not_admit_is_rejected(
    unique_bundle: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    instance, answer = unique_bundle
    noisy = {**instance, "max_violations": 1}
    assert "exact recovery only" in check_data(noisy, answer).reason
    minimize = {**instance, "max_violations": "minimize"}
    infeasible = {"status": "infeasible", "certificate": answer["certificate"]}
    assert "every instance has a solution" in check_data(minimize, infeasible).reason
    assert "belong to max_violations 'minimize'" in check_data(instance, {**answer, "status": "optimal"}).reason


def test_an_answer_carries_exactly_what_its_status_needs(
    unique_bundle: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    instance, answer = unique_bundle
    assert check_data(instance, answer).ok
    cases = {
        "extra_clauses are not the clauses this status adds": {
            "certificate": {**answer["certificate"], "extra_clauses": []}
        },
        "has no field 'upper_bound'": {"upper_bound": 0},
        "lower_bound and gap belong to noisy instances": {"lower_bound": 0, "gap": 0},
        "does not parse: violations": {"violations": "0"},
        "a drup certificate does not carry samples": {"certificate": {**answer["certificate"], "samples": [0]}},
        "unique cannot carry an alternative here": {"alternative": answer["classes"]},
        "not in canonical form": {  # the same partition and table, group 0's classes named the other way round
            "classes": [[1 - c for c in answer["classes"][0]], *answer["classes"][1:]],
            "table": [{**e, "cell": [1 - e["cell"][0], *e["cell"][1:]]} for e in answer["table"]],
        },
        "which no sample reaches": {"table": [*answer["table"], {"cell": [1, 1, 1], "label": 0}]},
        "lists a cell twice": {"table": [*answer["table"], answer["table"][0]]},
        "refutation here comes from": {"certificate": {**answer["certificate"], "encoder": "partition->wcnf"}},
    }
    for reason, change in cases.items():
        if reason == "which no sample reaches" and any(e["cell"] == [1, 1, 1] for e in answer["table"]):
            continue
        report = check_data(instance, {**answer, **change})
        assert not report.ok and reason in report.reason, (reason, report.reason)


def test_an_answer_without_a_proof_says_what_is_missing(unique_bundle: tuple[dict[str, Any], dict[str, Any]]) -> None:
    instance, _ = unique_bundle
    from problems.partition import instance_from_dict

    unproven = solve(instance_from_dict(instance), SolveOptions(unique=True, proof=False)).model_dump(mode="json")
    assert unproven["status"] == "unique" and unproven["certificate"]["kind"] == "none"
    assert check_data(instance, unproven).reason == "unique needs a 'drup' certificate; this one is none"


LSA_GRID = {"kind": "lsa", "d": 1, "x": [["1"], ["3"], ["2"]], "mode": "exact-grid", "grid": [-2, -1, 0, 1, 2]}


def test_lsa_answers_are_checked_by_recomputing_phi(tmp_path: Path) -> None:
    answer = solve_json(LSA_GRID).model_dump(mode="json")
    assert answer["status"] == "solved"
    assert run_check(tmp_path, LSA_GRID, answer)[0] == 0
    b = [str(int(answer["b"][0]) + 1), *answer["b"][1:]]
    moved = {**answer, "b": b, "b_float": [float(v) for v in b]}
    assert check_data(LSA_GRID, moved).reason == "φ(b, A) differs from X"
    assert check_data(LSA_GRID, {**answer, "b_float": [9.0, 9.0]}).reason == "b_float is not the float view of b"
    other = {**LSA_GRID, "x": [["2"], ["6"], ["3"]]}
    infeasible = solve_json(other).model_dump(mode="json")
    assert infeasible["status"] == "infeasible" and check_data(other, infeasible).ok
    assert not check_data(LSA_GRID, infeasible).ok  # the proof refutes another X


def test_an_infeasible_real_mode_answer_is_not_a_checkable_proof() -> None:
    data = {"kind": "lsa", "d": 1, "x": [["1"], ["1"], ["1"]], "mode": "real", "box": ["-1/2", "1/2"], "bits": 3}
    answer = solve_json(data, SolveOptions(backend="mathopt", solver="highs")).model_dump(mode="json")
    assert answer["status"] == "unknown" and "verdict was infeasible" in answer["message"]  # solvers/claims.py
    assert check_data(data, answer).ok
    report = check_data(data, {**answer, "status": "infeasible"})
    assert not report.ok and "no checkable certificate" in report.reason


def test_a_real_mode_solution_is_rescaled_into_the_box_or_not_claimed() -> None:
    """The structure backend works over all the reals; `solved` means in the box, which `check` verifies exactly."""
    fits = {"kind": "lsa", "d": 1, "x": [["1"], ["3"], ["2"]], "mode": "real", "box": ["1/2", "3"]}
    answer = solve_json(fits, SolveOptions(backend="structure")).model_dump(mode="json")
    assert answer["status"] == "solved" and check_data(fits, answer).ok
    outside = {**answer, "b": ["5", *answer["b"][1:]], "b_float": [5.0, *answer["b_float"][1:]]}
    assert "outside the box" in check_data(fits, outside).reason
    too_big = {"kind": "lsa", "d": 1, "x": [["9"], ["30"], ["20"]], "mode": "real"}  # no (λb, A/λ) fits [-4, 4]
    answer = solve_json(too_big, SolveOptions(backend="structure")).model_dump(mode="json")
    assert answer["status"] == "unknown" and "no rescaling" in answer["message"] and check_data(too_big, answer).ok


def test_lifted_answers_are_checked_against_the_reductions_map(tmp_path: Path) -> None:
    clique = tmp_path / "k4.col"
    clique.write_text("p edge 4 6\ne 1 2\ne 1 3\ne 1 4\ne 2 3\ne 2 4\ne 3 4\n")
    for k, status in [(4, "solved"), (3, "infeasible")]:
        target, map_path = tmp_path / f"k{k}.json", tmp_path / f"map{k}.json"
        assert (
            runner.invoke(
                app, ["reduce", "R1", str(clique), "--k", str(k), "--out", str(target), "--map", str(map_path)]
            ).exit_code
            == 0
        )
        answer = tmp_path / f"answer{k}.json"
        answer.write_text(runner.invoke(app, ["solve", str(target)]).stdout)
        lifted = tmp_path / f"lifted{k}.json"
        assert runner.invoke(app, ["lift", str(map_path), str(answer), "--out", str(lifted)]).exit_code == 0
        assert json.loads(lifted.read_text())["status"] == status
        checked = runner.invoke(app, ["check", str(lifted), "--instance", str(map_path)])
        assert checked.exit_code == 0, checked.output
        data = json.loads(lifted.read_text())
        if status == "solved":
            data["colour"][1] = data["colour"][0]
        else:
            data["target_certificate"]["proof"] = "0\n"
            data["target_certificate"]["proof_sha256"] = None
        lifted.write_text(json.dumps(data))
        assert runner.invoke(app, ["check", str(lifted), "--instance", str(map_path)]).exit_code == 1
