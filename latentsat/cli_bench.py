"""`latentsat bench`: run a benchmark suite against solver configurations, resumably, and write the reports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console(stderr=True)


def bench(
    suite: Annotated[str, typer.Option(help="suite name; --list shows them")] = "tiny",
    solvers: Annotated[str, typer.Option(help="comma-separated solver configurations")] = "pysat,cpsat",
    out: Annotated[Path, typer.Option(help="results folder (JSONL, CSV, plots); reruns resume here")] = Path(
        "bench/results"
    ),
    time_limit: Annotated[float, typer.Option(help="wall seconds per run")] = 60.0,
    memory_mb: Annotated[int, typer.Option(help="address-space limit per run (RLIMIT_AS), MiB")] = 8192,
    list_all: Annotated[bool, typer.Option("--list", help="list suites and solver configurations, then exit")] = False,
) -> None:
    """Run every (instance, solver) of a suite in a fresh process under limits; report PAR-2 and plots."""
    from bench.configs import SOLVER_CONFIGS, solver_config
    from bench.suites import SUITES

    if list_all:
        _list(SUITES, SOLVER_CONFIGS)
        return
    if suite not in SUITES:
        console.print(f"[red]invalid input[/red] no suite {suite!r}; known: {', '.join(SUITES)}")
        raise typer.Exit(2)
    missing = SUITES[suite].missing()
    if missing:
        console.print(f"suite {suite!r} skipped: needs {', '.join(missing)}, which is not installed here")
        return
    try:
        configs = [solver_config(name.strip()) for name in solvers.split(",") if name.strip()]
    except ValueError as exc:
        console.print(f"[red]invalid input[/red] {exc}")
        raise typer.Exit(2) from exc
    names = []
    for config in configs:
        if config.available():
            names.append(config.name)
        else:
            console.print(f"solver {config.name!r} skipped: backend {config.options.get('backend')!r} not available")
    if not names:
        console.print("no solver configuration can run here; nothing to do")
        return
    from bench.runner import run_and_report

    run_and_report(suite, names, out, time_limit, memory_mb)


def _list(suites: dict, configs: list) -> None:
    for suite in suites.values():
        missing = suite.missing()
        note = f" (skipped: needs {', '.join(missing)})" if missing else ""
        console.print(f"suite  {suite.name:10} {suite.summary}{note}")
    for config in configs:
        note = "" if config.available() else " (backend not available here)"
        console.print(f"solver {config.name:14} {config.summary}{note}")
