"""Reading `.npz` archives safely: every member's shape and dtype is checked from its `.npy` header before a byte of
its data is decompressed, so a small archive that expands to gigabytes is refused at once.

Format: a zip of `NAME.npy` members (numpy's `savez`); each member opens with a header holding shape, order and
dtype (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
"""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from problems.errors import InstanceTooLarge, InvalidInstance

NPZ_MAGIC = b"PK\x03\x04"  # a zip local-file header: how an `.npz` is told from JSON without trusting a suffix


@dataclass(frozen=True)
class ArraySpec:
    """What one member may hold: dtype kinds (numpy's `dtype.kind` letters) and the allowed numbers of dimensions."""

    kinds: str
    ndims: tuple[int, ...]
    required: bool = True


def is_npz(head: bytes) -> bool:
    """True when the bytes start like a zip archive (every `.npz` does)."""
    return head.startswith(NPZ_MAGIC)


Shapes = dict[str, tuple[int, ...]]


def read_npz(
    blob: bytes, specs: dict[str, ArraySpec], max_bytes: int, check_shapes: Callable[[Shapes], None] | None = None
) -> dict[str, np.ndarray]:
    """The arrays of an `.npz`, each checked against `specs` from its header first; unknown members are refused.

    `check_shapes` sees every present member's shape before any data is read (to apply the caller's bounds).
    Raises `InvalidInstance` (naming the array) for a malformed archive, a missing or unexpected array, a wrong
    dtype or number of dimensions; `InstanceTooLarge` when the arrays would decompress to more than `max_bytes`.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(blob))
        members = {info.filename: info for info in archive.infolist()}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise InvalidInstance(f"not a readable .npz archive: {exc}", "body") from exc
    _check_members(members, specs)
    headers = {name: _header(archive, name, members, spec) for name, spec in specs.items() if f"{name}.npy" in members}
    if check_shapes is not None:
        check_shapes({name: shape for name, (shape, _) in headers.items()})
    total = sum(math.prod(shape) * dtype.itemsize for shape, dtype in headers.values())
    if total > max_bytes:
        raise InstanceTooLarge(
            f"the arrays decompress to {total} bytes, above the limit of {max_bytes} "
            "(set LATENTSAT_MAX_ARRAY_BYTES to raise it)",
            "body",
        )
    return {name: _read(archive, name) for name in headers}


def _check_members(members: dict[str, zipfile.ZipInfo], specs: dict[str, ArraySpec]) -> None:
    for filename in members:
        if filename.removesuffix(".npy") not in specs:
            known = ", ".join(specs)
            raise InvalidInstance(f"unexpected member {filename!r}; an instance holds only {known}", "body")
    for name, spec in specs.items():
        if spec.required and f"{name}.npy" not in members:
            raise InvalidInstance(f"the .npz archive lacks the array {name!r}", name)


def _header(
    archive: zipfile.ZipFile, name: str, members: dict[str, zipfile.ZipInfo], spec: ArraySpec
) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype from the member's `.npy` header (only the header is decompressed)."""
    try:
        with archive.open(members[f"{name}.npy"]) as member:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(member)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(member)
            else:
                raise ValueError(f"unsupported .npy format version {version}")
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, RuntimeError) as exc:
        raise InvalidInstance(f"not a readable .npy array: {exc}", name) from exc
    if dtype.kind not in spec.kinds or dtype.hasobject or dtype.fields is not None:
        raise InvalidInstance(f"dtype {dtype} is not allowed here (kinds {spec.kinds!r})", name)
    if len(shape) not in spec.ndims:
        raise InvalidInstance(f"expected {_dims(spec.ndims)}, got shape {shape}", name)
    return shape, dtype


def _dims(ndims: tuple[int, ...]) -> str:
    return " or ".join("a scalar" if d == 0 else f"{d} dimension{'s' * (d > 1)}" for d in ndims)


def _read(archive: zipfile.ZipFile, name: str) -> np.ndarray:
    try:
        with archive.open(f"{name}.npy") as member:
            return np.lib.format.read_array(member, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, RuntimeError) as exc:
        raise InvalidInstance(f"not a readable .npy array: {exc}", name) from exc
