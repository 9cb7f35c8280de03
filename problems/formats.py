"""The registry of input formats: how the bytes of an instance file or upload become what a kind's parser reads.

- `json` (`.json`, any other suffix): UTF-8 JSON; its `kind` field names the problem kind (default `partition`).
- `npz` (`.npz`): numpy's compressed archive, for instances too large for JSON; it names no kind.
Which kinds read which formats is the kinds registry's business (`solvers/kinds.py`): a format only decodes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from problems.errors import InvalidInstance

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
    try:
        return json.loads(blob)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInstance(f"not valid JSON: {exc}", "body") from exc


FORMATS: tuple[InputFormat, ...] = (
    InputFormat("json", (".json",), _json),
    InputFormat("npz", (".npz",), lambda blob: blob),  # the kind's loader reads the archive
)


def get_format(name: str) -> InputFormat:
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    raise InvalidInstance(f"no input format {name!r}; known: {', '.join(f.name for f in FORMATS)}", "format")


def format_of(path: str | Path) -> InputFormat:
    """The format of a file, by its suffix; a file with any other suffix is read as JSON."""
    suffix = Path(path).suffix
    return next((fmt for fmt in FORMATS if suffix in fmt.suffixes), FORMATS[0])
