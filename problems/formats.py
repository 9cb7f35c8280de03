"""The registry of input formats: how the bytes of an instance file or upload become what a kind's parser reads.

- `json`: UTF-8 JSON (a byte-order mark allowed); its `kind` field names the problem kind (default `partition`).
- `npz`: numpy's compressed archive, for instances too large for JSON; it names no kind.
A file's format is told by its content (a zip header), never by its suffix (`sniff_format`).
Which kinds read which formats is the kinds registry's business (`solvers/kinds.py`): a format only decodes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from problems.errors import InvalidInstance
from problems.npz_arrays import is_npz
from problems.partition import read_json

DEFAULT_KIND = "partition"


@dataclass(frozen=True)
class InputFormat:
    """One format: its name (the service's `format`), file suffixes, and `decode(bytes)` → what parsers take."""

    name: str
    suffixes: tuple[str, ...]
    decode: Callable[[bytes], Any]

    def kind_of(self, decoded: Any) -> str | None:
        """The problem kind the decoded data names, if this format names one."""
        if self.name == "json" and isinstance(decoded, dict) and isinstance(decoded.get("kind"), str):
            return str(decoded["kind"])
        return None


def _json(blob: bytes) -> Any:
    return read_json(blob, "body")


FORMATS: tuple[InputFormat, ...] = (
    InputFormat("json", (".json",), _json),
    InputFormat("npz", (".npz",), lambda blob: blob),  # the kind's loader reads the archive
)


def get_format(name: str) -> InputFormat:
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    raise InvalidInstance(f"no input format {name!r}; known: {', '.join(f.name for f in FORMATS)}", "format")


def sniff_format(blob: bytes) -> InputFormat:
    """The format of an input by its content: a zip archive is `npz`, anything else is read as JSON."""
    return get_format("npz") if is_npz(blob) else get_format("json")
