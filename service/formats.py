"""Instances as the service stores them: bytes in an input format, read through the kinds registry.

Which kinds read which formats (JSON for every kind, `.npz` where a kind has a loader) is the kinds registry's
business (`solvers/kinds.py`); this module only places the errors under the request's `instance` field.
"""

from __future__ import annotations

import zipfile
from typing import Any

from problems.errors import InvalidInstance, LatentsatError, UnsolvableKind, nested_field
from solvers.kinds import read_instance


def parse_instance(kind: str, fmt: str, blob: bytes) -> Any:
    """The kind's parsed instance from stored bytes; errors name fields under `instance.`."""
    try:
        return read_instance(blob, fmt, kind)[1]
    except UnsolvableKind:
        raise
    except InvalidInstance as exc:  # "file": the upload itself (a kind without this format), not a field in it
        field = exc.field if exc.field == "file" else nested_field("instance", exc.field)
        raise InvalidInstance(Exception.__str__(exc), field) from exc
    except LatentsatError:
        raise
    except (ValueError, TypeError, OverflowError, KeyError, IndexError, EOFError, OSError, zipfile.BadZipFile) as exc:
        # A parser that let a malformed input through to numpy or zipfile: still the caller's input, not our 500.
        what = "a readable .npz archive" if fmt == "npz" else "a valid instance"
        raise InvalidInstance(
            f"not {what}: {type(exc).__name__}: {exc}", "file" if fmt == "npz" else "instance"
        ) from exc


def sample_count(parsed: Any) -> int | None:
    """Samples in a parsed instance, for kinds that have them (the `max_samples` limit)."""
    count = getattr(parsed, "n_samples", None)
    return int(count) if count is not None else None


def to_json(parsed: Any) -> dict[str, Any] | None:
    """The wire form of a parsed instance, where its kind can write one (for certificate bundles)."""
    writer = getattr(parsed, "to_json_dict", None)
    return writer() if callable(writer) else None
