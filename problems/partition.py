"""Partition recovery instances: the JSON wire model, the validated numpy form, hashing and loaders.

An instance has I groups; group i has tokens 0..N_i-1 and a class budget K_i. A sample is one token per group
plus an opaque label (int, float or str). See SPEC §1.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr

from problems.errors import InvalidInstance, from_validation_error

FEW_LABELS_FROM = 100_000  # below this many samples the sorting path is fast anyway
FEW_LABELS_RATIO = 64  # "few labels": at most one distinct label per this many samples

Label = StrictInt | StrictFloat | StrictStr


class Group(BaseModel):
    """One group of tokens: `size` tokens, at most `classes` classes."""

    model_config = ConfigDict(extra="forbid")
    size: int = Field(ge=1, description="N_i, the number of tokens in the group", examples=[100])
    classes: int = Field(ge=1, description="K_i, the class budget of the group", examples=[3])


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
    max_violations: int | Literal["minimize"] = Field(
        default=0, description="samples allowed unexplained, or 'minimize' for the fewest"
    )
    label_tolerance: float | None = Field(
        default=None, gt=0, description="opt-in: float labels are quantised to round(y / tolerance)"
    )


@dataclass(frozen=True)
class PartitionInstance:
    """A validated partition instance in numpy form; build it with `from_spec`, `from_arrays` or a loader.

    `tokens[s, i]` is the token of group i in sample s; `label_ids[s]` indexes `label_values`.
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
        if not spec.samples:
            raise InvalidInstance("the sample list is empty; at least one sample is needed", "samples")
        tokens = np.empty((len(spec.samples), n_groups), dtype=np.int64)
        labels: list[Any] = []
        for s, row in enumerate(spec.samples):
            if len(row) != n_groups + 1:
                raise InvalidInstance(
                    f"expected {n_groups + 1} entries ({n_groups} tokens, then the label), got {len(row)}",
                    f"samples[{s}]",
                )
            for i, token in enumerate(row[:-1]):
                if type(token) is not int:
                    raise InvalidInstance(f"token must be an integer, got {token!r}", f"samples[{s}][{i}]")
                tokens[s, i] = token
            labels.append(row[-1])
        return cls.from_arrays(
            sizes=[g.size for g in spec.groups],
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
        """Validate numpy arrays (the fast path for `.npz`): ranges, shapes and label types."""
        sizes_t = tuple(int(v) for v in sizes)
        budgets_t = tuple(int(v) for v in budgets)
        _check_groups(sizes_t, budgets_t)
        tokens = np.asarray(tokens)
        if tokens.ndim != 2 or tokens.shape[0] == 0:
            raise InvalidInstance("the sample list is empty; at least one sample is needed", "samples")
        if tokens.shape[1] != len(sizes_t):
            raise InvalidInstance(f"expected {len(sizes_t)} token columns, got {tokens.shape[1]}", "samples[0]")
        if not np.issubdtype(tokens.dtype, np.integer):
            raise InvalidInstance(f"token indices must be integers, got dtype {tokens.dtype}", "samples")
        tokens = tokens.astype(np.int64, copy=False)
        _check_token_ranges(tokens, sizes_t)
        raw = _label_array(labels)
        if raw.shape[0] != tokens.shape[0]:
            raise InvalidInstance(f"{raw.shape[0]} labels for {tokens.shape[0]} samples", "labels")
        label_ids, label_values = _label_ids(raw, label_tolerance)
        _check_max_violations(max_violations)
        tokens.setflags(write=False)
        label_ids.setflags(write=False)
        return cls(
            sizes=sizes_t,
            budgets=budgets_t,
            tokens=tokens,
            label_ids=label_ids,
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
            "samples": [[_plain(v) for v in row] for row in rows],
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
            "label_kind": self.raw_labels.dtype.kind,
        }
        digest.update(json.dumps(header, sort_keys=True, separators=(",", ":")).encode())
        digest.update(np.ascontiguousarray(self.tokens, dtype="<i8").tobytes())
        digest.update(_label_bytes(self.raw_labels))
        return digest.hexdigest()


def _label_bytes(raw: np.ndarray) -> bytes:
    """Labels in a canonical byte form: little-endian 8-byte numbers, or the JSON list of strings."""
    if raw.dtype.kind in "iu":
        return np.ascontiguousarray(raw, dtype="<i8").tobytes()
    if raw.dtype.kind == "f":
        return np.ascontiguousarray(raw, dtype="<f8").tobytes()
    return json.dumps([_plain(v) for v in raw.tolist()]).encode()


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
    bad = (tokens < 0) | (tokens >= np.asarray(sizes, dtype=np.int64))
    if bad.any():
        s, i = (int(v) for v in np.argwhere(bad)[0])
        raise InvalidInstance(
            f"token {int(tokens[s, i])} out of range for group {i} (size {sizes[i]})", f"samples[{s}][{i}]"
        )


def _check_max_violations(value: int | str) -> None:
    if value != "minimize" and (type(value) is not int or value < 0):
        raise InvalidInstance(f"must be a non-negative integer or 'minimize', got {value!r}", "max_violations")


def _label_array(labels: list[Any] | np.ndarray) -> np.ndarray:
    """Labels as one numpy array of a single kind: integers, floats or strings (never mixed, never NaN)."""
    if isinstance(labels, np.ndarray) and labels.dtype.kind in "iuf":
        raw = labels.astype(np.float64 if labels.dtype.kind == "f" else np.int64, copy=False)
    elif isinstance(labels, np.ndarray) and labels.dtype.kind == "U":
        raw = labels
    else:
        raw = _label_list_to_array(list(labels))
    if raw.dtype.kind == "f":
        nan = np.flatnonzero(~np.isfinite(raw))
        if nan.size:
            s = int(nan[0])
            raise InvalidInstance(f"labels must be finite, got {raw[s]!r}", f"samples[{s}][-1]")
    return raw


def _label_list_to_array(labels: list[Any]) -> np.ndarray:
    kinds = {type(v) for v in labels}
    allowed = {int, float, str}
    for s, v in enumerate(labels):
        if type(v) not in allowed:
            raise InvalidInstance(f"label must be an integer, float or string, got {v!r}", f"samples[{s}][-1]")
    if len(kinds) > 1:
        first = type(labels[0])
        s = next(s for s, v in enumerate(labels) if type(v) is not first)
        raise InvalidInstance(
            f"mixed label types: {first.__name__} and {type(labels[s]).__name__} ({labels[s]!r}); "
            "labels of one instance share one type",
            f"samples[{s}][-1]",
        )
    kind = next(iter(kinds))
    if kind is str:
        return np.asarray(labels, dtype=str)
    return np.asarray(labels, dtype=np.int64 if kind is int else np.float64)


def _label_ids(raw: np.ndarray, tolerance: float | None) -> tuple[np.ndarray, tuple[Any, ...]]:
    """Map labels to dense ids 0..V-1 in order of first appearance, after optional float quantisation."""
    keys = raw
    if tolerance is not None and raw.dtype.kind == "f":
        keys = np.round(raw / tolerance).astype(np.int64)
    if keys.dtype.kind in "if" and keys.size > FEW_LABELS_FROM:
        distinct = np.unique(keys)  # hashing, no sort: the fast path when the alphabet is small
        if distinct.size * FEW_LABELS_RATIO <= keys.size:
            inverse = np.searchsorted(distinct, keys)
            first = np.full(distinct.size, keys.size, dtype=np.int64)
            np.minimum.at(first, inverse, np.arange(keys.size, dtype=np.int64))
            return _ids_by_first_appearance(raw, first, inverse)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return _ids_by_first_appearance(raw, first, inverse.reshape(-1))


def _ids_by_first_appearance(
    raw: np.ndarray, first: np.ndarray, inverse: np.ndarray
) -> tuple[np.ndarray, tuple[Any, ...]]:
    order = np.argsort(first)  # ids follow first appearance, so they do not depend on sort order of labels
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    label_ids = rank[inverse].astype(np.int64)
    values = tuple(_plain(raw[first[j]]) for j in order)
    return label_ids, values


def _plain(value: Any) -> Any:
    """numpy scalar → plain Python value, for JSON."""
    return value.item() if isinstance(value, np.generic) else value


def load_instance(path: str | Path) -> PartitionInstance:
    """Load a `.json` (wire form) or `.npz` (arrays `tokens`, `labels`, `sizes`, `classes`) instance."""
    path = Path(path)
    if path.suffix == ".npz":
        return load_npz(path.read_bytes())
    return load_json(path.read_text())


def load_json(text: str | bytes) -> PartitionInstance:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInstance(f"not valid JSON: {exc}", "body") from exc
    return instance_from_dict(data)


def instance_from_dict(data: Any) -> PartitionInstance:
    """Validate a decoded JSON object; pydantic errors become `InvalidInstance` naming the first bad field."""
    from pydantic import ValidationError

    try:
        spec = PartitionSpec.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc, InvalidInstance) from exc
    return PartitionInstance.from_spec(spec)


