"""The `latentsat` command line: generate, solve, check and encode instances (JSON on stdout).

Exit codes: 0 an answer was produced (any status), 2 invalid input (the message names the field), 1 otherwise.
Every command reads a file through the kinds registry (`solvers/kinds.py`), once, told apart by content.
Errors are one line on stderr (`latentsat/cli_errors.py`); `latentsat --debug CMD ...` shows the traceback.
Size limits are the service's (`LATENTSAT_*` variables, `latentsat limits`).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from latentsat import cli_bench, cli_lsa, cli_reductions, cli_service, cli_view
from latentsat.cli_errors import DebugFlag, GuardedGroup
from latentsat.output import OUTPUT, emit, run_guarded, solve_options, write_beside
from latentsat.progress import QuietOption, progress
from latentsat.view.pretty import print_answer
from problems.errors import InvalidCertificate, InvalidOptions
from problems.partition import PartitionInstance, dump_npz
from solvers.proof_files import DEFAULT_INLINE_MAX_BYTES

app = typer.Typer(cls=GuardedGroup, no_args_is_help=True, add_completion=False, help=__doc__)
app.add_typer(cli_lsa.app, name="lsa")
INPUT: dict[str, Any] = {"exists": True, "dir_okay": False, "readable": True}  # a missing file: exit 2, named


@app.callback()
def root(debug: Annotated[bool, typer.Option("--debug", help="show Python tracebacks of errors")] = False) -> None:
    DebugFlag.on = debug


@app.command()
def generate(
    model: Annotated[str, typer.Option(help="planted (SPEC §1) or topics (LDA, one topic per document)")] = "planted",
    groups: Annotated[int, typer.Option(min=1, help="I, the number of groups")] = 3,
    size: Annotated[int, typer.Option(min=1, help="N, tokens per group")] = 100,
    classes: Annotated[int, typer.Option(min=1, help="K, classes per group (at most N)")] = 3,
    labels: Annotated[str, typer.Option(help="alphabet size V >= 1, or 'generic'")] = "2",
    samples: Annotated[
        int | None, typer.Option(min=1, help="n, the number of samples; give this or --factor", show_default="none")
    ] = None,
    factor: Annotated[float | None, typer.Option(help="c > 0, for n = ceil(c N ln N)", show_default="none")] = None,
    noise: Annotated[float, typer.Option(help="ε: each label becomes another value with probability ε")] = 0.0,
    max_violations: Annotated[
        str | None,
        typer.Option(
            help="samples the answer may leave unexplained: an integer, or minimize",
            show_default="0; minimize with --noise or --model topics",
        ),
    ] = None,
    vocabulary: Annotated[int, typer.Option(min=1, help="topics: words in the vocabulary (group 2)")] = 300,
    documents: Annotated[int, typer.Option(min=1, help="topics: documents (group 1)")] = 200,
    topics: Annotated[int, typer.Option(min=1, help="topics: topics (the classes of both groups)")] = 3,
    words_per_document: Annotated[int, typer.Option(min=1, help="topics: word draws per document")] = 150,
    within: Annotated[float, typer.Option(help="topics: weight of a topic's own words")] = 1.0,
    across: Annotated[float, typer.Option(help="topics: weight of every other word")] = 0.05,
    seed: Annotated[int, typer.Option(min=0, help="random seed")] = 0,
    out: Annotated[
        Path | None, typer.Option(help="write here (.json or .npz)", show_default="stdout", **OUTPUT)
    ] = None,
    truth: Annotated[
        Path | None, typer.Option(help="also write the planted truth (JSON) here", show_default="none", **OUTPUT)
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Draw a planted partition instance (SPEC §1) or a topic-model instance, and its hidden truth.

    With --noise the truth lists the `flipped` samples. --model topics: group 1 = documents, group 2 = words,
    classes = topics, label 1 when the word occurs in the document (one sample per pair).
    """
    from problems.generate import planted_partition
    from problems.topics import topic_instance

    def draw() -> tuple[PartitionInstance, dict[str, Any]]:
        if model == "topics":
            args = (vocabulary, documents, topics, words_per_document, within, across, seed)
            instance, drawn = topic_instance(*args)
            return instance, {"classes": drawn.classes}
        if model != "planted":
            raise InvalidOptions(f"must be planted or topics, not {model!r}", "--model")
        if labels != "generic" and not (labels.isdigit() and int(labels) >= 1):
            raise InvalidOptions(f"expected an alphabet size >= 1 or 'generic', got {labels!r}", "--labels")
        if (samples is None) == (factor is None):
            raise InvalidOptions("give exactly one of --samples and --factor", "--samples")
        alphabet: int | str = labels if labels == "generic" else int(labels)
        instance, planted = planted_partition(groups, size, classes, alphabet, samples, factor, seed, noise)  # type: ignore[arg-type]
        table = [{"cell": list(cell), "label": label} for cell, label in planted.table.items()]
        return instance, {"classes": planted.classes, "table": table, "flipped": planted.flipped}

    def action() -> None:
        if not 0.0 <= noise <= 1.0:
            raise InvalidOptions(f"must be a probability in [0, 1], got {noise}", "--noise")
        topic_label = f"topics: {documents} documents × {vocabulary} words"
        label = topic_label if model == "topics" else f"N = {size}, I = {groups}"
        with progress(f"generating {label}", quiet=quiet) as report:
            report.stage("draw")
            try:
                instance, truth_data = draw()
            except ValueError as exc:  # a generator's own check of its parameters: bad input, not our failure
                raise InvalidOptions(str(exc), "--model") from exc
            instance = _allowing(instance, max_violations, noise > 0 or model == "topics")
            report.stage("write")
            if truth is not None:
                truth.write_text(json.dumps(truth_data))
            if out is not None and out.suffix == ".npz":
                out.write_bytes(dump_npz(instance))
            elif out is not None:
                out.write_text(json.dumps(instance.to_json_dict()))
        if out is None:
            emit(instance.to_json_dict())

    run_guarded(action)


