"""The `latentsat` command line: generate, solve, check and encode instances (JSON on stdout).

Exit codes: 0 an answer was produced (any status), 2 invalid input (the message names the field), 1 otherwise.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from latentsat import cli_lsa
from problems.answers import Answer, SolveOptions
from problems.errors import (
    InvalidCertificate,
    InvalidInstance,
    InvalidOptions,
    LatentsatError,
    UnknownBackend,
    UnknownKind,
)
from problems.partition import PartitionInstance, dump_npz, instance_from_dict, load_instance

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
app.add_typer(cli_lsa.app, name="lsa")
stderr = Console(stderr=True)
T = TypeVar("T")

INPUT_ERRORS = (InvalidInstance, InvalidOptions, UnknownBackend, UnknownKind, InvalidCertificate)


def run_guarded(action: Callable[[], T]) -> T:
    """Run a command body; map our errors to exit codes 2 (bad input) and 1 (anything else)."""
    try:
        return action()
    except INPUT_ERRORS as exc:
        stderr.print(f"[red]invalid input[/red] {exc}")
        raise typer.Exit(2) from exc
    except LatentsatError as exc:
        stderr.print(f"[red]error[/red] {exc}")
        raise typer.Exit(1) from exc
    except (OSError, ValueError) as exc:
        stderr.print(f"[red]error[/red] {exc}")
        raise typer.Exit(1) from exc


@contextmanager
def status_line(message: str) -> Iterator[None]:
    """A rich spinner with elapsed time on stderr while a long solve runs (silent when not a terminal)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(), TextColumn(message), TimeElapsedColumn(), console=stderr, transient=True
    ) as progress:
        progress.add_task(message, total=None)
        yield


def emit(data: Any) -> None:
    sys.stdout.write(json.dumps(data, separators=(",", ":")) + "\n")


