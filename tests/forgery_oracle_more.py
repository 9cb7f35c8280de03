"""The fuzzer's independent judge, continued: LSA answers and answers lifted through the hardness reductions."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from typing import Any

from problems.answers import AnswerStatus
from problems.bilinear import fraction_text, to_fraction
from problems.lsa.fit import loss_excess
from problems.lsa.grid import GridBilinear
from problems.lsa.instance import lsa_from_dict
from problems.lsa.markov import x_star_cached
from problems.lsa.structure import Radical
from problems.separability import Plane, TwoPlanes, separability_from_dict, separates
from reductions.bilinear_to_cnf import BilinearToCnf
from reductions.registry import get_reduction
from reductions.wire import parse_source
from tests.forgery_oracle import _drup_ok, _kind_ok, exact, partition_genuine

FIT = ("residual", "loss_excess", "loss_excess_float", "lower_bound", "gap")
VALUES = ("b", "a", "b_float", "a_float")


def _phi(b: list[Any], a: list[list[Any]]) -> list[list[Any]]:
    """φ(b, A), written out again from SPEC §2: rows (u, v), u ≤ v, row-major; X_uv,j = b_u A_vj + b_v A_uj."""
    d = len(b) - 1
    rows = []
    for u in range(d + 1):
        for v in range(u, d + 1):
            rows.append([b[u] * a[u][j] if u == v else b[u] * a[v][j] + b[v] * a[u][j] for j in range(d)])
    return rows


def _values(answer: dict[str, Any], d: int, surds: bool) -> tuple[list[Any], list[list[Any]]] | None:
    b, a = answer.get("b"), answer.get("a")
    if not isinstance(b, list) or not isinstance(a, list) or len(b) != d + 1 or len(a) != d + 1:
        return None
    if any(not isinstance(row, list) or len(row) != d for row in a):
        return None
    texts = [*b, *(e for row in a for e in row)]
    parsed = [exact(t) if exact(t) is not None else (_surd(t) if surds else None) for t in texts]
    if any(v is None for v in parsed):
        return None
    b_values, rest = parsed[: d + 1], parsed[d + 1 :]
    a_values = [rest[i * d : (i + 1) * d] for i in range(d + 1)]
    if answer.get("b_float") not in (None, [float(v) for v in b_values]):
        return None
    if answer.get("a_float") not in (None, [[float(v) for v in row] for row in a_values]):
        return None
    return b_values, a_values


def _surd(text: Any) -> Radical | None:
    try:
        value = Radical.parse(text)
    except (ValueError, ZeroDivisionError, TypeError):
        return None
    return None if value.is_rational() or str(value) != text else value


def _in_box(values: list[Any], lo: Fraction, hi: Fraction) -> bool:
    return all(lo <= (v if isinstance(v, Fraction) else float(v)) <= hi for v in values)


def lsa_genuine(instance_data: dict[str, Any], answer: dict[str, Any]) -> bool:
    instance = lsa_from_dict(instance_data)
    status, mode, cert, d = answer["status"], instance.mode, answer.get("certificate"), instance.d
    if answer.get("mode") != mode:
        return False
    if status == AnswerStatus.UNKNOWN:
        return all(answer.get(k) is None for k in (*VALUES, *FIT)) and _kind_ok(cert, {None, "none"})
    if (mode, status) == ("exact-grid", "infeasible"):
        if any(answer.get(k) is not None for k in (*VALUES, *FIT)) or not _kind_ok(cert, {"drup"}):
            return False
        grid = instance.grid
        unknowns = (d + 1) + (d + 1) * d
        for point in itertools.product(grid, repeat=unknowns):
            rest = point[d + 1 :]
            if _phi(list(point[: d + 1]), [list(rest[i * d : (i + 1) * d]) for i in range(d + 1)]) == instance.x:
                return False
        encoder = BilinearToCnf()
        clauses = encoder.forward(GridBilinear(instance.system, tuple(grid))).clauses
        return _drup_ok(instance.sha256, cert, encoder, clauses, [])
    values = _values(answer, d, surds=mode != "exact-grid")
    if values is None or not _kind_ok(cert, {"solution"}):
        return False
    b, a = values
    flat = [*b, *(e for row in a for e in row)]
    if (mode, status) == ("exact-grid", "solved"):
        on_grid = all(v in set(instance.grid) for v in flat)
        fits = all(answer.get(k) is None for k in FIT[1:]) and answer.get("residual") == "0"
        return on_grid and fits and _phi(b, a) == instance.x
    if (mode, status) == ("real", "solved"):
        if not _in_box(flat, *instance.box):
            return False
        image = _phi([_r(v) for v in b], [[_r(v) for v in r] for r in a])
        gaps = [v - t for vrow, trow in zip(image, instance.x, strict=True) for v, t in zip(vrow, trow, strict=True)]
        if not all(g.is_rational() for g in gaps) or any(answer.get(k) is not None for k in FIT[1:]):
            return False
        residual = max(abs(g.as_fraction()) for g in gaps)
        return residual <= instance.epsilon and answer.get("residual") == fraction_text(residual)
    if mode != "best-fit":
        return False
    assert instance.spec.markov is not None
    optimum = x_star_cached(d, instance.spec.markov.n, to_fraction(instance.spec.markov.p))
    if status == "optimal":
        image = _phi([_r(v) for v in b], [[_r(v) for v in r] for r in a])
        fit = tuple(answer.get(k) for k in ("loss_excess", "loss_excess_float", "lower_bound", "gap", "residual"))
        return image == optimum.x and fit == ("0", 0.0, "0", 0.0, "0")
    if status != "solved" or not all(isinstance(v, Fraction) for v in flat) or answer.get("residual") is not None:
        return False
    excess = loss_excess(optimum.moments.h, optimum.flat, [v for row in _phi(b, a) for v in row])
    claimed = (answer.get("loss_excess"), answer.get("loss_excess_float"), answer.get("lower_bound"), answer.get("gap"))
    return claimed == (fraction_text(excess), float(excess), "0", float(excess))


def _r(value: Any) -> Radical:
    return value if isinstance(value, Radical) else Radical.rational(value)


# ---------------------------------------------------------------- lifted answers


BODIES = {"colouring": {"colour"}, "cnf": {"assignment", "literals"}, "separability": {"planes"}}
COMMON = {"reduction", "status", "kind", "verified", "message", "certified", "target_certificate"}


def lifted_genuine(map_data: dict[str, Any], answer: dict[str, Any]) -> bool:
    entry = get_reduction(map_data["reduction"])
    source = parse_source(entry, map_data["source"])
    body = BODIES[entry.source]
    if answer.get("reduction") != entry.name or not set(answer) <= COMMON | body:
        return False
    status = answer.get("status")
    if status == "solved":
        return answer.get("kind") == entry.source and _solves(entry.source, source, answer)
    if status == "infeasible":
        certificate = answer.get("target_certificate")
        if entry.target != "partition" or set(answer) & body or not isinstance(certificate, dict):
            return False
        if _source_solvable(entry.source, source):
            return False
        target = entry.build().forward(source)
        return partition_genuine(target, {"status": "infeasible", "certificate": certificate})
    return status == "unknown" and not set(answer) & (body | {"target_certificate"})


def _solves(kind: str, source: Any, answer: dict[str, Any]) -> bool:
    if kind == "colouring":
        colour = answer.get("colour")
        return (
            isinstance(colour, list)
            and len(colour) == source.n
            and all(type(c) is int and 0 <= c < source.k for c in colour)
            and all(colour[u] != colour[w] for u, w in source.edges)
        )
    if kind == "cnf":
        values = answer.get("assignment")
        if not isinstance(values, list) or len(values) != source.n_vars or any(type(v) is not bool for v in values):
            return False
        literals = [v if value else -v for v, value in enumerate(values, start=1)]
        satisfied = all(any((lit > 0) == values[abs(lit) - 1] for lit in clause) for clause in source.clauses)
        return satisfied and answer.get("literals") in (None, literals)
    planes = answer.get("planes")
    try:
        parsed = [Plane(tuple(exact(v) for v in p["w"]), exact(p["gamma"])) for p in planes]
        if len(parsed) != 2 or any(v is None for p in parsed for v in (*p.w, p.gamma)):
            return False
        return separates(separability_from_dict(source.to_json_dict()), TwoPlanes(*parsed))
    except (KeyError, TypeError, ValueError):
        return False


def _source_solvable(kind: str, source: Any) -> bool:
    """Brute force over every colouring (or assignment) of a tiny source."""
    if kind == "colouring":
        return any(
            all(c[u] != c[w] for u, w in source.edges) for c in itertools.product(range(source.k), repeat=source.n)
        )
    assert kind == "cnf" and math.prod([2] * source.n_vars) <= 1 << 16
    return any(
        all(any((lit > 0) == bits[abs(lit) - 1] for lit in clause) for clause in source.clauses)
        for bits in itertools.product([False, True], repeat=source.n_vars)
    )
