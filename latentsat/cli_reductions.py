"""The `reduce` and `lift` commands: run a hardness reduction forward on a file, and map a solution back.

    latentsat reduce R1 graph.col --k 3 --out inst.json --map map.json   # then: latentsat solve inst.json > ans.json
    latentsat lift map.json ans.json                                      # a colouring, verified on the graph
Reductions: R1 (colouring → partition), R2 (3-SAT → 3-colouring), R1R2 (3-SAT → partition), R3 (separability →
bilinear). See docs/reductions.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from latentsat.output import OUTPUT, emit, run_guarded, write_beside
from latentsat.progress import QuietOption, progress
from problems.errors import InvalidInstance, InvalidOptions, UnknownKind


def load_source(name: str, path: Path, k: int | None) -> dict[str, Any]:
    """The source instance as JSON. The format is sniffed from the content, whatever the suffix (`.col`, `.clq`,
    `.COL`, `.col.txt`, `.dimacs`, ...): a DIMACS graph (`p edge`), a DIMACS CNF (`p cnf`), or JSON."""
    from problems.cnf_formula import is_dimacs_cnf, parse_dimacs_cnf
    from problems.graph import is_dimacs_graph, parse_dimacs_col
    from problems.partition import read_input_file, read_json
    from reductions.registry import get_reduction

    try:
        entry = get_reduction(name)
    except UnknownKind as exc:  # a bad command-line argument: exit 2 like any invalid input
        raise InvalidOptions(str(exc).split(": ", 1)[-1], "reduction") from exc
    blob = read_input_file(path, "SOURCE")
    if is_dimacs_graph(blob):
        return parse_dimacs_col(blob, k if k is not None else 3).to_json_dict()
    if k is not None and entry.source != "colouring":
        raise InvalidOptions("--k applies to colouring sources (R1)", "k")
    if is_dimacs_cnf(blob):
        return parse_dimacs_cnf(blob).to_json_dict()
    if not blob.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")):
        raise InvalidInstance("not a DIMACS graph ('p edge'), a DIMACS CNF ('p cnf') or JSON", "SOURCE")
    data = read_json(blob, "SOURCE")
    if k is not None:
        if entry.source != "colouring" or not isinstance(data, dict):
            raise InvalidOptions("--k applies to colouring sources (R1)", "k")
        data = {**data, "k": k}
    return data


def reduce(
    name: Annotated[str, typer.Argument(metavar="REDUCTION", help="R1, R2, R1R2 or R3")],
    source_path: Annotated[
        Path,
        typer.Argument(
            metavar="SOURCE", help="DIMACS graph, DIMACS CNF, or JSON (told by content)", exists=True, dir_okay=False
        ),
    ],
    k: Annotated[
        int | None, typer.Option("--k", help="colours K for a DIMACS graph", show_default="3 for a graph, else none")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="write the target here", show_default="stdout", **OUTPUT)] = None,
    map_path: Annotated[
        Path | None, typer.Option("--map", help="write what `lift` needs here", show_default="none", **OUTPUT)
    ] = None,
    format: Annotated[str, typer.Option("--format", help="json, or col (DIMACS graph, for R2)")] = "json",
    witness: Annotated[
        Path | None,
        typer.Option(
            help="R3, dim ≤ 2: decide exactly and write a target solution here", show_default="none", **OUTPUT
        ),
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Reduce a source instance to a target instance (a partition instance for R1 and R1R2: `solve` takes it)."""
    from reductions.wire import reduce_json

    def action() -> None:
        with progress(f"reducing {source_path.name} by {name}", quiet=quiet) as report:
            source = load_source(name, source_path, k)
            report.stage("reduce")
            reduced = reduce_json(name, source)
            text = _target_text(reduced, format)
            report.stage("write")
            if out is not None:
                out.write_text(text)
            if map_path is not None:
                map_path.write_text(json.dumps(reduced["map"]))
            if witness is not None:
                report.stage("witness")
                witness.write_text(json.dumps(_r3_witness(reduced["reduction"], source)))
        if out is None:
            typer.echo(text, nl=False)

    run_guarded(action)


def _target_text(reduced: dict[str, Any], format: str) -> str:
    target = reduced["target"]
    if format == "json":
        return json.dumps(target, separators=(",", ":")) + "\n"
    if format == "col" and target.get("kind") == "colouring":
        from problems.graph import colouring_from_dict, to_dimacs_col

        return to_dimacs_col(colouring_from_dict(target))
    raise InvalidOptions(f"format {format!r} does not fit a {target.get('kind')} target; use json", "format")


def _r3_witness(reduction_name: str, source: dict[str, Any]) -> dict[str, Any]:
    """Decide separability exhaustively and map the planes forward to an exact target solution."""
    from problems.separability import decide_separability, separability_from_dict
    from reductions.separability_to_bilinear import SeparabilityToBilinear
    from reductions.wire import bilinear_solution_json

    if reduction_name != SeparabilityToBilinear.name:
        raise InvalidOptions("--witness applies to R3", "witness")
    instance = separability_from_dict(source)
    if instance.dim > 2:
        raise InvalidOptions("the exhaustive decider handles dim 1 and 2", "witness")
    planes = decide_separability(instance)
    if planes is None:
        return {"separable": False}
    reduction = SeparabilityToBilinear()
    reduction.forward(instance)
    return {"separable": True, **planes.to_json_dict(), **bilinear_solution_json(reduction.forward_solution(planes))}


def lift(
    map_path: Annotated[
        Path, typer.Argument(metavar="MAP", help="the --map file written by `reduce`", exists=True, dir_okay=False)
    ],
    solution_path: Annotated[
        Path,
        typer.Argument(
            metavar="SOLUTION", help="an answer (`solve`), a colouring, or b and A (R3)", exists=True, dir_okay=False
        ),
    ],
    out: Annotated[Path | None, typer.Option(help="write here", show_default="stdout", **OUTPUT)] = None,
) -> None:
    """Map a target solution back to the source, and verify it there (exit 2 if it does not solve the target)."""
    from reductions.wire import lift_json
    from solvers.proof_files import DEFAULT_INLINE_MAX_BYTES

    def action() -> None:
        mapping = _read_json(map_path, "map")
        if not isinstance(mapping, dict) or "reduction" not in mapping or "source" not in mapping:
            raise InvalidInstance("a map has the keys 'reduction' and 'source'", "map")
        lifted = lift_json(mapping["reduction"], mapping["source"], _read_json(solution_path, "solution"))
        lifted = write_beside(lifted, map_path, out, DEFAULT_INLINE_MAX_BYTES)  # a long target proof: a file
        if out is not None:
            out.write_text(json.dumps(lifted))
        else:
            emit(lifted)

    run_guarded(action)


def _read_json(path: Path, field: str) -> Any:
    from problems.partition import read_input_file, read_json

    return read_json(read_input_file(path, field), field)
