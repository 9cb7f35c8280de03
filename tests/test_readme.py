"""Every shell example of README.md runs as written, in order, in a fresh folder holding a copy of `examples/`.

Commands that need something a test cannot have (a running server, Docker, an install, minutes of benchmarking)
are listed as skipped with the reason; any other command must exit 0. A new README example is run by default.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

# (pattern found in the command, why it does not run here); the first match wins.
NOT_RUN: list[tuple[str, str]] = [
    (r"\bpip install\b|python3 -m venv", "installs the project (CI does exactly this)"),
    (r"\bruff check\b|\bpytest\b", "the test suite itself"),
    (r"\bdocker\b", "needs Docker, which CI cannot run (tests/test_containers.py checks the Dockerfile)"),
    (r"latentsat serve|\bcurl\b|latentsat submit|bench/load\.py", "needs a running server (tests/service covers it)"),
    (r"latentsat bench --suite|python -m bench\.|python bench/", "a benchmark run: minutes, not a unit test"),
]


def shell_commands(text: str) -> list[str]:
    """The commands of the ```bash blocks, continuation lines joined, trailing comments kept (bash ignores them)."""
    commands: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL):
        pending = ""
        for line in block.splitlines():
            if line.rstrip().endswith("\\"):
                pending += line.rstrip()[:-1] + " "
                continue
            command = (pending + line).strip()
            pending = ""
            if command and not command.startswith("#"):
                commands.append(command)
    return commands


def why_not_run(command: str) -> str | None:
    return next((reason for pattern, reason in NOT_RUN if re.search(pattern, command)), None)


COMMANDS = shell_commands(README.read_text())


def test_the_readme_has_runnable_examples() -> None:
    runnable = [c for c in COMMANDS if why_not_run(c) is None]
    assert len(runnable) >= 15, runnable
    assert not re.search(r"\b(graph\.col|formula\.cnf|points\.json|lsa\.json)\b", README.read_text())


def test_the_layout_section_names_each_folder_once() -> None:
    layout = README.read_text().split("## Layout", 1)[1].split("\n## ", 1)[0]
    bullets = re.findall(r"^- `([^`]+)`", layout, flags=re.MULTILINE)
    assert bullets and len(bullets) == len(set(bullets)), bullets


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the whole README: later commands use the files earlier ones wrote (inst.json, cert.json)."""
    folder = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "examples", folder / "examples")
    return folder


@pytest.mark.slow
@pytest.mark.parametrize(
    "command", COMMANDS, ids=[f"{i:02d} " + " ".join(c.split("#")[0].split()[:4]) for i, c in enumerate(COMMANDS)]
)
def test_readme_command(command: str, workdir: Path) -> None:
    reason = why_not_run(command)
    if reason is not None:
        pytest.skip(reason)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", command], cwd=workdir, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"$ {command}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
