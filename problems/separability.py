"""Two-plane (bilinear) separability of point sets: the model, an exact verifier and an exhaustive 1D/2D decider.

Definition used throughout (Bennett & Mangasarian 1993, "bilinear separation"; Megiddo 1988): finite P, Q ⊂ Q^d
are *two-plane separable* iff there are planes (w₁, γ₁), (w₂, γ₂) ∈ R^d × R with
    w_h·p > γ_h           for every p ∈ P and both h ∈ {1, 2}   (P strictly inside the wedge), and
    w₁·q < γ₁ or w₂·q < γ₂  for every q ∈ Q                       (q strictly outside at least one plane).
A plane with w = 0 is allowed; it never changes the answer (docs/reductions.md, R3).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from problems.bilinear import Rational, fraction_text, to_fraction
from problems.errors import InvalidInstance, from_validation_error
from problems.limits import INT64_MAX, active_limits

Point = tuple[Fraction, ...]


class SeparabilityInstance(BaseModel):
    """Point sets P (`positive`) and Q (`negative`) in Q^dim, coordinates exact ('p/q' strings or integers).

    >>> SeparabilityInstance(dim=1, positive=[[0]], negative=[[2], ["-1/2"]]).points()[1]
    [(Fraction(2, 1),), (Fraction(-1, 2),)]
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["separability"] = "separability"
    dim: int = Field(ge=1, le=INT64_MAX, description="d, the dimension of the points")
    positive: list[list[Rational]] = Field(description="P: points that must be strictly inside the wedge")
    negative: list[list[Rational]] = Field(description="Q: points that must be strictly outside one plane")

    @model_validator(mode="after")
    def _points_have_dim_rational_coordinates(self) -> SeparabilityInstance:
        for name, points in (("positive", self.positive), ("negative", self.negative)):
            for i, point in enumerate(points):
                if len(point) != self.dim:
                    raise ValueError(f"{name}[{i}]: {len(point)} coordinates, dim is {self.dim}")
                for value in point:
                    to_fraction(value)
        return self

    def points(self) -> tuple[list[Point], list[Point]]:
        """P and Q as tuples of exact fractions."""
        return _exact(self.positive), _exact(self.negative)

    def to_json_dict(self) -> dict[str, Any]:
        def text(points: list[Point]) -> list[list[str]]:
            return [[fraction_text(v) for v in point] for point in points]

        positive, negative = self.points()
        return {"kind": "separability", "dim": self.dim, "positive": text(positive), "negative": text(negative)}


def _exact(points: list[list[Rational]]) -> list[Point]:
    return [tuple(to_fraction(v) for v in point) for point in points]


@dataclass(frozen=True)
class Plane:
    """The plane w·x = γ; its positive side is w·x > γ."""

    w: tuple[Fraction, ...]
    gamma: Fraction

    def value(self, point: Point) -> Fraction:
        """w·x − γ: positive inside, negative outside."""
        return sum((wi * xi for wi, xi in zip(self.w, point, strict=True)), start=Fraction(0)) - self.gamma

    def to_json_dict(self) -> dict[str, Any]:
        return {"w": [fraction_text(v) for v in self.w], "gamma": fraction_text(self.gamma)}


@dataclass(frozen=True)
class TwoPlanes:
    """A candidate separation: the wedge {x : w₁·x > γ₁, w₂·x > γ₂}."""

    first: Plane
    second: Plane

    def to_json_dict(self) -> dict[str, Any]:
        return {"planes": [self.first.to_json_dict(), self.second.to_json_dict()]}


def separability_from_dict(data: Any) -> SeparabilityInstance:
    """Validate a decoded JSON object; errors become `InvalidInstance` naming the first bad field, and
    `InstanceTooLarge` when |P| + |Q| or the dimension exceed `max_points`."""
    if isinstance(data, dict):
        limits = active_limits()
        if type(data.get("dim")) is int:
            limits.require(data["dim"], "max_points", "dim", "the dimension")
        points = [data.get(name) for name in ("positive", "negative")]
        limits.require(sum(len(p) for p in points if isinstance(p, list)), "max_points", "positive", "|P| + |Q|")
    try:
        return SeparabilityInstance.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc, InvalidInstance) from exc


def separates(instance: SeparabilityInstance, planes: TwoPlanes) -> bool:
    """Exact check of the definition: P strictly inside both planes, each q strictly outside one of them."""
    positive, negative = instance.points()
    both = (planes.first, planes.second)
    if any(len(plane.w) != instance.dim for plane in both):
        return False
    inside = all(plane.value(p) > 0 for p in positive for plane in both)
    outside = all(any(plane.value(q) < 0 for plane in both) for q in negative)
    return inside and outside


