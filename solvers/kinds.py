"""The registry of problem kinds: the only list of them. The CLI, the service and `check` route by it.

A kind says how its instances are read (a parser per input format, `problems/formats.py`), what its JSON schema
and answer model are, and how a finished answer is re-checked. Solving routes by kind too, through the strategy
selection (`solvers/strategies`), which is kind-aware. A new kind adds one `Kind` entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from problems.errors import InvalidInstance, UnknownKind, UnsolvableKind
from problems.formats import DEFAULT_KIND, InputFormat, get_format, sniff_format

# Kinds we read but do not solve (a reduction's source or target): the one-line way to use each instead.
NOT_SOLVED_HERE: dict[str, str] = {
    "bilinear": (
        "`bilinear` (the R3 target) has no solver here; decide its source: "
        "`latentsat reduce R3 POINTS.json --witness sol.json` (dim ≤ 2)"
    ),
    "separability": "`separability` is decided by `latentsat reduce R3 POINTS.json --witness sol.json` (dim ≤ 2)",
    "colouring": "`colouring` goes through R1: `latentsat reduce R1 GRAPH.col --k K --out inst.json --map map.json`",
    "cnf": "`cnf` goes through R1R2: `latentsat reduce R1R2 FORMULA.cnf --out inst.json --map map.json`",
}


@dataclass(frozen=True)
class Kind:
    """A problem kind: `readers[format]` turns decoded input into an instance (raising `InvalidInstance` naming
    the field); `check(instance, answer, checker)` re-checks an answer from scratch (a `CheckReport`)."""

    name: str
    summary: str
    instance_type: type
    answer_type: type[BaseModel]
    schema: Callable[[], dict[str, Any]]
    readers: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    check: Callable[..., Any] | None = None

    def read(self, fmt: InputFormat, decoded: Any) -> Any:
        """The instance from decoded input in `fmt` (`InvalidInstance` if this kind does not read that format)."""
        reader = self.readers.get(fmt.name)
        if reader is None:
            raise InvalidInstance(f"problem kind {self.name!r} takes {', '.join(self.readers)}, not {fmt.name}", "file")
        return reader(decoded)


def kinds() -> dict[str, Kind]:
    """Every registered problem kind by name, in a fixed order."""
    from problems.answers import Answer
    from problems.lsa.answer import LsaAnswer
    from problems.lsa.instance import LsaInstance, LsaSpec, lsa_from_dict
    from problems.partition import PartitionInstance, PartitionSpec, instance_from_dict, load_npz
    from solvers.certificates import check_answer
    from solvers.check_lsa import check_lsa_answer

    return {
        "partition": Kind(
            name="partition",
            summary="partition recovery: class maps c_i and a table g with y = g(c_1(x_1), ..., c_I(x_I))",
            instance_type=PartitionInstance,
            answer_type=Answer,
            schema=PartitionSpec.model_json_schema,
            readers={"json": instance_from_dict, "npz": load_npz},
            check=check_answer,
        ),
        "lsa": Kind(
            name="lsa",
            summary="LSA parameter recovery: (b, A) with φ(b, A) = X on a grid, within ε, or the best fit to X*",
            instance_type=LsaInstance,
            answer_type=LsaAnswer,
            schema=LsaSpec.model_json_schema,
            readers={"json": lsa_from_dict},
            check=check_lsa_answer,
        ),
    }


def get_kind(name: str) -> Kind:
    """The kind registered under `name`; a kind we only read is refused naming the way (`UnsolvableKind`)."""
    registered = kinds()
    if name in NOT_SOLVED_HERE:
        raise UnsolvableKind(NOT_SOLVED_HERE[name], "kind")
    if name not in registered:
        raise UnknownKind(f"no problem kind {name!r}; known: {', '.join(registered)}", "kind")
    return registered[name]


def _refuse_unsolvable(named: str | None) -> None:
    """Data that names a kind we only read (say, an R3 target sent as a partition) is refused naming the way."""
    if named in NOT_SOLVED_HERE:
        raise UnsolvableKind(NOT_SOLVED_HERE[named], "kind")


def kind_of(instance: Any) -> Kind:
    """The kind of a parsed instance."""
    for kind in kinds().values():
        if isinstance(instance, kind.instance_type):
            return kind
    raise UnknownKind(f"no problem kind has instances of type {type(instance).__name__}", "kind")


def read_instance(blob: bytes, fmt: str | InputFormat, kind: str | None = None) -> tuple[Kind, Any]:
    """(kind, instance) from the bytes of an input, read once: the format decodes, the kind (given, else named by
    the data, else `partition`) parses."""
    input_format = get_format(fmt) if isinstance(fmt, str) else fmt
    decoded = input_format.decode(blob)
    _refuse_unsolvable(input_format.kind_of(decoded))
    entry = get_kind(kind or input_format.kind_of(decoded) or DEFAULT_KIND)
    return entry, entry.read(input_format, decoded)


def read_file(path: str | Path, kind: str | None = None, field: str = "INSTANCE") -> tuple[Kind, Any]:
    """`read_instance` of a file, its format told by its content; a missing, unreadable or oversized file is
    `InvalidInstance` / `InstanceTooLarge` naming `field`."""
    from problems.partition import read_input_file

    blob = read_input_file(path, field)
    return read_instance(blob, sniff_format(blob), kind)


def read_data(data: Any, kind: str | None = None) -> tuple[Kind, Any]:
    """(kind, instance) from already decoded JSON (a request body, a bundle's `instance`)."""
    json_format = get_format("json")
    _refuse_unsolvable(json_format.kind_of(data))
    entry = get_kind(kind or json_format.kind_of(data) or DEFAULT_KIND)
    return entry, entry.read(json_format, data)
