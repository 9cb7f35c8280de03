"""What every `latentsat` command shares: JSON on stdout, errors as exit codes, options from flags.

Exit codes: 0 an answer was produced (any status), 2 invalid input (the message names the field), 1 otherwise.
The command modules import this one (and `progress.py`, `view/`), never each other.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console

from problems.answers import SolveOptions
from problems.errors import InvalidOptions, from_validation_error

stderr = Console(stderr=True)
T = TypeVar("T")


def run_guarded(action: Callable[[], T]) -> T:
    """Run a command body. Errors become exit codes and one line in one place, the root group
    (`latentsat/cli_errors.py`), so a command called through `latentsat` never shows a traceback."""
    return action()


def emit(data: Any) -> None:
    sys.stdout.write(json.dumps(data, separators=(",", ":")) + "\n")


def solve_options(**fields: Any) -> SolveOptions:
    """`SolveOptions` from command-line values (None: not given); a bad value names `options.<field>`."""
    try:
        return SolveOptions(**{key: value for key, value in fields.items() if value is not None})
    except ValidationError as exc:
        raise from_validation_error(exc, InvalidOptions, "options") from exc


def write_beside(answer: dict[str, Any], instance_path: Path, bundle: Path | None, max_bytes: int) -> dict[str, Any]:
    """The answer with proofs and CNFs over `max_bytes` written to files beside the bundle (or in the current
    directory), each named in the certificate with its SHA-256 (`solvers.proof_files.externalise`)."""
    from solvers.proof_files import externalise
    from solvers.proofs import sha256_text

    certificate = answer.get("certificate") or answer.get("target_certificate") or {}
    tag = sha256_text(str(certificate.get("proof") or certificate.get("cnf") or ""))[:12]
    out, files = externalise(answer, f"{instance_path.stem}.{tag}", max_bytes)
    folder = bundle.parent if bundle is not None else Path(".")
    for name, text in files.items():
        (folder / name).write_text(text)
        stderr.print(f"wrote {folder / name} ({len(text.encode())} bytes; the certificate names it)")
    return out


def writable(path: Path | None) -> Path | None:
    """A file a command will write, checked before any work (exit 2 naming the option, not lost work after): not
    a folder, in a folder that exists and is writable."""
    if path is None:
        return None
    folder = path.parent
    if path.is_dir():
        raise typer.BadParameter(f"{path} is a folder, not a file")
    if not folder.is_dir():
        raise typer.BadParameter(f"the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise typer.BadParameter(f"the folder {folder} is not writable")
    return path


OUTPUT: dict[str, Any] = {"callback": writable}  # typer.Option(**OUTPUT) for a file a command writes