def _allowing(instance: PartitionInstance, max_violations: str | None, noisy: bool) -> PartitionInstance:
    """The instance with `--max-violations` (default: 0, or "minimize" for noisy data, whose labels no partition
    explains exactly)."""
    chosen = max_violations if max_violations is not None else ("minimize" if noisy else "0")
    if chosen != "minimize" and not chosen.isdigit():
        raise InvalidOptions(f"expected an integer >= 0 or 'minimize', got {chosen!r}", "--max-violations")
    allowed: int | str = chosen if chosen == "minimize" else int(chosen)
    return PartitionInstance.from_arrays(
        instance.sizes,
        instance.budgets,
        instance.tokens,
        instance.raw_labels,
        allowed,
        instance.label_tolerance,  # type: ignore[arg-type]
    )


@app.command()
def solve(
    instance_path: Annotated[
        Path, typer.Argument(metavar="INSTANCE", help="instance file (JSON of any kind, or .npz)", **INPUT)
    ],
    backend: Annotated[
        str | None,
        typer.Option(
            help="fast, pysat (the direct CNF), cpsat, noisy, portfolio, gradient (partition); structure, mathopt, "
            "varpro, gradient (lsa); or backend/solver",
            show_default="the best for the instance",
        ),
    ] = None,
    solver: Annotated[
        str | None, typer.Option(help="sub-solver, e.g. cadical195, glucose4", show_default="the backend's own")
    ] = None,
    time_limit: Annotated[float, typer.Option(help="wall seconds, encoding included")] = 60.0,
    unique: Annotated[bool, typer.Option(help="also prove the solution unique up to relabelling")] = False,
    all_solutions: Annotated[
        int | None,
        typer.Option(
            "--all",
            metavar="M",
            help="up to M solutions (distinct up to relabelling); the count is proven exact when fewer exist",
            show_default="none",
        ),
    ] = None,
    proof: Annotated[bool, typer.Option(help="log and check DRUP proofs")] = True,
    checker: Annotated[str, typer.Option(help="auto, drup, rup or backward")] = "auto",
    workers: Annotated[int, typer.Option(help="CP-SAT workers, 1..64")] = 2,
    seed: Annotated[int, typer.Option(help="solver seed, 0..2^31-1")] = 0,
    pretty: Annotated[bool, typer.Option(help="a readable table instead of JSON")] = False,
    bundle: Annotated[
        Path | None,
        typer.Option(help="write {kind, instance, answer} here for `latentsat check`", show_default="none", **OUTPUT),
    ] = None,
    quiet: QuietOption = False,
    inline_proof_max: Annotated[
        int,
        typer.Option(
            min=0,
            help="bytes: a longer proof or CNF goes to a file beside the bundle (or in the current directory), "
            "named in the certificate with its SHA-256",
        ),
    ] = DEFAULT_INLINE_MAX_BYTES,
) -> None:
    """Solve an instance of any kind and print the verified answer as JSON (SPEC §3)."""
    from solvers.kinds import read_file
    from solvers.pipeline import solve as solve_instance
    from solvers.strategies import default_backend

    def action() -> None:
        options = solve_options(
            backend=backend, solver=solver, time_limit=time_limit, unique=unique, proof=proof, checker=checker,
            num_workers=workers, seed=seed, all=all_solutions,
        )  # fmt: skip
        started = time.perf_counter()  # reading a large instance counts against the time limit
        kind, instance = read_file(instance_path)
        named = backend or default_backend(instance)
        with progress(f"solving {instance_path.name} with {named}", quiet=quiet) as report:
            solved = solve_instance(instance, options, progress=report.stage, started=started).model_dump(mode="json")
            answer = write_beside(solved, instance_path, bundle, inline_proof_max)
            if bundle is not None:
                data = {"kind": kind.name, "instance": instance.to_json_dict(), "answer": answer}
                bundle.write_text(json.dumps(data))
        if pretty:
            print_answer(answer)
        else:
            emit(answer)

    run_guarded(action)


