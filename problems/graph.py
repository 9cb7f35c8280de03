"""Graph k-colouring: the instance model, a DIMACS graph reader (ccformat), a verifier and a brute-force decider.

A colouring of G = (V, E) with V = {0, ..., n-1} is a map col: V → {0, ..., k-1} with col(u) ≠ col(w) for every
edge {u, w}. In the JSON form a self-loop {v, v} makes a graph uncolourable; it is allowed, so that every
reduction stays total. The DIMACS reader drops self-loops instead, with a warning naming the line, as colouring
tools do (homer.col lists `e 95 95`; its published χ = 13 ignores it).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from problems.dimacs import count, dimacs_lines, dimacs_text, integer, positive_int, problem_line
from problems.errors import InputWarning, InvalidInstance, from_validation_error
from problems.limits import INT64_MAX, active_limits

GRAPH_FORMATS = ("edge", "edges", "col")  # `p edge` (ccformat); `p col` and `p edges` appear in real files


class Colouring(BaseModel):
    """Is G = (V, E), V = {0..n-1}, properly colourable with k colours?

    >>> Colouring(n=3, edges=[(0, 1), (1, 2), (2, 0)], k=3).n_edges
    3
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["colouring"] = "colouring"
    n: int = Field(ge=1, le=INT64_MAX, description="the number of vertices, named 0..n-1")
    edges: list[tuple[int, int]] = Field(default_factory=list, description="undirected edges [u, w]")
    k: int = Field(ge=1, le=INT64_MAX, description="the number of colours")

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
    """Validate a decoded JSON object against the model and the limits in force (`InvalidInstance` /
    `InstanceTooLarge` naming the field)."""
    if isinstance(data, dict):
        check_graph_size(data.get("n"), data.get("edges"), data.get("k"))
    try:
        return Colouring.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc, InvalidInstance) from exc


def check_graph_size(n: Any, edges: Any, k: Any) -> None:
    """n ≤ max_graph_vertices, |E| ≤ max_graph_edges, n·min(k, n) ≤ max_class_variables (what the encodings
    build); values of the wrong type are left to the model's validation."""
    limits = active_limits()
    if type(n) is int:
        limits.require(n, "max_graph_vertices", "n", "the number of vertices")
        if type(k) is int:
            limits.require(n * min(k, n), "max_class_variables", "k", "the number of colour variables n·min(k, n)")
    if isinstance(edges, list):
        limits.require(len(edges), "max_graph_edges", "edges", "the number of edges")


def is_dimacs_graph(data: str | bytes) -> bool:
    """True when the first line that is not a comment is a `p edge|edges|col ...` problem line."""
    fields = problem_line(data)
    return fields is not None and len(fields) >= 2 and fields[1] in GRAPH_FORMATS


def read_dimacs_graph(data: str | bytes) -> tuple[int, list[tuple[int, int]]]:
    """A DIMACS graph (ccformat): n and the edges (0-based, each once, in order of first appearance).

    Lines: `c` comments; one `p FORMAT N M [more fields]` before any vertex or edge line; `e u w` edges (1-based);
    `n ID VALUE` vertex weights, `d DIM METRIC`, `v X1 .. XD`, `x PARAM VALUE` (read and ignored: they do not
    change a colouring). The number of `e` lines must equal M (as for a CNF's clause count; a mismatch usually
    means a truncated file). A self-loop is dropped with an `InputWarning` naming its line. Raises
    `InvalidInstance` naming the line; `InstanceTooLarge` when N or M exceed the limits in force.

    >>> read_dimacs_graph("c triangle\\np edge 3 4 3\\ne 1 2\\ne 2 3\\ne 3 1\\ne 2 1\\n")
    (3, [(0, 1), (1, 2), (2, 0)])
    """
    n: int | None = None
    declared, listed = 0, 0
    header_field = "header"
    max_edges = active_limits().max_graph_edges
    edges: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    for line_no, line, words in dimacs_lines(dimacs_text(data)):
        field = f"line {line_no}"
        kind = words[0]
        if kind == "p":
            if n is not None:
                raise InvalidInstance("a second problem line", field)
            n, declared = _graph_header(words, line, field)
            header_field = field
        elif kind in ("e", "n") and n is None:
            raise InvalidInstance(f"an {kind!r} line comes before the 'p edge N M' problem line", field)
        elif kind == "e":
            listed += 1
            if listed > max_edges:
                active_limits().require(listed, "max_graph_edges", field, "the number of edge lines")
            _add_edge(words, line, field, n, edges, seen)
        elif kind == "n":
            _check_fields(words, 3, "n ID VALUE", line, field)
            _vertex(words[1], n, field)
            integer(words[2], field)
        elif kind not in ("d", "v", "x"):
            raise InvalidInstance(f"unknown line type {kind!r} (ccformat has c, p, e, n, d, v, x)", field)
    if n is None:
        raise InvalidInstance("no 'p edge N M' problem line", "header")
    if listed != declared:
        raise InvalidInstance(f"the problem line declares {declared} edges, the file lists {listed}", header_field)
    return n, edges


def _graph_header(words: list[str], line: str, field: str) -> tuple[int, int]:
    if len(words) < 4 or words[1] not in GRAPH_FORMATS:
        raise InvalidInstance(f"expected 'p edge N M', got {line!r}", field)
    n, m = positive_int(words[2], field), count(words[3], field)
    for extra in words[4:]:  # e.g. `p edge N M χ`: carried by real files, not part of the graph
        count(extra, field)
    limits = active_limits()
    limits.require(n, "max_graph_vertices", field, "the number of vertices")
    limits.require(m, "max_graph_edges", field, "the number of edges")
    return n, m


def _add_edge(
    words: list[str], line: str, field: str, n: int, edges: list[tuple[int, int]], seen: set[tuple[int, int]]
) -> None:
    _check_fields(words, 3, "e u w", line, field)
    u, w = _vertex(words[1], n, field), _vertex(words[2], n, field)
    if u == w:
        warnings.warn(f"{field}: self-loop {line!r} dropped (as colouring tools do)", InputWarning, stacklevel=4)
        return
    key = (min(u, w), max(u, w))
    if key not in seen:
        seen.add(key)
        edges.append((u, w))


def _check_fields(words: list[str], expected: int, form: str, line: str, field: str) -> None:
    if len(words) != expected:
        raise InvalidInstance(f"expected {form!r}, got {line!r}", field)


def _vertex(word: str, n: int, field: str) -> int:
    v = positive_int(word, field)
    if v > n:
        raise InvalidInstance(f"vertex {v} outside 1..{n}", field)
    return v - 1


def parse_dimacs_col(data: str | bytes, k: int) -> Colouring:
    """A DIMACS graph as a k-colouring instance (see `read_dimacs_graph`).

    >>> parse_dimacs_col("c triangle\\np edge 3 3\\ne 1 2\\ne 2 3\\ne 3 1\\n", k=3).edges
    [(0, 1), (1, 2), (2, 0)]
    """
    n, edges = read_dimacs_graph(data)
    check_graph_size(n, edges, k)
    return colouring_from_dict({"n": n, "edges": edges, "k": k})


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
