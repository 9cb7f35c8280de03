"""Labels keep their identity: two labels are equal exactly when the user's values are equal (SPEC §1), or, under
a `label_tolerance` t, when they fall in the same quantum round(y / t), computed exactly.

Every internal form is injective on what the user gave: integers stay int64 (others are refused), floats stay
float64, strings stay Python strings (numpy's fixed-width strings would drop trailing NULs and size every row by
the longest label). Dense label ids are numbered in order of first appearance.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from problems.errors import InvalidInstance
from problems.limits import INT64_MAX, INT64_MIN

FEW_LABELS_FROM = 100_000  # below this many samples the sorting path is fast anyway
FEW_LABELS_RATIO = 64  # "few labels": at most one distinct label per this many samples
EXACT_QUOTIENT_BELOW = 2.0**51  # |y / t| below this: a float quotient rounds right unless it is near a half


def label_array(labels: list[Any] | np.ndarray) -> np.ndarray:
    """Labels as one array of a single kind: int64, float64 (finite), or object (Python `str`, valid Unicode).

    Raises `InvalidInstance` naming `samples[s][-1]` for mixed kinds, integers outside int64, NaN or ±inf, and
    strings that are not valid Unicode (lone surrogates).
    """
    raw = _array_labels(labels) if isinstance(labels, np.ndarray) else _list_labels(list(labels))
    if raw.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(raw))
        if bad.size:
            s = int(bad[0])
            raise InvalidInstance(f"labels must be finite, got {shown(raw[s])}", f"samples[{s}][-1]")
    if raw.dtype == object:
        _check_unicode(raw)
    return raw


def shown(value: Any) -> str:
    """A value as the user wrote it, in a message: `NaN`, `inf`, `-inf`, or the Python value's repr (never
    numpy's `np.float64(nan)`).

    >>> shown(np.float64("nan")), shown(np.float32("-inf")), shown(np.int64(3)), shown("a")
    ('NaN', '-inf', '3', "'a'")
    """
    plain = value.item() if isinstance(value, np.generic) else value
    if isinstance(plain, float) and not np.isfinite(plain):
        return "NaN" if np.isnan(plain) else ("inf" if plain > 0 else "-inf")
    return repr(plain)


def _array_labels(labels: np.ndarray) -> np.ndarray:
    if labels.ndim != 1:
        raise InvalidInstance(f"labels must be one-dimensional (n,), got shape {labels.shape}", "labels")
    kind = labels.dtype.kind
    if kind == "u" and labels.size and int(labels.max()) > INT64_MAX:
        s = int(np.argmax(labels))
        raise InvalidInstance(f"integer label {int(labels[s])} is outside int64", f"samples[{s}][-1]")
    if kind in "iu":
        return labels.astype(np.int64, copy=False)
    if kind == "f":
        return _as_float64(labels)
    if kind == "U":
        return np.asarray(labels.tolist(), dtype=object)
    if kind == "O" and all(type(v) is str for v in labels.tolist()):
        return labels
    raise InvalidInstance(f"labels must be integers, floats or strings, got dtype {labels.dtype}", "labels")


def _as_float64(labels: np.ndarray) -> np.ndarray:
    """float16/32/64 widen exactly; a wider float (float128) only if every value is a float64, else two labels
    the user told apart could merge."""
    converted = labels.astype(np.float64, copy=False)
    if labels.dtype.itemsize > 8:
        differs = np.flatnonzero((converted.astype(labels.dtype) != labels) & np.isfinite(labels))
        if differs.size:
            s = int(differs[0])
            message = f"label {labels[s]!r} ({labels.dtype}) has no exact float64 value; give float64 labels"
            raise InvalidInstance(message, f"samples[{s}][-1]")
    return converted


def _list_labels(labels: list[Any]) -> np.ndarray:
    kinds = {type(v) for v in labels}
    for s, v in enumerate(labels):
        if type(v) not in (int, float, str):
            raise InvalidInstance(f"label must be an integer, float or string, got {v!r}", f"samples[{s}][-1]")
    if len(kinds) > 1:
        first = type(labels[0])
        s = next(s for s, v in enumerate(labels) if type(v) is not first)
        raise InvalidInstance(
            f"mixed label types: {first.__name__} and {type(labels[s]).__name__} ({labels[s]!r}); "
            "labels of one instance share one type",
            f"samples[{s}][-1]",
        )
    kind = next(iter(kinds), int)
    if kind is str:
        raw = np.empty(len(labels), dtype=object)
        raw[:] = labels
        return raw
    if kind is int:
        for s, v in enumerate(labels):
            if not INT64_MIN <= v <= INT64_MAX:
                raise InvalidInstance(f"integer label {v} is outside int64", f"samples[{s}][-1]")
        return np.asarray(labels, dtype=np.int64)
    return np.asarray(labels, dtype=np.float64)


def _check_unicode(raw: np.ndarray) -> None:
    for s, value in enumerate(raw.tolist()):
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise InvalidInstance(f"label is not valid Unicode: {exc.reason}", f"samples[{s}][-1]") from exc


def check_tolerance(tolerance: float | None, field: str = "label_tolerance") -> float | None:
    """A tolerance is a finite float > 0 (or None)."""
    if tolerance is None:
        return None
    if type(tolerance) is not float or not (np.isfinite(tolerance) and tolerance > 0):
        raise InvalidInstance(f"must be a finite number > 0, got {shown(tolerance)}", field)
    return tolerance


def quantum(value: float, tolerance: float) -> int:
    """round(value / tolerance), exactly (rational arithmetic, ties to even); never overflows.

    >>> quantum(1e300, 0.5) != quantum(-1e300, 0.5), quantum(1.0, 1e-320) != quantum(2.0, 1e-320)
    (True, True)
    >>> quantum(0.25, 0.5), quantum(0.75, 0.5), quantum(1.2, 0.5)
    (0, 2, 2)
    """
    return round(Fraction(value) / Fraction(tolerance))


def label_key(label: Any, tolerance: float | None) -> tuple[str, Any]:
    """What a label is compared by: its type and value, or a float's quantum under a tolerance.

    The type is part of the key, so `1`, `1.0`, `True` and `"1"` never stand for one another.
    """
    if type(label) is float:
        return ("q", quantum(label, tolerance)) if tolerance is not None else ("f", label)
    return (type(label).__name__, label)


def label_ids(raw: np.ndarray, tolerance: float | None) -> tuple[np.ndarray, tuple[Any, ...]]:
    """Dense ids 0..V-1 in order of first appearance, and the first raw value of each id."""
    keys = _quanta(raw, tolerance) if tolerance is not None and raw.dtype.kind == "f" else raw
    if keys.dtype == object:
        return _ids_by_dict(raw, keys)
    if keys.size > FEW_LABELS_FROM:
        distinct = np.unique(keys)  # hashing, no sort: the fast path when the alphabet is small
        if distinct.size * FEW_LABELS_RATIO <= keys.size:
            inverse = np.searchsorted(distinct, keys)
            first = np.full(distinct.size, keys.size, dtype=np.int64)
            np.minimum.at(first, inverse, np.arange(keys.size, dtype=np.int64))
            return _ids_by_first_appearance(raw, first, inverse)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return _ids_by_first_appearance(raw, first, inverse.reshape(-1))


def _quanta(raw: np.ndarray, tolerance: float) -> np.ndarray:
    """`quantum(y, t)` for every label: vectorised where the float quotient provably rounds the same way as the
    exact one, exact (rational) for the rest. int64 when every quantum fits, else Python ints (object)."""
    with np.errstate(over="ignore", invalid="ignore"):
        quotient = raw / tolerance
        near_half = np.abs(np.abs(quotient - np.floor(quotient)) - 0.5) <= 4 * np.abs(np.spacing(quotient))
    fast = np.isfinite(quotient) & (np.abs(quotient) < EXACT_QUOTIENT_BELOW) & ~near_half
    keys = np.zeros(raw.shape, dtype=np.int64)
    keys[fast] = np.round(quotient[fast]).astype(np.int64)
    slow = np.flatnonzero(~fast)
    if slow.size == 0:
        return keys
    exact = [quantum(float(raw[s]), tolerance) for s in slow.tolist()]
    if all(INT64_MIN <= q <= INT64_MAX for q in exact):
        keys[slow] = exact
        return keys
    wide = keys.astype(object)
    wide[slow] = exact
    return wide


def _ids_by_dict(raw: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, tuple[Any, ...]]:
    index: dict[Any, int] = {}
    ids = np.fromiter((index.setdefault(key, len(index)) for key in keys.tolist()), dtype=np.int64, count=keys.size)
    first = np.full(len(index), keys.size, dtype=np.int64)
    np.minimum.at(first, ids, np.arange(keys.size, dtype=np.int64))
    return ids, tuple(plain(raw[s]) for s in first.tolist())


def _ids_by_first_appearance(
    raw: np.ndarray, first: np.ndarray, inverse: np.ndarray
) -> tuple[np.ndarray, tuple[Any, ...]]:
    order = np.argsort(first)  # ids follow first appearance, so they do not depend on sort order of labels
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    label_ids = rank[inverse].astype(np.int64)
    values = tuple(plain(raw[first[j]]) for j in order)
    return label_ids, values


def plain(value: Any) -> Any:
    """numpy scalar → plain Python value, for JSON."""
    return value.item() if isinstance(value, np.generic) else value


def label_bytes(raw: np.ndarray) -> bytes:
    """Labels in a canonical byte form for hashing: little-endian 8-byte numbers, or the JSON list of strings."""
    import json

    if raw.dtype.kind in "iu":
        return np.ascontiguousarray(raw, dtype="<i8").tobytes()
    if raw.dtype.kind == "f":
        return np.ascontiguousarray(raw, dtype="<f8").tobytes()
    return json.dumps([plain(v) for v in raw.tolist()]).encode()


def label_kind(raw: np.ndarray) -> str:
    """The label kind in an instance's hash: "i", "f", or "U" for strings (whatever array holds them)."""
    return "U" if raw.dtype.kind in "OU" else raw.dtype.kind
