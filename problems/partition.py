"""Partition recovery instances: the JSON wire model, the validated numpy form, hashing and loaders.

An instance has I groups; group i has tokens 0..N_i-1 and a class budget K_i. A sample is one token per group
plus an opaque label (int, float or str). See SPEC §1. Every size is checked against `problems.limits` before an
array is built, K_i is clamped to min(K_i, N_i) (`effective_budgets`: it changes no answer), and labels keep their
identity (`problems.labels`).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr

from problems.errors import InvalidInstance, from_validation_error
from problems.labels import check_tolerance, label_array, label_bytes, label_ids, label_kind, plain
from problems.limits import INT64_MAX, active_limits, check_partition_size, effective_budgets
from problems.npz_arrays import ArraySpec, is_npz, read_npz
from problems.sample_rows import checked_tokens, int_matrix, token_matrix

Label = StrictInt | StrictFloat | StrictStr
Int64 = Annotated[int, Field(le=INT64_MAX)]


class Group(BaseModel):
    """One group of tokens: `size` tokens, at most `classes` classes."""

    model_config = ConfigDict(extra="forbid")
    size: int = Field(ge=1, le=INT64_MAX, description="N_i, the number of tokens in the group", examples=[100])
    classes: int = Field(
        ge=1, le=INT64_MAX, description="K_i, the class budget of the group (min(K_i, N_i) is used)", examples=[3]
    )


class PartitionSpec(BaseModel):
    """The JSON wire form of a partition instance (SPEC §3)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "partition",
                    "groups": [{"size": 3, "classes": 2}, {"size": 3, "classes": 2}],
                    "samples": [[0, 1, 1], [2, 0, 0], [1, 1, 1]],
                    "max_violations": 0,
                }
            ]
        },
    )
    kind: Literal["partition"] = "partition"
    groups: list[Group] = Field(min_length=1, description="one entry per group, in sample-column order")
    samples: list[list[Label]] = Field(description="rows (x_1, ..., x_I, y): I token indices, then the label")
    max_violations: Annotated[int, Field(ge=0, le=INT64_MAX)] | Literal["minimize"] = Field(
        default=0, description="samples allowed unexplained, or 'minimize' for the fewest"
    )
    label_tolerance: float | None = Field(
        default=None,
        gt=0,
        allow_inf_nan=False,
        description="opt-in: float labels are equal when round(y / tolerance) is (computed exactly)",
    )