@app.command()
def generate(
    model: Annotated[str, typer.Option(help="planted (SPEC §1) or topics (LDA, one topic per document)")] = "planted",
    groups: Annotated[int, typer.Option(help="I, the number of groups")] = 3,
    size: Annotated[int, typer.Option(help="N, tokens per group")] = 100,
    classes: Annotated[int, typer.Option(help="K, classes per group")] = 3,
    labels: Annotated[str, typer.Option(help="alphabet size V, or 'generic'")] = "2",
    samples: Annotated[int | None, typer.Option(help="n, the number of samples")] = None,
    factor: Annotated[float | None, typer.Option(help="c, for n = ceil(c N ln N)")] = None,
    noise: Annotated[float, typer.Option(help="ε: each label becomes another value with probability ε")] = 0.0,
    vocabulary: Annotated[int, typer.Option(help="topics: words in the vocabulary (group 2)")] = 300,
    documents: Annotated[int, typer.Option(help="topics: documents (group 1)")] = 200,
    topics: Annotated[int, typer.Option(help="topics: topics (the classes of both groups)")] = 3,
    words_per_document: Annotated[int, typer.Option(help="topics: word draws per document")] = 150,
    within: Annotated[float, typer.Option(help="topics: weight of a topic's own words")] = 1.0,
    across: Annotated[float, typer.Option(help="topics: weight of every other word")] = 0.05,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    out: Annotated[Path | None, typer.Option(help="write here (.json or .npz) instead of stdout")] = None,
    truth: Annotated[Path | None, typer.Option(help="also write the planted truth (JSON) here")] = None,
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
            raise InvalidOptions(f"--model must be planted or topics, not {model!r}", "model")
        if samples is None and factor is None:
            raise InvalidOptions("give --samples or --factor", "samples")
        alphabet: int | str = labels if labels == "generic" else int(labels)
        instance, planted = planted_partition(groups, size, classes, alphabet, samples, factor, seed, noise)  # type: ignore[arg-type]
        table = [{"cell": list(cell), "label": label} for cell, label in planted.table.items()]
        return instance, {"classes": planted.classes, "table": table, "flipped": planted.flipped}

    def action() -> None:
        if not 0.0 <= noise <= 1.0:
            raise InvalidOptions(f"--noise must be a probability in [0, 1], got {noise}", "noise")
        try:
            instance, truth_data = draw()
        except ValueError as exc:  # a generator's own check of its parameters: bad input, not our failure
            raise InvalidOptions(str(exc), "model") from exc
        if truth is not None:
            truth.write_text(json.dumps(truth_data))
        if out is not None and out.suffix == ".npz":
            out.write_bytes(dump_npz(instance))
        elif out is not None:
            out.write_text(json.dumps(instance.to_json_dict()))
        else:
            emit(instance.to_json_dict())

    run_guarded(action)


@app.command()
def solve(
    instance_path: Annotated[Path, typer.Argument(metavar="INSTANCE", help="instance file (.json or .npz)")],
    backend: Annotated[
        str | None,
        typer.Option(
            help="pysat (default), cpsat, fast, noisy (default for noisy instances), portfolio, gradient "
            "(partitions); structure, mathopt, varpro (lsa)"
        ),
    ] = None,
    solver: Annotated[str | None, typer.Option(help="sub-solver, e.g. cadical195, glucose4")] = None,
    time_limit: Annotated[float, typer.Option(help="wall seconds, encoding included")] = 60.0,
    unique: Annotated[bool, typer.Option(help="also prove the solution unique up to relabelling")] = False,
    proof: Annotated[bool, typer.Option(help="log and check DRUP proofs")] = True,
    checker: Annotated[str, typer.Option(help="auto, drup, rup or backward")] = "auto",
    workers: Annotated[int, typer.Option(help="CP-SAT workers")] = 2,
    seed: Annotated[int, typer.Option(help="solver seed")] = 0,
    pretty: Annotated[bool, typer.Option(help="a readable table instead of JSON")] = False,
    bundle: Annotated[Path | None, typer.Option(help="write {instance, answer} here for `latentsat check`")] = None,
) -> None:
    """Solve an instance and print the verified answer as JSON (SPEC §3)."""
    from solvers.pipeline import solve as solve_instance

    def action() -> None:
        named = {"backend": backend} if backend is not None else {}  # unnamed: the default for the instance
        options = _options(
            **named,
            solver=solver,
            time_limit=time_limit,
            unique=unique,
            proof=proof,
            checker=checker,
            num_workers=workers,
            seed=seed,
        )
        if cli_lsa.is_lsa_file(instance_path):  # route by the JSON `kind` field
            return emit(cli_lsa.solve_file(instance_path, options))
        instance = load_instance(instance_path)
        with status_line(f"solving {instance_path.name} ({instance.n_samples} samples) with {options.backend}"):
            answer = solve_instance(instance, options)
        if bundle is not None:
            bundle.write_text(json.dumps({"instance": instance.to_json_dict(), "answer": answer.model_dump()}))
        if pretty:
            print_answer(answer)
        else:
            emit(answer.model_dump(mode="json"))

    run_guarded(action)


def _options(**fields: Any) -> SolveOptions:
    from pydantic import ValidationError

    try:
        return SolveOptions(**fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidOptions(first["msg"], "options." + ".".join(map(str, first["loc"]))) from exc


def print_answer(answer: Answer) -> None:
    console = Console()
    table = Table(title=f"status: {answer.status.value}")
    table.add_column("group")
    table.add_column("classes (token order)")
    table.add_column("unconstrained")
    for i, group_classes in enumerate(answer.classes or []):
        free = (answer.unconstrained or [[]])[i] if answer.unconstrained else []
        table.add_row(str(i), " ".join(map(str, group_classes)), " ".join(map(str, free)) or "-")
    console.print(table)
    if answer.certificate:
        console.print(f"certificate: {answer.certificate.kind}, checked={answer.certificate.checked}")
    if answer.message:
        console.print(answer.message)
    console.print({k: v for k, v in answer.stats.items() if k in ("backend", "solver", "wall_s", "encode_s")})


@app.command()
def check(
    certificate_path: Annotated[
        Path, typer.Argument(metavar="CERT", help="a bundle from `solve --bundle`, or an answer")
    ],
    instance_path: Annotated[
        Path | None, typer.Option("--instance", help="the instance, if CERT is a bare answer")
    ] = None,
    checker: Annotated[str, typer.Option(help="auto, drup, rup or backward")] = "auto",
) -> None:
    """Re-check an answer from scratch: re-encode, re-verify the solution, re-check the proof. Exit 1 if rejected."""
    from solvers.certificates import check_answer
    from solvers.proofs import Checker

    def action() -> bool:
        data = json.loads(certificate_path.read_text())
        answer_data = data.get("answer", data)
        if "instance" in data:
            instance: PartitionInstance = instance_from_dict(data["instance"])
        elif instance_path is not None:
            instance = load_instance(instance_path)
        else:
            raise InvalidCertificate("a bare answer needs --instance", "instance")
        answer = Answer.model_validate(answer_data)
        report = check_answer(instance, answer, Checker(checker))
        emit({"ok": report.ok, "reason": report.reason, "checker": report.checker, "check_s": report.check_s})
        return report.ok

    if not run_guarded(action):
        raise typer.Exit(1)


@app.command()
def encode(
    instance_path: Annotated[Path, typer.Argument(metavar="INSTANCE")],
    format: Annotated[str, typer.Option("--format", help="dimacs, wcnf, cpsat-text or cpsat-proto")] = "dimacs",
    out: Annotated[Path | None, typer.Option(help="write here instead of stdout")] = None,
) -> None:
    """Export the encoding: DIMACS CNF (direct encoding), WCNF (minimize), or the CP-SAT model."""

    def action() -> None:
        instance = load_instance(instance_path)
        data = export_encoding(instance, format)
        if out is not None:
            out.write_bytes(data if isinstance(data, bytes) else data.encode())
        elif isinstance(data, bytes):
            sys.stdout.buffer.write(data)
        else:
            sys.stdout.write(data)

    run_guarded(action)


def export_encoding(instance: PartitionInstance, format: str) -> str | bytes:
    from reductions.partition_to_cnf import PartitionToCnf, PartitionToMaxSat
    from reductions.partition_to_cpsat import PartitionToCpSat
    from solvers.proofs import dimacs

    if format == "dimacs":
        return dimacs(PartitionToCnf().forward(instance).clauses)
    if format == "wcnf":
        return PartitionToMaxSat().forward(instance).to_dimacs() + "\n"
    if format in ("cpsat-text", "cpsat-proto"):
        model = PartitionToCpSat().forward(instance)
        return str(model.proto) if format == "cpsat-text" else model.proto.SerializeToString()
    raise InvalidOptions(f"unknown format {format!r}; use dimacs, wcnf, cpsat-text or cpsat-proto", "format")


from latentsat import cli_service  # noqa: E402  (registered here so the service commands stay in their own module)

app.command("serve")(cli_service.serve)
app.command("submit")(cli_service.submit)

from latentsat import cli_reductions  # noqa: E402  (after the helpers it imports)

app.command("reduce")(cli_reductions.reduce)
app.command("lift")(cli_reductions.lift)

from latentsat import cli_bench  # noqa: E402  (registered after the core commands)

app.command("bench")(cli_bench.bench)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
