"""Cooperative deadlines for long encodings: an encoder checks the clock between chunks of its loops.

A deadline is a `time.perf_counter()` value, or None for no limit. The checks are placed so that each guards
milliseconds of work, never one clause or one token, which keeps their cost out of the encoding time.

>>> list(paced(range(3), deadline=None))
[0, 1, 2]
>>> check_deadline(deadline=0.0, step="partition->cnf")
Traceback (most recent call last):
...
problems.errors.TimeLimitReached: the time limit ran out during encoding (partition->cnf)
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

import numpy as np

from problems.errors import TimeLimitReached

T = TypeVar("T")

ITEMS_PER_CHECK = 512  # loop bodies that build clauses one token or one sample at a time take ~10-50 µs each
ROWS_PER_CHECK = 16_384  # rows of a numpy clause block turned into Python lists between checks (~20-60 ms)


def check_deadline(deadline: float | None, step: str) -> None:
    """Raise `TimeLimitReached` once the clock is past `deadline`; `step` names the encoder in the message."""
    if deadline is not None and time.perf_counter() > deadline:
        raise TimeLimitReached(f"the time limit ran out during encoding ({step})")


def paced(items: Iterable[T], deadline: float | None, step: str = "encoding") -> Iterator[T]:
    """The items in order, with the deadline checked before the first and then every `ITEMS_PER_CHECK`."""
    if deadline is None:
        yield from items
        return
    for index, item in enumerate(items):
        if index % ITEMS_PER_CHECK == 0:
            check_deadline(deadline, step)
        yield item


def paced_rows(block: np.ndarray, deadline: float | None, step: str = "encoding") -> Iterator[list[list[int]]]:
    """The rows of a 2-d integer array as lists of Python ints, in chunks, with the deadline checked before each."""
    for start in range(0, len(block), ROWS_PER_CHECK):
        check_deadline(deadline, step)
        yield block[start : start + ROWS_PER_CHECK].tolist()