@dataclass(frozen=True)
class PartitionInstance:
    """A validated partition instance in numpy form; build it with `from_spec`, `from_arrays` or a loader.

    `tokens[s, i]` is the token of group i in sample s; `label_ids[s]` indexes `label_values`. `budgets` are the
    effective K_i = min(K_i, N_i) (see `problems.limits.effective_budgets`), and an integer `max_violations` is
    clamped to n likewise. `raw_labels` is int64, float64, or object (Python strings).
    """

    sizes: tuple[int, ...]
    budgets: tuple[int, ...]
    tokens: np.ndarray
    label_ids: np.ndarray
    label_values: tuple[Any, ...]
    raw_labels: np.ndarray
    max_violations: int | Literal["minimize"] = 0
    label_tolerance: float | None = None

    @property
    def n_groups(self) -> int:
        return len(self.sizes)

    @property
    def n_samples(self) -> int:
        return int(self.tokens.shape[0])

    @property
    def n_labels(self) -> int:
        return len(self.label_values)

    @classmethod
    def from_spec(cls, spec: PartitionSpec) -> PartitionInstance:
        """Validate the cross-field rules of a parsed wire model (raises `InvalidInstance` naming the field)."""
        n_groups = len(spec.groups)
        sizes = [g.size for g in spec.groups]
        check_partition_size(sizes, effective_budgets(sizes, [g.classes for g in spec.groups]), len(spec.samples))
        if not spec.samples:
            raise InvalidInstance("the sample list is empty; at least one sample is needed", "samples")
        whole = int_matrix(spec.samples, n_groups)
        if whole is not None:  # integer labels: tokens and labels are columns of one array, no loop per row
            tokens, labels = np.ascontiguousarray(whole[:, :-1]), np.ascontiguousarray(whole[:, -1])
        else:
            tokens = token_matrix(spec.samples, n_groups)
            if tokens is None:  # a row or token is malformed somewhere: find the first, entry by entry, to name it
                tokens = checked_tokens(spec.samples, sizes)
            labels = [row[-1] for row in spec.samples]
        return cls.from_arrays(
            sizes=sizes,
            budgets=[g.classes for g in spec.groups],
            tokens=tokens,
            labels=labels,
            max_violations=spec.max_violations,
            label_tolerance=spec.label_tolerance,
        )

    @classmethod
    def from_arrays(
        cls,
        sizes: list[int] | np.ndarray,
        budgets: list[int] | np.ndarray,
        tokens: np.ndarray,
        labels: list[Any] | np.ndarray,
        max_violations: int | Literal["minimize"] = 0,
        label_tolerance: float | None = None,
    ) -> PartitionInstance:
        """Validate numpy arrays (the fast path for `.npz`): bounds first, then ranges, shapes and label types."""
        sizes_t = _group_values(sizes, "size")
        budgets_t = _group_values(budgets, "classes")
        _check_groups(sizes_t, budgets_t)
        budgets_t = effective_budgets(sizes_t, budgets_t)
        tokens = np.asarray(tokens)
        check_partition_size(sizes_t, budgets_t, int(tokens.shape[0]) if tokens.ndim else 0)
        if tokens.ndim != 2 or tokens.shape[0] == 0:
            raise InvalidInstance("the sample list is empty; at least one sample is needed", "samples")
        if tokens.shape[1] != len(sizes_t):
            raise InvalidInstance(f"expected {len(sizes_t)} token columns, got {tokens.shape[1]}", "samples[0]")
        if not np.issubdtype(tokens.dtype, np.integer):
            raise InvalidInstance(f"token indices must be integers, got dtype {tokens.dtype}", "samples")
        _check_token_ranges(tokens, sizes_t)
        tokens = tokens.astype(np.int64, copy=False)
        raw = label_array(labels)
        if raw.shape[0] != tokens.shape[0]:
            raise InvalidInstance(f"{raw.shape[0]} labels for {tokens.shape[0]} samples", "labels")
        _check_max_violations(max_violations)
        if max_violations != "minimize":  # no more than n samples can be violated: a larger bound changes nothing
            max_violations = min(max_violations, int(tokens.shape[0]))
        label_tolerance = check_tolerance(label_tolerance)
        ids, label_values = label_ids(raw, label_tolerance)
        tokens.setflags(write=False)
        ids.setflags(write=False)
        return cls(
            sizes=sizes_t,
            budgets=budgets_t,
            tokens=tokens,
            label_ids=ids,
            label_values=label_values,
            raw_labels=raw,
            max_violations=max_violations,
            label_tolerance=label_tolerance,
        )

    def to_json_dict(self) -> dict[str, Any]:
        """The wire form (SPEC §3); `from_json_dict(to_json_dict(x))` round-trips."""
        rows = np.concatenate([self.tokens.astype(object), self.raw_labels.reshape(-1, 1)], axis=1)
        out: dict[str, Any] = {
            "kind": "partition",
            "groups": [{"size": n, "classes": k} for n, k in zip(self.sizes, self.budgets, strict=True)],
            "samples": [[plain(v) for v in row] for row in rows],
            "max_violations": self.max_violations,
        }
        if self.label_tolerance is not None:
            out["label_tolerance"] = self.label_tolerance
        return out

    @cached_property
    def sha256(self) -> str:
        """SHA-256 of the canonical form: groups, samples in order, options; independent of JSON spacing."""
        digest = hashlib.sha256()
        header = {
            "kind": "partition",
            "sizes": self.sizes,
            "budgets": self.budgets,
            "max_violations": self.max_violations,
            "label_tolerance": self.label_tolerance,
            "label_kind": label_kind(self.raw_labels),
        }
        digest.update(json.dumps(header, sort_keys=True, separators=(",", ":")).encode())
        digest.update(np.ascontiguousarray(self.tokens, dtype="<i8").tobytes())
        digest.update(label_bytes(self.raw_labels))
        return digest.hexdigest()


