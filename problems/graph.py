"""Graph k-colouring: the instance model, a DIMACS `.col` parser, a verifier and a brute-force decider.

A colouring of G = (V, E) with V = {0, ..., n-1} is a map col: V → {0, ..., k-1} with col(u) ≠ col(w) for every
edge {u, w}. A self-loop {v, v} makes a graph uncolourable; it is allowed, so that every reduction stays total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from problems.errors import InvalidInstance, from_validation_error


class Colouring(BaseModel):
    """Is G = (V, E), V = {0..n-1}, properly colourable with k colours?

    >>> Colouring(n=3, edges=[(0, 1), (1, 2), (2, 0)], k=3).n_edges
    3
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["colouring"] = "colouring"
    n: int = Field(ge=1, description="the number of vertices, named 0..n-1")
    edges: list[tuple[int, int]] = Field(default_factory=list, description="undirected edges [u, w]")
    k: int = Field(ge=1, description="the number of colours")

    @model_validator(mode="after")
    def _endpoints_in_range(self) -> Colouring:
        for e, (u, w) in enumerate(self.edges):
            if not (0 <= u < self.n and 0 <= w < self.n):
                raise ValueError(f"edges[{e}]: endpoint of ({u}, {w}) outside 0..{self.n - 1}")
        return self

    @property
    def n_edges(self) -> int:
        return len(self.edges)

    def to_json_dict(self) -> dict[str, Any]:
        return {"kind": "colouring", "n": self.n, "edges": [list(e) for e in self.edges], "k": self.k}


@dataclass(frozen=True)
class ColouringSolution:
    """`colour[v]` ∈ {0..k-1} for every vertex v."""

    colour: list[int]


def colouring_from_dict(data: Any) -> Colouring:
    """Validate a decoded JSON object; errors become `InvalidInstance` naming the first bad field."""
    try:
        return Colouring.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc, InvalidInstance) from exc


def parse_dimacs_col(text: str, k: int) -> Colouring:
    """A DIMACS `.col` graph (`p edge N M`, then `e u w` lines, 1-based) as a k-colouring instance.

    Duplicate edges (in either orientation) are kept once, in order of first appearance.

    >>> parse_dimacs_col("c triangle\\np edge 3 3\\ne 1 2\\ne 2 3\\ne 3 1\\n", k=3).edges
    [(0, 1), (1, 2), (2, 0)]
    """
    n: int | None = None
    edges: list[tuple[int, int]] = []
    seen: set[frozenset[int]] = set()
    for line_no, line in enumerate(text.splitlines(), start=1):
        words = line.split()
        if not words or words[0] == "c":
            continue
        field = f"line {line_no}"
        if words[0] == "p":
            if len(words) != 4 or words[1] not in ("edge", "col"):
                raise InvalidInstance(f"expected 'p edge N M', got {line!r}", field)
            n = _positive_int(words[2], field)
        elif words[0] == "e":
            if n is None:
                raise InvalidInstance("an edge line comes before the 'p edge N M' header", field)
            if len(words) != 3:
                raise InvalidInstance(f"expected 'e u w', got {line!r}", field)
            u, w = _positive_int(words[1], field) - 1, _positive_int(words[2], field) - 1
            if u >= n or w >= n:
                raise InvalidInstance(f"vertex outside 1..{n} in {line!r}", field)
            if frozenset((u, w)) not in seen:
                seen.add(frozenset((u, w)))
                edges.append((u, w))
        else:
            raise InvalidInstance(f"unknown line type {words[0]!r}", field)
    if n is None:
        raise InvalidInstance("no 'p edge N M' header", "header")
    return colouring_from_dict({"n": n, "edges": edges, "k": k})


def _positive_int(word: str, field: str) -> int:
    if not word.isdigit() or int(word) < 1:
        raise InvalidInstance(f"expected a positive integer, got {word!r}", field)
    return int(word)


def to_dimacs_col(graph: Colouring) -> str:
    """The DIMACS `.col` text of a graph (1-based vertices); `parse_dimacs_col` round-trips it."""
    lines = [f"p edge {graph.n} {graph.n_edges}"]
    lines.extend(f"e {u + 1} {w + 1}" for u, w in graph.edges)
    return "\n".join(lines) + "\n"


def verify_colouring(graph: Colouring, colour: Sequence[int]) -> bool:
    """True iff `colour` gives every vertex one of the k colours and no edge two equal ends."""
    if len(colour) != graph.n or any(not (0 <= c < graph.k) for c in colour):
        return False
    return all(colour[u] != colour[w] for u, w in graph.edges)


def brute_force_colouring(graph: Colouring) -> list[int] | None:
    """A proper k-colouring by backtracking in vertex order (colours in first-use order), or None.

    Exponential; meant for tiny graphs (tests, worked examples).

    >>> brute_force_colouring(Colouring(n=3, edges=[(0, 1), (1, 2), (2, 0)], k=2)) is None
    True
    """
    neighbours: list[list[int]] = [[] for _ in range(graph.n)]
    for u, w in graph.edges:
        if u == w:
            return None
        neighbours[max(u, w)].append(min(u, w))  # check each edge when its later end is coloured
    colour: list[int] = []

    def extend(used: int) -> bool:
        v = len(colour)
        if v == graph.n:
            return True
        for c in range(min(used + 1, graph.k)):  # value precedence: colour c opens only after 0..c-1
            if all(colour[u] != c for u in neighbours[v]):
                colour.append(c)
                if extend(max(used, c + 1)):
                    return True
                colour.pop()
        return False

    return list(colour) if extend(0) else None
