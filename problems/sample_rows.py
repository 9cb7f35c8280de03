"""JSON sample rows as int64 arrays: all columns at once when every entry is an integer, else the token columns in
one numpy call when well-formed, else entry by entry to name the first bad entry (`InvalidInstance`, field path)."""

from __future__ import annotations

from typing import Any

import numpy as np

from problems.errors import InvalidInstance


def int_matrix(samples: list[list[Any]], n_groups: int) -> np.ndarray | None:
    """The rows as one int64 array (n, I + 1) in one numpy call, when every row has I + 1 entries and every entry,
    label included, is an int64; else None (ragged rows, float or string labels, integers beyond int64: numpy
    makes those float, object or text arrays, which `token_matrix` and `checked_tokens` then sort out)."""
    try:
        whole = np.array(samples)
    except (OverflowError, ValueError):
        return None
    return whole if whole.dtype == np.int64 and whole.shape == (len(samples), n_groups + 1) else None


def token_matrix(samples: list[list[Any]], n_groups: int) -> np.ndarray | None:
    """Tokens (n, I) int64 in one numpy call if every row has I + 1 entries and every token is an int64; else None.
    Ranges are left to `from_arrays`, which names the same first bad entry as `checked_tokens`."""
    if any(len(row) != n_groups + 1 for row in samples):
        return None
    try:
        tokens = np.array([row[:-1] for row in samples])
    except (OverflowError, ValueError):
        return None
    return tokens if tokens.dtype == np.int64 and tokens.shape == (len(samples), n_groups) else None


def checked_tokens(samples: list[list[Any]], sizes: list[int]) -> np.ndarray:
    """The tokens as an int64 array (n, I), checked entry by entry: `InvalidInstance` names the first bad one."""
    n_groups = len(sizes)
    tokens = np.empty((len(samples), n_groups), dtype=np.int64)
    for s, row in enumerate(samples):
        if len(row) != n_groups + 1:
            expected = f"expected {n_groups + 1} entries ({n_groups} tokens, then the label)"
            raise InvalidInstance(f"{expected}, got {len(row)}", f"samples[{s}]")
        for i, token in enumerate(row[:-1]):
            if type(token) is not int:
                raise InvalidInstance(f"token must be an integer, got {token!r}", f"samples[{s}][{i}]")
            if not 0 <= token < sizes[i]:
                message = f"token {token} out of range for group {i} (size {sizes[i]})"
                raise InvalidInstance(message, f"samples[{s}][{i}]")
            tokens[s, i] = token
    return tokens
