"""Instance kinds that `solve` (and `POST /v1/jobs`) do not take, and the way to use each instead: one line each.

Read from the JSON `kind` field of an instance file, so the message names the way instead of a schema error.
"""

from __future__ import annotations

import json
from pathlib import Path

from problems.errors import InvalidInstance

NOT_SOLVED_HERE: dict[str, str] = {
    "bilinear": (
        "`bilinear` (the R3 target) has no solver here; decide its source: "
        "`latentsat reduce R3 POINTS.json --witness sol.json` (dim ≤ 2)"
    ),
    "separability": "`separability` is decided by `latentsat reduce R3 POINTS.json --witness sol.json` (dim ≤ 2)",
    "colouring": "`colouring` goes through R1: `latentsat reduce R1 GRAPH.col --k K --out inst.json --map map.json`",
    "cnf": "`cnf` goes through R1R2: `latentsat reduce R1R2 FORMULA.cnf --out inst.json --map map.json`",
}


def hint_for(kind: object) -> str | None:
    """The one-line way to handle an instance of `kind`, or None when `solve` takes it (or the kind is unknown)."""
    return NOT_SOLVED_HERE.get(kind) if isinstance(kind, str) else None


def refuse_unsolvable_kind(kind: str | None, json_text: str | bytes = b"{}") -> None:
    """Raise `InvalidInstance` on field `kind`, naming the way, when `kind` (or the `kind` field of the JSON
    instance text) is one that `solve` does not take; unreadable JSON is left to the instance parsers."""
    hint = hint_for(kind)
    if hint is None:
        try:
            data = json.loads(json_text)
        except ValueError:
            return
        hint = hint_for(data.get("kind")) if isinstance(data, dict) else None
    if hint is not None:
        raise InvalidInstance(hint, "kind")


def refuse_unsolvable_file(path: Path) -> None:
    """`refuse_unsolvable_kind` for an instance file (`.json` only: `.npz` holds partitions)."""
    if path.suffix != ".json":
        return
    try:
        text = path.read_bytes()
    except OSError:
        return  # the loader reports a missing or unreadable file
    refuse_unsolvable_kind(None, text)