def _group_values(values: list[int] | np.ndarray, name: str) -> tuple[int, ...]:
    """Group sizes or budgets as Python ints; a 1-d integer sequence, each value within int64."""
    array = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
    if array.ndim != 1 or (array.dtype != object and array.dtype.kind not in "iu"):
        raise InvalidInstance(f"expected one integer per group, got shape {array.shape} of {array.dtype}", "groups")
    out = []
    for i, value in enumerate(array.tolist()):
        if type(value) is not int or not 1 <= value <= INT64_MAX:
            raise InvalidInstance(f"must be an integer in 1..2^63-1, got {value!r}", f"groups[{i}].{name}")
        out.append(value)
    return tuple(out)


def _check_groups(sizes: tuple[int, ...], budgets: tuple[int, ...]) -> None:
    if not sizes:
        raise InvalidInstance("at least one group is needed", "groups")
    if len(sizes) != len(budgets):
        raise InvalidInstance(f"{len(sizes)} sizes but {len(budgets)} class budgets", "groups")
    for i, (size, budget) in enumerate(zip(sizes, budgets, strict=True)):
        if size < 1:
            raise InvalidInstance(f"group size must be >= 1, got {size}", f"groups[{i}].size")
        if budget < 1:
            raise InvalidInstance(f"class budget K_i must be >= 1, got {budget}", f"groups[{i}].classes")


def _check_token_ranges(tokens: np.ndarray, sizes: tuple[int, ...]) -> None:
    """Every token in 0..N_i-1, compared in the array's own dtype (so uint64 never wraps)."""
    bad = np.zeros(tokens.shape, dtype=bool)
    for i, size in enumerate(sizes):
        column = tokens[:, i]
        bad[:, i] = column >= size if column.dtype.kind == "u" else (column < 0) | (column >= size)
    if bad.any():
        s, i = (int(v) for v in np.argwhere(bad)[0])
        raise InvalidInstance(
            f"token {int(tokens[s, i])} out of range for group {i} (size {sizes[i]})", f"samples[{s}][{i}]"
        )


def _check_max_violations(value: int | str) -> None:
    if value != "minimize" and (type(value) is not int or not 0 <= value <= INT64_MAX):
        raise InvalidInstance(f"must be an integer in 0..2^63-1 or 'minimize', got {value!r}", "max_violations")


def load_instance(path: str | Path) -> PartitionInstance:
    """Load an instance file: `.npz` or JSON, told apart by content (a zip header), not by the suffix.

    Raises `InvalidInstance` naming the file when it cannot be read, `InstanceTooLarge` when it is larger than
    `max_body_bytes` (the service's request limit, so the CLI takes what the service takes).
    """
    blob = read_input_file(path)
    return load_npz(blob) if is_npz(blob) else load_json(blob)


def read_input_file(path: str | Path, field: str = "file") -> bytes:
    """The bytes of an input file, refused (naming `field`) when missing, unreadable or over `max_body_bytes`."""
    path = Path(path)
    try:
        size = path.stat().st_size
        active_limits().require(size, "max_body_bytes", field, f"the size of {path} in bytes")
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInstance(f"cannot read {path}: {exc.strerror or exc}", field) from exc


def load_json(text: str | bytes) -> PartitionInstance:
    return instance_from_dict(read_json(text))


