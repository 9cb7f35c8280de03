"""`latentsat bench`: run a benchmark suite against solver configurations, resumably, and write the reports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from latentsat.progress import QuietOption, Reporter, progress
from problems.errors import InvalidOptions

if TYPE_CHECKING:
    from bench.runner import Job

console = Console(stderr=True)


def bench(
    suite: Annotated[str, typer.Option(help="suite name; --list shows them")] = "tiny",
    solvers: Annotated[str, typer.Option(help="comma-separated solver configurations")] = "pysat,cpsat",
    out: Annotated[Path, typer.Option(help="results folder (JSONL, CSV, plots); reruns resume here")] = Path(
        "bench/results"
    ),
    time_limit: Annotated[float, typer.Option(help="wall seconds per run, > 0")] = 60.0,
    memory_mb: Annotated[int, typer.Option(min=1, help="address-space limit per run (RLIMIT_AS), MiB")] = 8192,
    list_all: Annotated[
        bool, typer.Option("--list", help="list suites and solver configurations, then exit", show_default="off")
    ] = False,
    quiet: QuietOption = False,
    queue: Annotated[
        str | None,
        typer.Option(
            help="redis://HOST:PORT/DB: fan the runs out to `latentsat worker`s",
            envvar="LATENTSAT_QUEUE",
            show_default="run here, one at a time",
        ),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            help="also run every job with the worker of this checkout (e.g. `git worktree add ../base main`); "
            "its runs are labelled solver@FOLDER",
            show_default="none",
            exists=True,
            file_okay=False,
        ),
    ] = None,
) -> None:
    """Run every (instance, solver) of a suite in a fresh process under limits; report PAR-2 and plots."""
    from bench.configs import SOLVER_CONFIGS, solver_config
    from bench.suites import SUITES

    if list_all:
        _list(SUITES, SOLVER_CONFIGS)
        return
    if not time_limit > 0:
        raise InvalidOptions(f"must be > 0, got {time_limit}", "--time-limit")
    if suite not in SUITES:
        raise InvalidOptions(f"no suite {suite!r}; known: {', '.join(SUITES)}", "--suite")
    missing = SUITES[suite].missing()
    if missing:
        console.print(f"suite {suite!r} skipped: needs {', '.join(missing)}, which is not installed here")
        return
    try:
        configs = [solver_config(name.strip()) for name in solvers.split(",") if name.strip()]
    except ValueError as exc:
        raise InvalidOptions(str(exc), "--solvers") from exc
    names = []
    for config in configs:
        if config.available():
            names.append(config.name)
        else:
            console.print(f"solver {config.name!r} skipped: backend {config.options.get('backend')!r} not available")
    if not names:
        console.print("no solver configuration can run here; nothing to do")
        return
    if baseline is not None and not (baseline / "bench" / "worker.py").exists():
        raise InvalidOptions(f"no bench/worker.py in {baseline}", "--baseline")
    run_and_report(suite, names, out, time_limit, memory_mb, quiet, queue, baseline)


def run_and_report(
    suite: str,
    solvers: list[str],
    out: Path,
    time_limit: float,
    memory_mb: int,
    quiet: bool = False,
    queue: str | None = None,
    baseline: Path | None = None,
) -> None:
    """The suite's jobs with progress on stderr, then the summary table; running them and writing the reports is
    the bench library's (`bench.runner.run_suite`)."""
    from bench.report import summary_rows
    from bench.runner import RunLimits, jobs_for, jobs_from, run_suite

    jobs = jobs_for(suite, solvers, time_limit)
    if baseline is not None:  # instance-major: each run of the baseline right after the same run of this code
        jobs = [job for pair in zip(jobs, jobs_from(jobs, baseline), strict=True) for job in pair]
    for name in sorted(set(solvers) - {job.solver for job in jobs}):
        console.print(f"solver {name!r} skipped: it cannot take any instance of suite {suite!r}")
    limits = RunLimits(time_limit=time_limit, memory_mb=memory_mb)
    with progress(f"suite {suite}", quiet=quiet, total=len(jobs), transient=False) as report:
        records, paths = run_suite(jobs, out, limits, _reporting(jobs, report), queue)
    table = Table(title=f"suite {suite}, limit {time_limit:g} s")
    rows = summary_rows(records)
    for column in rows[0] if rows else []:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    Console().print(table)
    console.print("reports: " + ", ".join(str(p) for p in paths.values()))


def _reporting(jobs: list[Job], report: Reporter) -> Callable[[Job, dict[str, Any] | None], None]:
    """The `on_done` of `run_jobs`: one line per finished run, and the run that starts next as the stage."""
    from bench.suites import spec_id

    position = iter(range(1, len(jobs) + 1))
    if jobs:
        report.stage(f"{spec_id(jobs[0].instance)} {jobs[0].solver}")

    def on_done(job: Job, record: dict[str, Any] | None) -> None:
        following = next(position)
        name = f"{spec_id(job.instance)} {job.solver}"
        if record is None:
            report.log(f"{name}: recorded before, skipped")
        else:
            report.log(f"{name}: {record.get('status', '?')} in {record.get('wall_s', 0):.2f} s")
        report.advance()
        if following < len(jobs):
            report.stage(f"{spec_id(jobs[following].instance)} {jobs[following].solver}")

    return on_done


def _list(suites: dict, configs: list) -> None:
    """The listing is the command's output: stdout (progress and notes go to stderr)."""
    for suite in suites.values():
        missing = suite.missing()
        note = f" (skipped: needs {', '.join(missing)})" if missing else ""
        print(f"suite  {suite.name:10} {suite.summary}{note}")
    for config in configs:
        note = "" if config.available() else " (backend not available here)"
        print(f"solver {config.name:14} {config.summary}{note}")
