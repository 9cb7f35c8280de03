"""`latentsat plot` (a PNG of the recovered structure) and `latentsat compare` (an answer against a known truth).

    latentsat solve inst.json --bundle cert.json && latentsat plot cert.json --out structure.png
    latentsat compare cert.json truth.json        # truth.json from `latentsat generate --truth`
The logic lives in `latentsat/view/`, which the service's `/v1/jobs/{id}/plot.png` and `/ui` pages share.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from latentsat.output import OUTPUT
from latentsat.progress import QuietOption, progress

AnswerArg = Annotated[
    Path,
    typer.Argument(
        metavar="ANSWER", help="an answer, a bundle from `solve --bundle`, or a certificate from the service"
    ),
]


def plot(
    answer_path: AnswerArg,
    out: Annotated[Path, typer.Option(help="the PNG to write", **OUTPUT)] = Path("structure.png"),
    instance_path: Annotated[
        Path | None,
        typer.Option("--instance", help="the instance (.json or .npz)", show_default="the bundle's instance, if any"),
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Draw the recovered structure: per pair of groups, the samples' labels with tokens ordered by class, and
    the table g (partition); X beside φ(b, A) (LSA). Large instances are binned, so this stays fast."""
    from latentsat.output import run_guarded
    from latentsat.view.inputs import load_answer
    from latentsat.view.plots import render_png

    def action() -> None:
        with progress(f"plotting {answer_path.name}", quiet=quiet) as report:
            report.stage("load")
            loaded = load_answer(answer_path, instance_path)
            report.stage("draw")
            out.write_bytes(render_png(loaded.kind, loaded.answer, loaded.instance))
        typer.echo(f"wrote {out}", err=True)

    run_guarded(action)


def compare(
    answer_path: AnswerArg,
    truth_path: Annotated[
        Path,
        typer.Argument(metavar="TRUTH", help="the truth (`generate --truth`), or another answer or bundle"),
    ],
    pretty: Annotated[bool, typer.Option(help="a readable table instead of JSON")] = False,
) -> None:
    """Compare a partition answer with a known truth: exact match up to relabelling, adjusted Rand index per
    group, misplaced tokens (after the best one-to-one matching of classes; see latentsat/view/compare.py)."""
    from latentsat.output import emit, run_guarded
    from latentsat.view.compare import compare as compare_answers
    from latentsat.view.inputs import read_json, split_bundle

    def action() -> None:
        answer, _ = split_bundle(read_json(answer_path, "answer"))
        truth_data = read_json(truth_path, "truth")
        truth = truth_data.get("answer", truth_data) if isinstance(truth_data, dict) else truth_data
        if not isinstance(truth, dict):
            from problems.errors import InvalidInstance

            raise InvalidInstance("expected a JSON object with `classes`", "truth")
        result = compare_answers(answer, truth).to_json()
        if pretty:
            _print_comparison(result)
        else:
            emit(result)

    run_guarded(action)


def _print_comparison(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    from latentsat.view.pretty import cut_list

    verdict = "exact match up to relabelling" if result["exact"] else "not an exact match"
    if not result["exact"] and result["exact_constrained"]:
        verdict += " (exact on the constrained tokens)"
    table = Table(title=f"{verdict}; table g matches: {result['table_match']}", title_justify="left")
    for column in ("group", "adjusted Rand index", "misplaced", "tokens"):
        table.add_column(column)
    for group in result["groups"]:
        tokens = cut_list(group["misplaced"]) if group["misplaced"] else "-"
        table.add_row(str(group["group"]), f"{group['ari']:.4f}", str(group["n_misplaced"]), tokens)
    Console().print(table)
