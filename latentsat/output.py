"""What every `latentsat` command shares: JSON on stdout, errors as exit codes, progress and pretty answers.

Exit codes: 0 an answer was produced (any status), 2 invalid input (the message names the field), 1 otherwise.
The command modules import this one, never each other.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from problems.answers import Answer, SolveOptions
from problems.errors import InvalidOptions, LatentsatError, from_validation_error
from problems.lsa.answer import LsaAnswer

stderr = Console(stderr=True)
T = TypeVar("T")


def run_guarded(action: Callable[[], T]) -> T:
    """Run a command body; map our errors to exit codes 2 (the caller's fault) and 1 (anything else)."""
    try:
        return action()
    except LatentsatError as exc:
        stderr.print(f"[red]{'invalid input' if exc.caller_fault else 'error'}[/red] {exc}")
        raise typer.Exit(2 if exc.caller_fault else 1) from exc
    except (OSError, ValueError) as exc:
        stderr.print(f"[red]error[/red] {exc}")
        raise typer.Exit(1) from exc


def emit(data: Any) -> None:
    sys.stdout.write(json.dumps(data, separators=(",", ":")) + "\n")


def solve_options(**fields: Any) -> SolveOptions:
    """`SolveOptions` from command-line values (None: not given); a bad value names `options.<field>`."""
    try:
        return SolveOptions(**{key: value for key, value in fields.items() if value is not None})
    except ValidationError as exc:
        raise from_validation_error(exc, InvalidOptions, "options") from exc


@contextmanager
def progress_line(message: str) -> Iterator[Callable[[str], None]]:
    """A rich spinner on stderr while a long solve runs (silent when not a terminal), naming the stage the solve
    is in; yields the progress callback for `solvers.pipeline.solve`."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=stderr, transient=True
    ) as progress:
        task = progress.add_task(message, total=None)
        yield lambda stage: progress.update(task, description=f"{message}: {stage}")


def print_answer(answer: Any) -> None:
    """A readable form of an answer of any kind (`--pretty`)."""
    console = Console()
    if isinstance(answer, LsaAnswer):
        _print_lsa(console, answer)
    else:
        _print_partition(console, answer)
    if answer.certificate:
        console.print(f"certificate: {answer.certificate.kind}, checked={answer.certificate.checked}")
    if answer.message:
        console.print(answer.message)
    console.print({k: v for k, v in answer.stats.items() if k in ("backend", "solver", "wall_s", "encode_s")})


def _print_partition(console: Console, answer: Answer) -> None:
    table = Table(title=f"status: {answer.status.value}")
    table.add_column("group")
    table.add_column("classes (token order)")
    table.add_column("unconstrained")
    for i, group_classes in enumerate(answer.classes or []):
        free = (answer.unconstrained or [[]])[i] if answer.unconstrained else []
        table.add_row(str(i), " ".join(map(str, group_classes)), " ".join(map(str, free)) or "-")
    console.print(table)


def _print_lsa(console: Console, answer: LsaAnswer) -> None:
    console.print(f"mode: {answer.mode}")
    table = Table(title=f"status: {answer.status.value}")
    table.add_column("row")
    table.add_column("b")
    table.add_column("A (row)")
    for i, b in enumerate(answer.b or []):
        row = (answer.a or [])[i] if answer.a and i < len(answer.a) else []
        table.add_row(str(i), b, "  ".join(row))
    console.print(table)
    fit = {"residual": answer.residual, "loss_excess": answer.loss_excess, "lower_bound": answer.lower_bound}
    console.print({key: value for key, value in fit.items() if value is not None})