def load_npz(blob: bytes) -> PartitionInstance:
    """The compact binary form: `tokens` (n, I) ints, `labels` (n,), `sizes` (I,), `classes` (I,)."""
    try:
        arrays = np.load(io.BytesIO(blob), allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise InvalidInstance(f"not a readable .npz archive: {exc}", "body") from exc
    for name in ("tokens", "labels", "sizes", "classes"):
        if name not in arrays:
            raise InvalidInstance(f"the .npz archive lacks the array {name!r}", name)
    max_violations: int | Literal["minimize"] = 0
    if "max_violations" in arrays:
        raw_mv = arrays["max_violations"].item()
        max_violations = raw_mv if isinstance(raw_mv, str) else int(raw_mv)
    tolerance = float(arrays["label_tolerance"].item()) if "label_tolerance" in arrays else None
    return PartitionInstance.from_arrays(
        arrays["sizes"], arrays["classes"], arrays["tokens"], arrays["labels"], max_violations, tolerance
    )


def dump_npz(instance: PartitionInstance) -> bytes:
    buffer = io.BytesIO()
    extra: dict[str, Any] = {"max_violations": np.asarray(instance.max_violations)}
    if instance.label_tolerance is not None:
        extra["label_tolerance"] = np.asarray(instance.label_tolerance)
    np.savez_compressed(
        buffer,
        tokens=instance.tokens,
        labels=instance.raw_labels,
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
