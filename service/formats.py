"""Instances as the service stores them: bytes in an input format, read through the kinds registry.

Which kinds read which formats (JSON for every kind, `.npz` where a kind has a loader) is the kinds registry's
business (`solvers/kinds.py`); this module only places the errors under the request's `instance` field.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from problems.errors import InstanceTooLarge, InvalidInstance, LatentsatError, UnsolvableKind, nested_field
from problems.limits import InputLimits, active_limits, limits_in_force
from solvers.kinds import read_data, read_instance


def parse_instance(kind: str, fmt: str, blob: bytes, limits: InputLimits | None = None) -> Any:
    """The kind's parsed instance from stored bytes, every size checked against `limits` (default: the
    environment's) before any array is built; errors name fields under `instance.`."""
    with _parsing(fmt), limits_in_force(limits or active_limits()):
        return read_instance(blob, fmt, kind)[1]


def parse_decoded(kind: str, data: Any, limits: InputLimits | None = None) -> Any:
    """`parse_instance` of a JSON instance that the request's body already decoded (not decoded a second time)."""
    with _parsing("json"), limits_in_force(limits or active_limits()):
        return read_data(data, kind)[1]


@contextmanager
def _parsing(fmt: str) -> Iterator[None]:
    """Errors of a parser as the caller's: fields named under `instance.`, stray exceptions as `InvalidInstance`."""
    try:
        yield
    except UnsolvableKind:
        raise
    except (InvalidInstance, InstanceTooLarge) as exc:  # "file": the upload itself, not a field in it
        field = exc.field if exc.field == "file" else nested_field("instance", exc.field)
        raise type(exc)(Exception.__str__(exc), field) from exc
    except LatentsatError:
        raise
    except (ValueError, TypeError, OverflowError, KeyError, IndexError, EOFError, OSError, zipfile.BadZipFile) as exc:
        # A parser that let a malformed input through to numpy or zipfile: still the caller's input, not our 500.
        what = "a readable .npz archive" if fmt == "npz" else "a valid instance"
        raise InvalidInstance(
            f"not {what}: {type(exc).__name__}: {exc}", "file" if fmt == "npz" else "instance"
        ) from exc


def sample_count(parsed: Any) -> int | None:
    """Samples in a parsed instance, for kinds that have them (stored with the job)."""
    count = getattr(parsed, "n_samples", None)
    return int(count) if count is not None else None


def to_json(parsed: Any) -> dict[str, Any] | None:
    """The wire form of a parsed instance, where its kind can write one (for certificate bundles)."""
    writer = getattr(parsed, "to_json_dict", None)
    return writer() if callable(writer) else None
