"""Progress on stderr (rich) for the commands that can run more than a second: a spinner or a bar, the current
stage, and the elapsed time. Silent with `--quiet`, or when stderr is not a terminal (logs and CI stay clean);
stdout, which carries the JSON answer, is never touched.

A `Reporter` is also the stage callback of the solve path: `reporter.stage` is a `progress(stage: str) -> None`
that the pipeline calls with `encode`, `search`, `proof`, `check` or `warm-start`:

    with progress("solving inst.json", quiet=quiet) as report:
        answer = solve(instance, options, progress=report.stage)
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Protocol

import typer
from rich.console import Console

QuietOption = Annotated[
    bool,
    typer.Option(
        "--quiet", "-q", help="no progress on stderr (shown only when stderr is a terminal)", show_default="off"
    ),
]

# What the solve path reports, in the order it usually reports them; any other name is shown as given.
SOLVE_STAGES = ("warm-start", "encode", "search", "proof", "check")


class StageCallback(Protocol):
    """The progress callback of the solve path: called with the name of the stage that starts."""

    def __call__(self, stage: str) -> None: ...


class Reporter:
    """Progress of one command; a no-op when the display is off, so callers never need to check."""

    def __init__(self, bar: object | None = None, task: object | None = None) -> None:
        self._bar, self._task = bar, task
        self.stages: list[tuple[str, float]] = []  # (stage, monotonic start), kept even when silent

    @property
    def active(self) -> bool:
        return self._bar is not None

    def stage(self, name: str) -> None:
        """A new stage starts (the `progress(stage)` callback); drawn at once, not at the next tick."""
        self.stages.append((name, time.monotonic()))
        self._update(stage=name)
        if self._bar is not None:
            self._bar.refresh()  # type: ignore[attr-defined]

    __call__ = stage

    def advance(self, steps: int = 1, note: str | None = None) -> None:
        """Move a bar on by `steps` (commands with a known total), with an optional note after the description."""
        if self._bar is not None:
            self._bar.update(self._task, advance=steps, **({"note": note} if note is not None else {}))  # type: ignore[attr-defined]

    def log(self, message: str) -> None:
        """A line printed above the display (kept when the display ends); nothing when the display is off."""
        if self._bar is not None:
            self._bar.console.print(message, highlight=False)  # type: ignore[attr-defined]

    def _update(self, **fields: str) -> None:
        if self._bar is not None:
            self._bar.update(self._task, **fields)  # type: ignore[attr-defined]


def stderr_console() -> Console:
    return Console(stderr=True)


@contextmanager
def progress(
    description: str,
    *,
    quiet: bool = False,
    total: int | None = None,
    transient: bool = True,
    console: Console | None = None,
) -> Iterator[Reporter]:
    """Show `description` with a spinner (or a bar of `total` steps), the current stage and the elapsed time.

    Nothing is drawn when `quiet` or when the console (stderr by default) is not a terminal.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = console or stderr_console()
    if quiet or not console.is_terminal:
        yield Reporter()
        return
    columns = [SpinnerColumn(), TextColumn("{task.description}"), TextColumn("[cyan]{task.fields[stage]}")]
    if total is not None:
        columns += [BarColumn(), MofNCompleteColumn()]
    columns += [TimeElapsedColumn(), TextColumn("[dim]{task.fields[note]}")]
    with Progress(*columns, console=console, transient=transient) as bar:
        task = bar.add_task(description, total=total, stage="", note="")
        yield Reporter(bar, task)