@app.command()
def check(
    certificate_path: Annotated[
        Path,
        typer.Argument(metavar="CERT", help="a bundle from `solve --bundle`, an answer, or a lifted answer", **INPUT),
    ],
    instance_path: Annotated[
        Path | None,
        typer.Option(
            "--instance",
            help="the instance, if CERT is a bare answer; the --map of `reduce` for a lift",
            show_default="none",
            **INPUT,
        ),
    ] = None,
    checker: Annotated[str, typer.Option(help="auto, drup, rup or backward")] = "auto",
    proof_path: Annotated[
        Path | None,
        typer.Option(
            "--proof",
            help="the proof file, if not beside CERT under its `proof_file` name",
            show_default="none",
            **INPUT,
        ),
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Re-check an answer from scratch: the status decides what it must prove; re-encode, re-verify the solution,
    re-check the proof (inline or in the file the certificate names, against its SHA-256). Exit 1 if rejected."""
    from problems.partition import read_input_file, read_json
    from solvers.checks import check_data
    from solvers.proof_files import attach

    def action() -> bool:
        chosen = checker_option(checker)
        data = read_json(read_input_file(certificate_path, "CERT"), "CERT")
        if not isinstance(data, dict):
            raise InvalidCertificate("expected a JSON object: a bundle {instance, answer} or an answer", "CERT")
        answer_data = data.get("answer", data)
        if "instance" in data:
            instance: Any = data["instance"]
        elif instance_path is not None:
            instance = _read_instance(instance_path)
        else:
            raise InvalidCertificate("a bare answer needs --instance", "instance")
        if isinstance(answer_data, dict):
            answer_data = attach(answer_data, _beside(certificate_path, proof_path))
        with progress(f"checking {certificate_path.name}", quiet=quiet) as shown:
            shown.stage("check")
            report = check_data(instance, answer_data, chosen, data.get("kind") if "instance" in data else None)
        emit({"ok": report.ok, "reason": report.reason, "checker": report.checker, "check_s": report.check_s})
        return bool(report.ok)

    if not run_guarded(action):
        raise typer.Exit(1)


def checker_option(name: str) -> Any:
    """`--checker` as a `Checker`, or `InvalidOptions` naming the option and its choices (exit 2)."""
    from problems.answers import Checker

    try:
        return Checker(name)
    except ValueError:
        raise InvalidOptions(f"no checker {name!r}; use {', '.join(c.value for c in Checker)}", "--checker") from None


def _read_instance(path: Path) -> Any:
    """A partition instance (JSON or .npz, told by content), an lsa instance, or a reduction map (JSON), as
    `check_data` takes it."""
    from problems.npz_arrays import is_npz
    from problems.partition import load_npz, read_input_file, read_json

    blob = read_input_file(path, "instance")
    return load_npz(blob) if is_npz(blob) else read_json(blob, "instance")


def _beside(certificate_path: Path, proof_path: Path | None) -> Callable[[str, str], str | None]:
    """Read a text that a certificate names: `--proof` for the proof, else the bare file name beside CERT."""

    def read(part: str, name: str) -> str | None:
        if part == "proof" and proof_path is not None:
            return proof_path.read_text()
        path = certificate_path.parent / name
        if Path(name).name != name or not path.is_file():  # a bare file name only: never a path elsewhere
            return None
        return path.read_text()

    return read


@app.command()
def encode(
    instance_path: Annotated[Path, typer.Argument(metavar="INSTANCE", **INPUT)],
    format: Annotated[str, typer.Option("--format", help="dimacs, wcnf, cpsat-text or cpsat-proto")] = "dimacs",
    out: Annotated[Path | None, typer.Option(help="write here", show_default="stdout", **OUTPUT)] = None,
    time_limit: Annotated[float, typer.Option(help="wall seconds for the encoding, > 0")] = 60.0,
) -> None:
    """Export the encoding: DIMACS CNF (direct encoding), WCNF (minimize), or the CP-SAT model (text, or the
    binary `CpModelProto` that OR-Tools' `export_to_file` writes). Exit 1 if the time limit runs out."""
    from solvers.kinds import read_file

    def action() -> None:
        if not time_limit > 0:
            raise InvalidOptions(f"must be > 0, got {time_limit}", "--time-limit")
        _, instance = read_file(instance_path, "partition")
        data = export_encoding(instance, format, time.perf_counter() + time_limit)
        if out is not None:
            out.write_bytes(data if isinstance(data, bytes) else data.encode())
        elif isinstance(data, bytes):
            sys.stdout.buffer.write(data)
        else:
            sys.stdout.write(data)

    run_guarded(action)


EXPORTS = {"dimacs": "cnf", "wcnf": "wcnf", "cpsat-text": "cpsat", "cpsat-proto": "cpsat"}
ENCODE_FORMATS = tuple(EXPORTS)


def export_encoding(instance: PartitionInstance, format: str, deadline: float | None = None) -> str | bytes:
    """The registered encoding of the instance into the format's target kind, as text or bytes; raises
    `TimeLimitReached` past `deadline` (a `time.perf_counter()` value)."""
    from reductions.registry import find_encoding
    from solvers.proofs import dimacs

    if format not in EXPORTS:
        raise InvalidOptions(f"unknown format {format!r}; use {', '.join(EXPORTS)}", "--format")
    target, _ = find_encoding("partition", {EXPORTS[format]}).encode(instance, deadline)
    if format == "dimacs":
        return dimacs(target.clauses)
    if format == "wcnf":
        return str(target.to_dimacs()) + "\n"
    return _exported(target, ".txt" if format == "cpsat-text" else ".pb")


def _exported(model: Any, suffix: str) -> str | bytes:
    """OR-Tools' supported export (`CpModel.export_to_file`: text for `.txt`, a binary CpModelProto otherwise)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"model{suffix}"
        if not model.export_to_file(str(path)):
            raise OSError(f"OR-Tools could not export the model to {path}")
        return path.read_text() if suffix == ".txt" else path.read_bytes()


@app.command("limits")
def show_limits() -> None:
    """Print the input size limits in force: value, default and `LATENTSAT_*` variable of each (JSON)."""
    from problems.limits import InputLimits, active_limits

    limits = active_limits()
    emit(
        {
            name: {
                "value": getattr(limits, name),
                "default": field.default,
                "variable": f"LATENTSAT_{name.upper()}",
                "description": field.description,
            }
            for name, field in InputLimits.model_fields.items()
        }
    )


# the other command groups, after the core commands (the order `--help` lists them in)
app.command("serve")(cli_service.serve)
app.command("worker")(cli_service.worker)
app.command("submit")(cli_service.submit)
app.command("reduce")(cli_reductions.reduce)
app.command("lift")(cli_reductions.lift)
app.command("bench")(cli_bench.bench)
app.command("plot")(cli_view.plot)
app.command("compare")(cli_view.compare)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
