"""Instance formats the service accepts per problem kind: JSON for every kind, `.npz` where a kind has a loader."""

from __future__ import annotations

import importlib
import json
import zipfile
from collections.abc import Callable
from typing import Any

from problems.errors import InstanceTooLarge, InvalidInstance, LatentsatError
from problems.limits import InputLimits, active_limits, limits_in_force
from solvers.pipeline import get_kind

# kind → "module:function" that turns `.npz` bytes into the kind's parsed instance.
NPZ_LOADERS: dict[str, str] = {"partition": "problems.partition:load_npz"}


def npz_loader(kind: str) -> Callable[[bytes], Any]:
    if kind not in NPZ_LOADERS:
        raise InvalidInstance(f"problem kind {kind!r} takes JSON only, not .npz", "file")
    module, name = NPZ_LOADERS[kind].split(":")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def parse_instance(kind: str, fmt: str, blob: bytes, limits: InputLimits | None = None) -> Any:
    """The kind's parsed instance from stored bytes, every size checked against `limits` (default: the
    environment's) before any array is built; errors name fields under `instance.`."""
    loader = npz_loader(kind) if fmt == "npz" else get_kind(kind).parse
    try:
        with limits_in_force(limits or active_limits()):
            return loader(blob) if fmt == "npz" else loader(json.loads(blob))
    except InvalidInstance as exc:
        raise InvalidInstance(Exception.__str__(exc), _under_instance(exc.field)) from exc
    except InstanceTooLarge as exc:
        raise InstanceTooLarge(Exception.__str__(exc), _under_instance(exc.field)) from exc
    except LatentsatError:
        raise
    except (ValueError, TypeError, OverflowError, KeyError, IndexError, EOFError, OSError, zipfile.BadZipFile) as exc:
        # A parser that let a malformed input through to numpy or zipfile: still the caller's input, not our 500.
        what = "a readable .npz archive" if fmt == "npz" else "a valid instance"
        raise InvalidInstance(
            f"not {what}: {type(exc).__name__}: {exc}", "file" if fmt == "npz" else "instance"
        ) from exc


def _under_instance(field: str | None) -> str:
    if not field or field == "body":
        return "instance"
    return "instance" + (field if field.startswith("[") else "." + field)


def sample_count(parsed: Any) -> int | None:
    """Samples in a parsed instance, for kinds that have them (stored with the job)."""
    count = getattr(parsed, "n_samples", None)
    return int(count) if count is not None else None


def to_json(parsed: Any) -> dict[str, Any] | None:
    """The wire form of a parsed instance, where its kind can write one (for certificate bundles)."""
    writer = getattr(parsed, "to_json_dict", None)
    return writer() if callable(writer) else None
