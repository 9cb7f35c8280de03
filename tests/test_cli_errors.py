"""No traceback reaches a user (issue 11 §4): every command, found from the typer app itself, meets bad arguments
with the documented exit code and one line on stderr."""

from __future__ import annotations

import json
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from ortools.sat import cp_model_pb2
from typer.testing import CliRunner

from latentsat.cli import ENCODE_FORMATS, app

runner = CliRunner()
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "planted_small.json"
GARBAGE = b"\x00\xff\xfe garbage, neither JSON nor DIMACS nor .npz\n"
NO_SERVER = "http://127.0.0.1:18499"  # a port of this worktree's range where nothing listens


def leaf_commands(group: Any = None, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command and sub-command of the app, so a new command is covered without editing this test."""
    group = group if group is not None else typer.main.get_command(app)
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from leaf_commands(command, (*path, name))
        else:
            yield (*path, name), command


COMMANDS = list(leaf_commands())
IDS = [" ".join(path) for path, _ in COMMANDS]


def hint(command: Any, name: str) -> Any:
    hints = typing.get_type_hints(command.callback)
    return hints.get(name)


def base_type(annotation: Any) -> Any:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    return args[0] if args else annotation


def garbage_arguments(command: Any, folder: Path) -> list[str]:
    """Every required argument filled with something wrong: a garbage file for a path, a bogus word otherwise."""
    garbage = folder / "garbage.json"
    garbage.write_bytes(GARBAGE)
    values = []
    for param in command.params:
        if param.param_type_name == "argument":
            values.append(str(garbage) if base_type(hint(command, param.name)) is Path else "no-such-thing")
    return values


def assert_one_line_error(result: Any, code: int) -> None:
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(("invalid input:", "error:")), result.stderr


def test_every_command_is_found() -> None:
    assert {"generate", "solve", "check", "encode", "serve", "submit", "reduce", "lift", "bench"} <= set(IDS)
    assert "lsa xstar" in IDS


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_an_unknown_option_is_exit_2_in_one_line(path: tuple[str, ...], command: Any, tmp_path: Path) -> None:
    result = runner.invoke(app, [*path, *garbage_arguments(command, tmp_path), "--no-such-option"])
    assert_one_line_error(result, 2)


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_bad_numbers_are_exit_2_in_one_line(path: tuple[str, ...], command: Any, tmp_path: Path) -> None:
    arguments = garbage_arguments(command, tmp_path)
    numeric = [
        p for p in command.params if p.opts[0].startswith("--") and base_type(hint(command, p.name)) in (int, float)
    ]
    for param in numeric:
        for value in ("not-a-number", "-1"):
            result = runner.invoke(app, [*path, *arguments, param.opts[0], value])
            assert_one_line_error(result, 2)


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_missing_and_garbage_input_files_are_exit_2_in_one_line(
    path: tuple[str, ...], command: Any, tmp_path: Path
) -> None:
    arguments = garbage_arguments(command, tmp_path)
    files = [i for i, value in enumerate(arguments) if value.endswith("garbage.json")]
    for i in files:  # a missing file, named (README: invalid input exits 2; it exited 1)
        missing = [*arguments[:i], str(tmp_path / "missing.json"), *arguments[i + 1 :]]
        assert_one_line_error(runner.invoke(app, [*path, *missing, *server_option(path)]), 2)
    if files:
        assert_one_line_error(runner.invoke(app, [*path, *arguments, *server_option(path)]), 2)


def server_option(path: tuple[str, ...]) -> list[str]:
    return ["--server", NO_SERVER] if path == ("submit",) else []


@pytest.mark.parametrize(
    "args",
    [
        ["generate", "--groups", "0", "--factor", "4"],  # `max() arg is an empty sequence`, exit 1
        ["generate", "--size", "0", "--factor", "4"],
        ["generate", "--labels", "foo", "--factor", "4"],  # an `int()` message
        ["generate", "--factor", "0"],
        ["generate", "--classes", "5", "--size", "3", "--factor", "4"],
        ["generate", "--factor", "1e12"],  # n over the sample limit, refused before drawing
        ["encode", str(EXAMPLE), "--format", "xml"],
        ["solve", str(EXAMPLE), "--backend", "nope"],
        ["solve", str(EXAMPLE), "--backend", "cpsat", "--seed", "2147483648"],  # a TypeError traceback
    ],
)
def test_listed_bad_arguments_are_exit_2_in_one_line(args: list[str]) -> None:
    assert_one_line_error(runner.invoke(app, args), 2)


def test_submit_without_a_server_is_one_line_exit_1() -> None:
    """It printed a 269-line traceback."""
    result = runner.invoke(app, ["submit", str(EXAMPLE), "--server", NO_SERVER])
    assert_one_line_error(result, 1)
    assert "cannot reach the server" in result.stderr


def test_debug_shows_the_traceback() -> None:
    result = runner.invoke(app, ["--debug", "generate", "--factor", "1e12"])
    assert result.exit_code != 0 and result.exception is not None
    assert type(result.exception).__name__ == "InstanceTooLarge"


@pytest.mark.parametrize("format", ENCODE_FORMATS)
def test_every_encode_format_exports(format: str, tmp_path: Path) -> None:
    """`cpsat-proto` crashed on OR-Tools 9.15 (no `SerializeToString`); no test covered it."""
    out = tmp_path / "model"
    result = runner.invoke(app, ["encode", str(EXAMPLE), "--format", format, "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    data = out.read_bytes()
    n_samples = len(json.loads(EXAMPLE.read_text())["samples"])
    if format == "dimacs":
        assert data.startswith(b"p cnf ")
    elif format == "wcnf":
        assert b"p wcnf" in data or data.split(b"\n")[0].startswith(b"h ") or b" 0\n" in data
    else:
        model = cp_model_pb2.CpModelProto()
        if format == "cpsat-proto":
            model.ParseFromString(data)
        else:
            from google.protobuf import text_format

            text_format.Parse(data.decode(), model)
        assert len(model.variables) > n_samples // 10 and len(model.constraints) > 0


READ_OR_FOLDER = {("check", "--instance"), ("check", "--proof"), ("plot", "--instance"), ("serve", "--db"),
                  ("bench", "--out"), ("bench", "--baseline")}  # fmt: skip


def output_options() -> list[tuple[tuple[str, ...], str]]:
    """Every option that names a file a command writes (a Path option that is not read and not a folder)."""
    found = []
    for path, command in COMMANDS:
        for param in command.params:
            is_path = param.param_type_name == "option" and base_type(hint(command, param.name)) is Path
            if is_path and (path[-1], param.opts[0]) not in READ_OR_FOLDER:
                found.append((path, param.opts[0]))
    return found


REQUIRED_FOR = {"generate": ["--factor", "4"], "solve": [str(EXAMPLE)], "encode": [str(EXAMPLE)], "lift": ["R1"],
                "reduce": ["R1", str(EXAMPLE)], "plot": [str(EXAMPLE)]}  # fmt: skip


@pytest.mark.parametrize(("path", "option"), output_options(), ids=lambda v: " ".join(v) if isinstance(v, tuple) else v)
def test_an_output_in_a_missing_folder_is_exit_2_before_any_work(path: tuple[str, ...], option: str) -> None:
    """`solve --unique --bundle /nonexistent/b.json` solved for 5.6 s, then lost the answer with exit 1."""
    args = [*path, *REQUIRED_FOR.get(path[-1], []), option, "/nonexistent-folder/out.json"]
    result = runner.invoke(app, args)
    assert_one_line_error(result, 2)
    assert option in result.stderr and "does not exist" in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [([], 0), (["--noise", "0.05"], "minimize"), (["--noise", "0.05", "--max-violations", "7"], 7),
     (["--model", "topics"], "minimize")],
)  # fmt: skip
def test_generate_writes_the_violations_its_data_needs(args: list[str], expected: int | str) -> None:
    """`generate --noise` wrote `max_violations: 0`: a noisy instance that solved to `infeasible` (a tester)."""
    result = runner.invoke(app, ["generate", "--size", "20", "--factor", "4", *args])
    assert result.exit_code == 0 and json.loads(result.stdout)["max_violations"] == expected


def lsa_file(folder: Path, **fields: Any) -> str:
    path = folder / "lsa.json"
    path.write_text(json.dumps({"kind": "lsa", "d": 2, **fields}))
    return str(path)


BOTH = {"markov": {"n": 100, "p": "1/2"}, "mode": "best-fit", "x": [["0", "0"]] * 6}
HUGE_BOX = {"x": [["2"], ["5"], ["3"]], "d": 1, "mode": "real", "box": ["-1" + "0" * 30, "1" + "0" * 30]}


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["check", str(EXAMPLE), "--checker", "foo"], "--checker"),  # ValueError: internal error, exit 1
        (["lsa", "xstar", "--d", "3", "--n", "100", "--p", "1e-400"], "p"),  # the 4300-digit ValueError
        (["lsa", "xstar", "--p", "true"], "p"),
        (["serve", "--log-level", "foo", "--port", "18950"], "--log-level"),  # a KeyError from uvicorn
        *(
            (["solve", str(EXAMPLE), "--backend", "gradient", "--solver", f"mlp:{setting}"], "options.solver")
            for setting in ("probes=-1", "lr=nan", "lr=inf", "weight_decay=nan", "hidden=100000000", "dim=99999")
        ),
    ],
)
def test_bad_options_are_exit_2_naming_the_option(args: list[str], field: str) -> None:
    result = runner.invoke(app, args)
    assert_one_line_error(result, 2)
    assert f" {field}: " in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (BOTH, "x"),  # best-fit fitted X* silently and the bundle recorded x
        ({"markov": {"n": 100, "p": "1"}, "mode": "best-fit"}, "markov.p"),  # LinAlgError: exit 1
        ({"x": [[True, "0"]] + [["0", "0"]] * 5}, "x[0][0]"),  # true was read as 1
        (HUGE_BOX, "box"),  # MathOpt's StatusNotOk became an AttributeError: exit 1
    ],
)
def test_bad_lsa_instances_are_exit_2_naming_the_field(fields: dict[str, Any], field: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["solve", lsa_file(tmp_path, **fields), "--time-limit", "10"])
    assert_one_line_error(result, 2)
    assert f" {field}: " in result.stderr, result.stderr


def test_a_gradient_model_too_large_for_the_instance_is_refused_before_work() -> None:
    solver = "mlp:dim=256,hidden=4096,probes=4096"
    result = runner.invoke(app, ["solve", str(EXAMPLE), "--backend", "gradient", "--solver", solver],
                           env={"LATENTSAT_MAX_GRADIENT_BYTES": str(64 * 2**20)})  # fmt: skip
    assert_one_line_error(result, 2)
    assert "options.solver" in result.stderr and "LATENTSAT_MAX_GRADIENT_BYTES" in result.stderr