def read_json(text: str | bytes, field: str = "body") -> Any:
    """Decoded JSON (UTF-8, a BOM allowed), or `InvalidInstance` naming `field`."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
        return json.loads(text)
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, an integer of over 4300 digits
        raise InvalidInstance(f"not valid JSON: {exc}", field) from exc
    except RecursionError as exc:
        raise InvalidInstance("not valid JSON: nested too deeply", field) from exc


def instance_from_dict(data: Any) -> PartitionInstance:
    """Validate a decoded JSON object; pydantic errors become `InvalidInstance` naming the first bad field."""
    from pydantic import ValidationError

    try:
        spec = PartitionSpec.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc, InvalidInstance) from exc
    return PartitionInstance.from_spec(spec)


NPZ_ARRAYS = {
    "tokens": ArraySpec("iu", (2,)),
    "labels": ArraySpec("iufU", (1,)),
    "sizes": ArraySpec("iu", (1,)),
    "classes": ArraySpec("iu", (1,)),
    "max_violations": ArraySpec("iuU", (0,), required=False),
    "label_tolerance": ArraySpec("iuf", (0,), required=False),
}


def _check_npz_shapes(shapes: dict[str, tuple[int, ...]]) -> None:
    """Bounds from the headers alone, before any array is decompressed."""
    limits = active_limits()
    n_groups, n_rows = shapes["sizes"][0], shapes["tokens"][0]
    limits.require(n_groups, "max_groups", "sizes", "the number of groups I")
    limits.require(n_rows, "max_samples", "tokens", "the number of samples n")
    if shapes["classes"] != (n_groups,) or shapes["tokens"][1] != n_groups:
        raise InvalidInstance(
            f"sizes {shapes['sizes']}, classes {shapes['classes']} and tokens {shapes['tokens']} disagree on I",
            "tokens",
        )
    if shapes["labels"] != (n_rows,):
        raise InvalidInstance(f"{shapes['labels']} labels for {n_rows} samples", "labels")


def load_npz(blob: bytes) -> PartitionInstance:
    """The compact binary form: `tokens` (n, I) ints, `labels` (n,) ints, floats or strings, `sizes` (I,),
    `classes` (I,); optional scalars `max_violations` (an integer or "minimize") and `label_tolerance`.

    Shapes and dtypes are checked from the `.npy` headers before anything is decompressed.
    """
    arrays = read_npz(blob, NPZ_ARRAYS, active_limits().max_array_bytes, _check_npz_shapes)
    max_violations: int | Literal["minimize"] = 0
    if "max_violations" in arrays:
        raw_mv = arrays["max_violations"].item()
        if isinstance(raw_mv, str) and raw_mv != "minimize":
            raise InvalidInstance(f"must be an integer or 'minimize', got {raw_mv!r}", "max_violations")
        max_violations = raw_mv if isinstance(raw_mv, str) else int(raw_mv)
    tolerance = float(arrays["label_tolerance"].item()) if "label_tolerance" in arrays else None
    return PartitionInstance.from_arrays(
        arrays["sizes"], arrays["classes"], arrays["tokens"], arrays["labels"], max_violations, tolerance
    )


def dump_npz(instance: PartitionInstance) -> bytes:
    """The `.npz` form of an instance. Raises `InvalidInstance` for a string label ending in NUL: `.npz` strings
    are fixed-width and drop trailing NULs, so such a label would silently become another one."""
    labels = instance.raw_labels
    if labels.dtype == object:
        ending_in_nul = [s for s, v in enumerate(labels.tolist()) if v.endswith("\0")]
        if ending_in_nul:
            s = ending_in_nul[0]
            raise InvalidInstance("a label ending in NUL cannot be stored in .npz; use JSON", f"samples[{s}][-1]")
        labels = np.asarray(labels.tolist(), dtype=str)
    buffer = io.BytesIO()
    extra: dict[str, Any] = {"max_violations": np.asarray(instance.max_violations)}
    if instance.label_tolerance is not None:
        extra["label_tolerance"] = np.asarray(instance.label_tolerance)
    np.savez_compressed(
        buffer,
        tokens=instance.tokens,
        labels=labels,
        sizes=np.asarray(instance.sizes),
        classes=np.asarray(instance.budgets),
        **extra,
    )
    return buffer.getvalue()


def n_ln_n(size: int) -> float:
    """N ln N, the information-theoretic sample scale of SPEC §1."""
    return size * math.log(size)


@dataclass(frozen=True)
class PartitionSolution:
    """Class maps `classes[i][t]` and a partial table `cell → label id` (ids index `label_values`)."""

    classes: list[list[int]]
    table: dict[tuple[int, ...], int]

    def table_entries(self, instance: PartitionInstance) -> list[tuple[tuple[int, ...], Any]]:
        """The table with raw label values, as `verify_partition` and the wire format take it."""
        return [(cell, instance.label_values[v]) for cell, v in sorted(self.table.items())]
