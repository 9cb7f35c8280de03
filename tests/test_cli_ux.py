"""What a command-line user sees: progress on a terminal only, every default in `--help`, and a clear way out for
instance kinds that `solve` does not take."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from latentsat.cli import app
from latentsat.progress import SOLVE_STAGES, progress

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _run_with_stderr_on_a_terminal(args: list[str], cwd: Path) -> tuple[bytes, bytes]:
    """Run `latentsat ARGS` with stderr on a pseudo-terminal (as in an interactive shell); (terminal, stdout)."""
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"}
    process = subprocess.Popen(
        [sys.executable, "-m", "latentsat.cli", *args], stdout=subprocess.PIPE, stderr=slave, cwd=cwd, env=env
    )
    os.close(slave)
    seen = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen.append(chunk)
    stdout, _ = process.communicate(timeout=120)
    os.close(master)
    assert process.returncode == 0, b"".join(seen).decode(errors="replace")
    return b"".join(seen), stdout


GENERATE = ["generate", "--size", "1500", "--factor", "4", "--seed", "1", "--out", "g.json"]


def test_generate_shows_progress_on_a_terminal(tmp_path: Path) -> None:
    terminal, _ = _run_with_stderr_on_a_terminal(GENERATE, tmp_path)
    assert b"generating N = 1500" in terminal and b"draw" in terminal
    quiet, _ = _run_with_stderr_on_a_terminal([*GENERATE, "--quiet"], tmp_path)
    assert quiet == b""


def test_solve_shows_progress_and_keeps_stdout_clean(tmp_path: Path) -> None:
    terminal, stdout = _run_with_stderr_on_a_terminal(["solve", str(EXAMPLES / "planted_small.json")], tmp_path)
    assert b"solving planted_small.json with fast" in terminal
    assert json.loads(stdout)["status"] == "solved"  # the answer alone on stdout


def test_no_progress_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "latentsat.cli", *GENERATE], cwd=tmp_path, capture_output=True, timeout=120, check=True
    )
    assert done.stderr == b""


def test_the_reporter_shows_each_stage_of_the_solve_path() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100)
    with progress("solving x.json", console=console) as report:
        for stage in SOLVE_STAGES:
            report.stage(stage)  # what the pipeline's `progress` callback receives
    drawn = screen.getvalue()
    for stage in SOLVE_STAGES:
        assert stage in drawn
    assert [name for name, _ in report.stages] == list(SOLVE_STAGES)


def test_quiet_reporter_draws_nothing_but_still_records() -> None:
    screen = io.StringIO()
    with progress("x", quiet=True, console=Console(file=screen, force_terminal=True)) as report:
        report.stage("encode")
        report.advance()
        report.log("a line")
    assert screen.getvalue() == "" and not report.active and report.stages[0][0] == "encode"


def _commands() -> list[tuple[str, ...]]:
    group = typer.main.get_command(app)
    found: list[tuple[str, ...]] = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        found += [(name, sub) for sub in subcommands] if subcommands else [(name,)]
    return found


@pytest.mark.parametrize("command", _commands(), ids=" ".join)
def test_help_shows_every_default(command: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    lines = [line for line in result.stdout.splitlines() if re.match(r"^│\s+(\*\s+)?--", line)]
    assert lines, result.stdout
    missing = [line for line in lines if "--help" not in line and not re.search(r"\[(default|required)", line)]
    assert not missing, "\n".join(missing)


def test_solve_names_the_way_for_an_r3_target(tmp_path: Path) -> None:
    runner = CliRunner()
    target = tmp_path / "r3.json"
    reduced = runner.invoke(app, ["reduce", "R3", str(EXAMPLES / "points_2d.json"), "--out", str(target)])
    assert reduced.exit_code == 0, reduced.output
    result = runner.invoke(app, ["solve", str(target)])
    assert result.exit_code == 2
    message = " ".join(result.output.split())  # the console may wrap the line
    assert "kind:" in message and "latentsat reduce R3" in message and "--witness" in message
