"""Reading what `plot`, `compare` and `--pretty` take: an answer, a bundle `{instance, answer}`, or a truth file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from problems.errors import InvalidInstance


@dataclass(frozen=True)
class LoadedAnswer:
    """An answer as JSON, its kind (`partition` or `lsa`), and the parsed instance when one was given."""

    kind: str
    answer: dict[str, Any]
    instance: Any | None


def read_json(path: Path, field: str) -> Any:
    """The decoded JSON of `path`; `InvalidInstance` naming `field` when it is missing, too large or not JSON."""
    from problems.partition import read_input_file
    from problems.partition import read_json as decode_json

    return decode_json(read_input_file(path, field), field)


def answer_kind(answer: dict[str, Any]) -> str:
    """`lsa` for an LSA answer (it carries `kind: "lsa"`), else `partition`."""
    return "lsa" if answer.get("kind") == "lsa" else "partition"


def split_bundle(data: Any, field: str = "answer") -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(answer, instance JSON or None) from a bundle `{instance, answer}` (also the service's certificate
    download) or a bare answer."""
    if not isinstance(data, dict):
        raise InvalidInstance("expected a JSON object: an answer or a bundle {instance, answer}", field)
    if "answer" in data:
        if not isinstance(data["answer"], dict):
            raise InvalidInstance("the bundle's answer must be an object", f"{field}.answer")
        return data["answer"], data.get("instance")
    if "status" not in data:
        raise InvalidInstance("an answer has a `status`; a bundle has `answer` and `instance`", field)
    return data, None


def parse_instance(kind: str, data: Any) -> Any:
    """The parsed instance of `kind` from its JSON form, through the kinds registry."""
    from solvers.kinds import read_data

    return read_data(data, kind)[1]


def load_instance_file(kind: str, path: Path) -> Any:
    """An instance of `kind` from a file in any format its kind reads (JSON, `.npz`; told apart by content), read
    once; a missing or oversized file is refused naming `instance`."""
    from solvers.kinds import read_file

    return read_file(path, kind, "instance")[1]


def load_answer(path: Path, instance_path: Path | None = None) -> LoadedAnswer:
    """An answer file (bare or bundled) and its instance: `instance_path` wins over a bundled instance."""
    answer, bundled = split_bundle(read_json(path, "answer"))
    kind = answer_kind(answer)
    validate_answer(kind, answer)
    instance = None
    if instance_path is not None:
        instance = load_instance_file(kind, instance_path)
    elif bundled is not None:
        instance = parse_instance(kind, bundled)
    return LoadedAnswer(kind, answer, instance)


def validate_answer(kind: str, answer: dict[str, Any]) -> None:
    """Check the answer against its wire model (SPEC §3), naming the first bad field."""
    from pydantic import ValidationError

    from problems.errors import from_validation_error
    from solvers.kinds import get_kind

    try:
        get_kind(kind).answer_type.model_validate(answer)
    except ValidationError as exc:
        raise from_validation_error(exc, InvalidInstance, "answer") from exc
