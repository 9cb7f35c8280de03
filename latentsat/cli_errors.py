"""The command line's one error handler: every failure becomes one line on stderr and a documented exit code.

Exit codes (README): 0 an answer was produced; 2 the input is invalid (the line names the field or option);
1 anything else. No traceback reaches a user unless `latentsat --debug ...` asks for it.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from typing import Any

import click
import typer
from pydantic import ValidationError
from typer.core import TyperGroup

from problems.errors import InputWarning, LatentsatError, field_path

EXIT_INVALID_INPUT = 2
EXIT_OTHER = 1


class DebugFlag:
    """Set by the root callback's `--debug`; read when an error is reported."""

    on: bool = False


def report(message: str) -> None:
    """One line on stderr, whatever the message holds (newlines folded, no markup)."""
    click.echo(" ".join(message.split()), err=True)


def describe(exc: BaseException) -> tuple[int, str]:
    """The exit code and the one-line message for an exception that reached the top of a command."""
    if isinstance(exc, LatentsatError) and exc.caller_fault:
        return EXIT_INVALID_INPUT, f"invalid input: {exc}"
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        return EXIT_INVALID_INPUT, f"invalid input: {field_path(first['loc']) or exc.title}: {first['msg']}"
    if isinstance(exc, LatentsatError):
        return EXIT_OTHER, f"error: {exc}"
    if isinstance(exc, MemoryError):
        return EXIT_OTHER, "error: out of memory (lower the instance size or raise the memory available)"
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        return EXIT_OTHER, f"error:{where}: {exc.strerror or exc}"
    return EXIT_OTHER, f"error: internal error, {type(exc).__name__}: {exc} (rerun with --debug for the traceback)"


class GuardedGroup(TyperGroup):
    """The root command group: runs click without its standalone handling and reports every outcome itself."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        DebugFlag.on = False
        with warnings.catch_warnings():
            warnings.simplefilter("always", InputWarning)
            warnings.showwarning = _show_warning
            code = self._run(args, prog_name, complete_var, **extra)
        if standalone_mode:
            sys.exit(code)
        return code

    def _run(self, args: Sequence[str] | None, prog_name: str | None, complete_var: str | None, **extra: Any) -> int:
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except typer.Abort:
            report("aborted")
            return EXIT_OTHER
        except Exception as exc:
            if _is_usage_error(exc):  # a bad option or argument, found by click before the command ran
                return _usage_error(exc)
            if DebugFlag.on:
                raise
            code, message = describe(exc)
            report(message)
            return code
        return result if isinstance(result, int) else 0


def _show_warning(message: Warning | str, category: type[Warning], *_: Any, **__: Any) -> None:
    """A warning (e.g. a reader's `InputWarning` naming a skipped line) as one line on stderr."""
    report(f"warning: {message}")


def _is_usage_error(exc: Exception) -> bool:
    """click's `ClickException` family, whichever click (typer ≥ 0.20 vendors its own) raised it."""
    return hasattr(exc, "format_message") and isinstance(getattr(exc, "exit_code", None), int)


def _usage_error(exc: Any) -> int:
    ctx = getattr(exc, "ctx", None)
    if type(exc).__name__ == "NoArgsIsHelpError":  # `latentsat` alone, or a group without its sub-command
        exc.show()  # click's own help text (typer's rich help prints itself when the error is made)
        return int(exc.exit_code)
    hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
    report(f"invalid input: {exc.format_message()}{hint}")
    return int(exc.exit_code)
