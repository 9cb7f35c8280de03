"""Line reading shared by the DIMACS readers (graphs in ccformat, CNF as SATLIB writes it), and content sniffing.

Both formats are ASCII lines of blank-separated fields whose first character names the line type; a line that
starts with `c` is a comment, whatever follows (`c FILE:`, `cFILE:`, any bytes). So the readers decode bytes as
latin-1 (lossless, never fails), drop a UTF-8 byte-order mark, skip comments, and refuse non-ASCII only outside
comments. Sources: DIMACS "Clique and Coloring Problems Graph Format" (1993); DIMACS CNF as in SATLIB
(https://www.cs.ubc.ca/~hoos/SATLIB/Benchmarks/SAT/satformat.ps).
"""

from __future__ import annotations

from collections.abc import Iterator

from problems.errors import InvalidInstance

UTF8_BOM = b"\xef\xbb\xbf"
SNIFF_LINES = 1000  # a problem line further down than this many comment lines is not looked for when sniffing


def dimacs_text(data: str | bytes) -> str:
    """The file as text: bytes decoded as latin-1 (comments may hold any bytes), without a UTF-8 BOM."""
    if isinstance(data, bytes):
        return data.removeprefix(UTF8_BOM).decode("latin-1")
    return data.removeprefix("\ufeff")


def dimacs_lines(text: str) -> Iterator[tuple[int, str, list[str]]]:
    """(1-based line number, line, fields) of every line that is neither blank nor a comment.

    Raises `InvalidInstance` naming the line for a non-ASCII character outside a comment.
    """
    for line_no, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("c"):
            continue
        if not stripped.isascii():
            raise InvalidInstance(f"non-ASCII character outside a comment in {stripped[:60]!r}", f"line {line_no}")
        yield line_no, stripped, stripped.split()


def problem_line(data: str | bytes) -> list[str] | None:
    """The fields of the `p` line, when it is the first line that is not blank or a comment; for sniffing."""
    text = dimacs_text(data[: 256 * SNIFF_LINES])
    for count, line in enumerate(text.splitlines()):
        stripped = line.strip()
        if count >= SNIFF_LINES:
            return None
        if not stripped or stripped.startswith("c"):
            continue
        return stripped.split() if stripped.startswith("p") else None
    return None


MAX_DIGITS = 18  # every count and index fits int64; longer numbers are refused before Python parses them


def positive_int(word: str, field: str) -> int:
    """A DIMACS 1-based index or count >= 1."""
    value = count(word, field)
    if value < 1:
        raise InvalidInstance(f"expected a positive integer, got {word!r}", field)
    return value


def count(word: str, field: str) -> int:
    """A DIMACS count, zero allowed."""
    if not word.isdigit() or len(word) > MAX_DIGITS:
        raise InvalidInstance(f"expected a non-negative integer of at most {MAX_DIGITS} digits, got {word!r}", field)
    return int(word)


def integer(word: str, field: str) -> int:
    """A signed integer field (a literal, a node value)."""
    if not word.lstrip("-").isdigit() or len(word) > MAX_DIGITS + 1:
        raise InvalidInstance(f"expected an integer, got {word!r}", field)
    return int(word)