def decide_separability(instance: SeparabilityInstance) -> TwoPlanes | None:
    """Separating planes, or None when none exist; exhaustive and exact for dim 1 and 2.

    For a direction w, the best offset excludes E(w) = {q : w·q < min_P w·p}. Each E-membership is an open
    condition min_p w·(p − q) > 0 that can change only where w ⊥ (p − q), i.e. on the normal of the line
    through a point pair (p, q). So one direction per open sector between consecutive such normals (the
    normals "perturbed" into the sector), plus the normals themselves, realise every possible E(w); P, Q are
    separable iff E(w₁) ∪ E(w₂) = Q for two candidates. See docs/reductions.md (R3) for the proof.

    >>> decide_separability(SeparabilityInstance(dim=1, positive=[[0]], negative=[[1], [-1]])) is not None
    True
    >>> decide_separability(SeparabilityInstance(dim=1, positive=[[-1], [1]], negative=[[0]])) is None
    True
    """
    positive, negative = instance.points()
    if instance.dim > 2:
        raise ValueError(f"the exhaustive decider handles dim 1 and 2, got dim {instance.dim}")
    if not positive:
        return _everything_outside(instance.dim, negative)
    directions = [(Fraction(1),), (Fraction(-1),)] if instance.dim == 1 else _candidate_directions(positive, negative)
    excluded = [_excluded_mask(w, positive, negative) for w in directions]
    full = (1 << len(negative)) - 1
    for i, mask_i in enumerate(excluded):
        for j in range(i, len(directions)):
            if mask_i | excluded[j] == full:
                first = _best_plane(directions[i], positive, negative)
                second = _best_plane(directions[j], positive, negative)
                return TwoPlanes(first, second)
    return None


def _everything_outside(dim: int, negative: list[Point]) -> TwoPlanes:
    """P = ∅: one plane with every q strictly on its negative side, used twice."""
    w = (Fraction(1),) + (Fraction(0),) * (dim - 1)
    gamma = max((q[0] for q in negative), default=Fraction(0)) + 1
    return TwoPlanes(Plane(w, gamma), Plane(w, gamma))


def _dot(w: Sequence[Fraction], x: Sequence[Fraction]) -> Fraction:
    return sum((a * b for a, b in zip(w, x, strict=True)), start=Fraction(0))


def _excluded_mask(w: Point, positive: list[Point], negative: list[Point]) -> int:
    """Bit i set iff q_i can be put strictly outside a plane with normal w that keeps P strictly inside."""
    lowest = min(_dot(w, p) for p in positive)
    return sum(1 << i for i, q in enumerate(negative) if _dot(w, q) < lowest)


def _best_plane(w: Point, positive: list[Point], negative: list[Point]) -> Plane:
    """The offset halfway between min_P w·p and the highest excluded q (or 1 below min_P when none is)."""
    lowest = min(_dot(w, p) for p in positive)
    below = [_dot(w, q) for q in negative if _dot(w, q) < lowest]
    gamma = (lowest + max(below)) / 2 if below else lowest - 1
    return Plane(w, gamma)


def _candidate_directions(positive: list[Point], negative: list[Point]) -> list[Point]:
    """The normals ±(p − q)^⊥ of the lines through point pairs, the axes, and one direction per open sector."""
    rays: dict[Point, None] = {}
    axes = [
        (Fraction(1), Fraction(0)),
        (Fraction(0), Fraction(1)),
        (Fraction(-1), Fraction(0)),
        (Fraction(0), Fraction(-1)),
    ]
    for ray in axes:
        rays[ray] = None
    for p in positive:
        for q in negative:
            vx, vy = p[0] - q[0], p[1] - q[1]
            if vx or vy:
                rays[_unit_ray((-vy, vx))] = None
                rays[_unit_ray((vy, -vx))] = None
    ordered = sorted(rays, key=functools.cmp_to_key(_angle_order))
    sectors = []
    for u, v in zip(ordered, ordered[1:] + ordered[:1], strict=True):
        inside = (u[0] + v[0], u[1] + v[1]) if _cross(u, v) > 0 else (-u[1], u[0])
        sectors.append(inside)
    return ordered + sectors


def _unit_ray(v: Point) -> Point:
    """The representative of the ray through v with max-norm 1 (so that equal rays compare equal)."""
    scale = max(abs(v[0]), abs(v[1]))
    return (v[0] / scale, v[1] / scale)


def _cross(u: Point, v: Point) -> Fraction:
    return u[0] * v[1] - u[1] * v[0]


def _angle_order(u: Point, v: Point) -> int:
    """Exact counter-clockwise order of directions by angle in [0, 2π)."""

    def half(p: Point) -> int:
        return 0 if p[1] > 0 or (p[1] == 0 and p[0] > 0) else 1

    if half(u) != half(v):
        return half(u) - half(v)
    cross = _cross(u, v)
    return -1 if cross > 0 else (1 if cross < 0 else 0)
