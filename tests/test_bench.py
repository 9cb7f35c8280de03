"""The benchmark harness end to end on a tiny suite: records, resumability, limits, PAR-2 and plots."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.report import SOLVED, par2, recovery_rates, smallest_factor, summary_rows, write_reports
from bench.runner import Job, RunLimits, jobs_for, load_records, run_job, run_jobs
from bench.suites import SUITES, build_instance, build_lsa_instance, spec_id
from latentsat.cli import app
from problems.answers import SolveOptions

SOLVERS = ["pysat", "gradient"]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench")
    result = CliRunner().invoke(
        app, ["bench", "--suite", "tiny", "--solvers", ",".join(SOLVERS), "--out", str(out), "--time-limit", "20"]
    )
    assert result.exit_code == 0, result.output
    return out


def test_every_job_is_recorded_with_measurements(tiny_run: Path) -> None:
    records = load_records(tiny_run)
    assert len(records) == len(SUITES["tiny"].specs()) * len(SOLVERS)
    assert {r["solver"] for r in records} == set(SOLVERS)
    for record in records:
        assert record["wall_s"] > 0 and record["cpu_s"] > 0 and record["peak_rss_mb"] > 10
        assert record["n_samples"] > 0 and record["status"] in {*SOLVED, "unknown"}
        assert record["verified"] in (True, None)
    exact = [r for r in records if r["solver"] == "pysat"]
    assert all(r["status"] == "solved" and r["verified"] for r in exact)  # tiny planted instances are feasible


def test_reports_and_plots_are_written(tiny_run: Path) -> None:
    for name in ("results.jsonl", "results.csv", "summary.csv", "recovery.csv", "cactus.png", "recovery.png"):
        assert (tiny_run / name).stat().st_size > 0, name
    assert (tiny_run / "cactus.png").read_bytes()[:4] == b"\x89PNG"
    header = (tiny_run / "results.csv").read_text().splitlines()[0].split(",")
    assert {"status", "verified", "wall_s", "cpu_s", "peak_rss_mb", "recovered", "check_s"} <= set(header)


def test_a_rerun_skips_recorded_jobs(tiny_run: Path) -> None:
    before = load_records(tiny_run)
    skipped = []
    ran = run_jobs(jobs_for("tiny", SOLVERS, 20.0), tiny_run, RunLimits(20.0), lambda job, rec: skipped.append(rec))
    assert ran == 0 and skipped == [None] * len(before)
    assert load_records(tiny_run) == before


def test_a_new_solver_runs_only_its_own_jobs(tmp_path: Path) -> None:
    jobs = jobs_for("tiny", ["pysat"], 20.0)[:1]
    assert run_jobs(jobs, tmp_path, RunLimits(20.0), lambda *_: None) == 1
    more = [*jobs, Job(jobs[0].suite, jobs[0].instance, "cpsat", 20.0)]
    assert run_jobs(more, tmp_path, RunLimits(20.0), lambda *_: None) == 1
    assert [r["solver"] for r in load_records(tmp_path)] == ["pysat", "cpsat"]


def test_a_run_past_its_hard_limit_is_killed_and_recorded_unknown() -> None:
    job = jobs_for("tiny", ["pysat"], 0.2)[0]
    record = run_job(job, RunLimits(time_limit=0.2, grace=0.0, slack=0.3))
    assert record["status"] == "unknown" and "killed" in record["error"]
    assert record["wall_s"] < 5


def test_a_run_over_its_memory_limit_fails_without_stopping_the_harness() -> None:
    job = jobs_for("tiny", ["pysat"], 10.0)[0]
    record = run_job(job, RunLimits(time_limit=10.0, memory_mb=64))
    assert record["status"] in ("memout", "crashed", "error")
    assert record["exit_status"] != 0 or record["status"] == "error"


def _record(solver: str, wall: float, status: str = "solved", verified: bool = True, **extra: object) -> dict:
    return {"solver": solver, "wall_s": wall, "time_limit": 10.0, "status": status, "verified": verified, **extra}


def test_par2_on_known_records() -> None:
    records = [
        _record("a", 1.0),
        _record("a", 3.0, status="unique"),
        _record("a", 10.0, status="unknown", verified=None),  # unsolved: 2 × 10
        _record("b", 2.0, status="infeasible"),
        _record("b", 4.0, verified=False),  # an answer that did not verify is not solved: 2 × 10
        _record("b", 12.0),  # solved, but past the limit: 2 × 10
    ]
    assert par2(records) == {"a": pytest.approx(8.0), "b": pytest.approx(14.0)}
    rows = {row["solver"]: row for row in summary_rows(records)}
    assert rows["a"]["solved"] == 2 and rows["b"]["solved"] == 1 and rows["a"]["unique"] == 1


def test_recovery_rates_and_threshold(tmp_path: Path) -> None:
    def planted(solver: str, factor: float, hit: bool) -> dict:
        return _record(solver, 1.0, recovered=hit, p_kind="planted", p_size=50, p_factor=factor, instance="x")

    records = [
        planted("a", c, hit) for c, hits in ((1, [False] * 2), (2, [True, False]), (4, [True] * 2)) for hit in hits
    ]
    rates = recovery_rates(records, size=50)
    assert rates == {"a": {1.0: 0.0, 2.0: 0.5, 4.0: 1.0}}
    assert smallest_factor(rates["a"]) == 4.0 and smallest_factor({1.0: 0.2}) is None
    paths = write_reports(records, tmp_path)
    assert all(path.exists() for path in paths.values())
    lines = (tmp_path / "recovery.csv").read_text().splitlines()
    assert lines[0] == "solver,N,c,runs,rate,smallest_c_0.9" and lines[2] == "a,50,2.0,2,0.5,4.0"


def test_hardness_suites_build_through_the_reductions() -> None:
    grotzsch, _ = build_instance({"kind": "mycielski", "order": 4, "colours": 3})
    assert grotzsch.sizes == (11, 20) and grotzsch.n_samples == 40  # R1: vertices, one token per edge, 2 per edge
    formula, _ = build_instance({"kind": "3sat", "variables": 10, "ratio": 4.26, "seed": 0})
    assert formula.n_groups == 2 and formula.budgets == (3, 6)


def test_spec_ids_are_unique_within_each_suite() -> None:
    for suite in SUITES.values():
        ids = [spec_id(spec) for spec in suite.specs()]
        assert len(ids) == len(set(ids)), suite.name


def test_cli_lists_suites_and_rejects_unknown_names() -> None:
    runner = CliRunner()
    listing = runner.invoke(app, ["bench", "--list"])
    assert listing.exit_code == 0 and "tiny" in listing.stdout and "gradient" in listing.stdout  # the output: stdout
    assert runner.invoke(app, ["bench", "--suite", "nope"]).exit_code == 2
    assert runner.invoke(app, ["bench", "--solvers", "nope"]).exit_code == 2


def test_suites_and_solvers_that_are_not_installed_are_skipped_with_a_reason(tmp_path: Path) -> None:
    runner = CliRunner()
    if SUITES["lsa"].missing():
        result = runner.invoke(app, ["bench", "--suite", "lsa", "--out", str(tmp_path)])
        assert result.exit_code == 0 and "skipped" in result.output
    from bench.configs import solver_config

    if not solver_config("fast").available():
        result = runner.invoke(app, ["bench", "--suite", "tiny", "--solvers", "fast", "--out", str(tmp_path)])
        assert result.exit_code == 0 and "skipped" in result.output and not load_records(tmp_path)


def test_the_lsa_suite_covers_every_mode_at_several_d() -> None:
    specs = SUITES["lsa"].specs()
    assert {s["mode"] for s in specs} == {"exact-grid", "real", "best-fit"}
    assert len({s["d"] for s in specs if s["mode"] == "exact-grid"}) >= 2
    assert {s.get("variant") for s in specs} >= {"planted", "perturbed"}
    planted = build_lsa_instance(specs[0])
    assert planted == build_lsa_instance(specs[0]) and planted.mode == "exact-grid"  # rebuilt identically


def test_lsa_jobs_go_only_to_backends_of_their_mode() -> None:
    jobs = jobs_for("lsa", ["pysat", "cpsat", "structure", "varpro"], 5.0)
    by_mode = {(job.instance["mode"], job.solver) for job in jobs}
    assert ("exact-grid", "pysat") in by_mode and ("exact-grid", "structure") in by_mode
    assert ("best-fit", "varpro") in by_mode and ("real", "structure") in by_mode
    assert not {("best-fit", "pysat"), ("best-fit", "cpsat"), ("real", "cpsat"), ("exact-grid", "varpro")} & by_mode
    assert all(job.instance["kind"] == "planted" for job in jobs_for("tiny", ["structure", "pysat"], 5.0))
    assert {job.solver for job in jobs_for("tiny", ["structure", "pysat"], 5.0)} == {"pysat"}


def test_lsa_runs_in_child_processes_verify_and_report(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["bench", "--suite", "lsa-tiny", "--solvers", "pysat,varpro", "--out", str(tmp_path), "--time-limit", "20"],
    )
    assert result.exit_code == 0, result.output
    records = load_records(tmp_path)
    assert len(records) == len(jobs_for("lsa-tiny", ["pysat", "varpro"], 20.0)) >= 3
    for record in records:
        assert record["status"] in SOLVED and record["verified"] is True, record
        assert record["wall_s"] > 0 and record["cpu_s"] > 0 and record["peak_rss_mb"] > 10
    assert {r["status"] for r in records if r["p_mode"] == "exact-grid"} == {"solved", "infeasible"}
    assert {row["solver"]: row["solved"] for row in summary_rows(records)} == {"pysat": 2, "varpro": 1}
    assert (tmp_path / "cactus.png").read_bytes()[:4] == b"\x89PNG"


def test_a_wrong_lsa_answer_does_not_verify() -> None:
    from problems.lsa.answer import LsaAnswer
    from solvers.check_lsa import verify_values as verified_lsa
    from solvers.pipeline import solve as solve_lsa

    instance = build_lsa_instance({"kind": "lsa", "mode": "exact-grid", "d": 2, "variant": "planted", "seed": 0})
    answer = solve_lsa(instance, SolveOptions(backend="cpsat", time_limit=20))
    assert verified_lsa(instance, answer) is True
    wrong = answer.model_copy(update={"b": [str(Fraction(v) + 1) for v in answer.b]})
    assert verified_lsa(instance, wrong) is False
    assert verified_lsa(instance, LsaAnswer(status="unknown", mode="exact-grid")) is None


def test_a_configuration_whose_sub_solver_does_not_fit_a_kind_gets_no_job_there(tmp_path: Path) -> None:
    """`gradient-embed` and `gradient-long` set the partition learner's `mlp:` options; LSA's gradient takes none."""
    tuned = ["gradient-embed", "gradient-long"]
    lsa = {(job.instance["mode"], job.solver) for job in jobs_for("lsa", ["gradient", *tuned], 5.0)}
    assert lsa == {("real", "gradient"), ("best-fit", "gradient")}
    assert {job.solver for job in jobs_for("tiny", tuned, 5.0)} == set(tuned)
    result = CliRunner().invoke(app, ["bench", "--suite", "lsa-tiny", "--solvers", tuned[0], "--out", str(tmp_path)])
    assert result.exit_code == 0 and "cannot take any instance" in result.output
    assert load_records(tmp_path) == []
