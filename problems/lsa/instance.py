"""The `lsa` instance (SPEC §2 recovery problem): a target X (or the Markov model's X*), a mode, grid, box, ε.

JSON wire form:
    {"kind": "lsa", "d": 2, "x": [["1", "0"], ...m rows of d rationals...], "mode": "exact-grid",
     "grid": [-2, -1, 0, 1, 2]}
Give exactly one of `x` and `markov` = {"n": 100, "p": "1/2"}: with `markov`, X = X*(d, n, p) (`best-fit` needs
`markov`: its loss is weighted by that model's H). Both at once is refused (naming `x`): which one counts would
depend on the mode. Every rational is bounded (`problems.bilinear.bounded_rational`): no booleans, at most
`RATIONAL_DIGITS_MAX` digits above and below the line; the real-mode box by `max_lsa_box` (the MILP's big-M).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from problems.bilinear import BilinearSystem, Rational, fraction_text, to_fraction
from problems.errors import InvalidInstance, field_path
from problems.limits import active_limits
from problems.lsa.phi import phi_system

Mode = Literal["exact-grid", "real", "best-fit"]
DEFAULT_GRID: list[Rational] = [-2, -1, 0, 1, 2]


class MarkovSource(BaseModel):
    """Take X = X*(d, n, p) of the Markov-chain model (and its H for best-fit)."""

    model_config = ConfigDict(extra="forbid")
    n: int = Field(ge=1, le=100_000, description="context length n")
    p: Rational = Field(default="1/2", description="initial-state probability, a rational with 0 < p < 1")

    @field_validator("p")
    @classmethod
    def _p_in_open_unit_interval(cls, p: Rational) -> Rational:
        if not 0 < _rational(p, "p") < 1:
            raise ValueError(
                f"p must satisfy 0 < p < 1, got {p}: at p = 0 or 1 the first state is constant, H is singular "
                "and X* is not unique (`latentsat lsa xstar` gives its minimum-norm choice)"
            )
        return p


class LsaSpec(BaseModel):
    """The JSON wire form of an LSA recovery instance."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"kind": "lsa", "d": 1, "x": [["2"], ["3"], ["1"]], "mode": "exact-grid", "grid": [-2, 2]}]
        },
    )
    kind: Literal["lsa"] = "lsa"
    d: int = Field(ge=1, le=12, description="chain length d: X is m×d with m = (d+1)(d+2)/2")
    x: list[list[Rational]] | None = Field(default=None, description="target X, m rows of d exact rationals")
    markov: MarkovSource | None = Field(default=None, description="use X* of the Markov model (and its H)")
    mode: Mode = Field(default="exact-grid", description="exact-grid, real or best-fit")
    grid: list[Rational] = Field(default=DEFAULT_GRID, min_length=1, description="exact-grid: values of b, A entries")
    box: tuple[Rational, Rational] = Field(default=(-4, 4), description="real: [lo, hi] for b and A entries")
    bits: int = Field(default=6, ge=1, le=20, description="real: K bits of b over its box")
    epsilon: Rational = Field(default=0, description="real: allowed ‖φ(b,A) − X‖_∞")

    @model_validator(mode="after")
    def _consistent(self) -> LsaSpec:
        m = (self.d + 1) * (self.d + 2) // 2
        if self.x is None and self.markov is None:
            raise ValueError("give x (the target X) or markov (to use X*)")
        if self.x is not None and self.markov is not None:
            raise ValueError("x and markov are both given: give x (the target X) or markov (X = X*), not both")
        if self.x is not None:
            if len(self.x) != m:
                raise ValueError(f"x must have m = {m} rows for d = {self.d}, got {len(self.x)}")
            for i, row in enumerate(self.x):
                if len(row) != self.d:
                    raise ValueError(f"x[{i}] must have d = {self.d} entries, got {len(row)}")
                for j, value in enumerate(row):
                    _rational(value, f"x[{i}][{j}]")
        if self.mode == "best-fit" and self.markov is None:
            raise ValueError("best-fit weights the loss by the Markov model's H: give markov")
        grid = [_rational(v, "grid") for v in self.grid]
        if len(set(grid)) != len(grid):
            raise ValueError("grid values must be distinct")
        lo, hi = _rational(self.box[0], "box"), _rational(self.box[1], "box")
        if not lo < hi:
            raise ValueError(f"box must have lo < hi, got [{self.box[0]}, {self.box[1]}]")
        if _rational(self.epsilon, "epsilon") < 0:
            raise ValueError("epsilon must be ≥ 0")
        return self


def _rational(value: Rational, field: str) -> Fraction:
    try:
        return to_fraction(value)
    except ValueError as exc:
        raise ValueError(f"{field}: {exc}") from exc


@dataclass(frozen=True)
class LsaInstance:
    """A validated LSA recovery instance with exact values."""

    spec: LsaSpec

    @cached_property
    def x(self) -> list[list[Fraction]]:
        """X exactly: the given one, or X* of the Markov model, computed on first use (seconds at d = 6: the
        solve computes it within its time limit, `solvers.strategies.lsa_common.LsaStrategy.run`)."""
        if self.spec.x is not None:
            return [[to_fraction(v) for v in row] for row in self.spec.x]
        from problems.lsa.markov import x_star_cached

        markov = self.spec.markov
        assert markov is not None
        return [list(row) for row in x_star_cached(self.spec.d, markov.n, to_fraction(markov.p)).x]

    @property
    def d(self) -> int:
        return self.spec.d

    @property
    def mode(self) -> Mode:
        return self.spec.mode

    @cached_property
    def grid(self) -> list[Fraction]:
        return sorted(to_fraction(v) for v in self.spec.grid)

    @cached_property
    def box(self) -> tuple[Fraction, Fraction]:
        return to_fraction(self.spec.box[0]), to_fraction(self.spec.box[1])

    @cached_property
    def epsilon(self) -> Fraction:
        return to_fraction(self.spec.epsilon)

    @cached_property
    def system(self) -> BilinearSystem:
        return phi_system(self.x, self.d)

    def to_json_dict(self) -> dict[str, Any]:
        """The wire form: the spec, with a given X in canonical text. A Markov-model instance stays `markov` (X* is
        derived from it, and `x` beside `markov` is refused on reading)."""
        data = self.spec.model_dump(mode="json", exclude_none=True)
        if self.spec.x is not None:
            data["x"] = [[fraction_text(v) for v in row] for row in self.x]
        return data

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(json.dumps(self.to_json_dict(), sort_keys=True).encode()).hexdigest()


def lsa_from_dict(data: Any) -> LsaInstance:
    """Validate a decoded JSON object; errors become `InvalidInstance` naming the first bad field."""
    try:
        spec = LsaSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        raise InvalidInstance(message, _field_path(first["loc"], message)) from exc
    limits = active_limits()  # before X* is computed: its cost grows steeply with d
    limits.require(len(spec.grid), "max_grid_values", "grid", "the number of grid values")
    magnitude = max(abs(to_fraction(spec.box[0])), abs(to_fraction(spec.box[1])))
    limits.require(math.ceil(magnitude), "max_lsa_box", "box", "the box's largest |lo|, |hi|")
    if spec.markov is not None:
        limits.require(spec.d, "max_markov_d", "d", "d of a Markov-model instance")
    instance = LsaInstance(spec)
    if spec.x is not None:
        instance.x  # noqa: B018 (the given X is converted now, so a bad entry is refused before any work)
    return instance


def _field_path(loc: tuple[int | str, ...], message: str) -> str:
    """`field_path`, or for a cross-field check (no location) the field its message starts with."""
    path = field_path(loc)
    if path != "body":
        return path
    # a cross-field check: its message starts with the field it names
    body = message.removeprefix("Value error, ")
    for name in ("x[", "x ", "grid", "box", "epsilon", "best-fit", "give x"):
        if body.startswith(name):
            return {"x[": body.split(" ")[0].rstrip(":"), "x ": "x", "best-fit": "markov", "give x": "x"}.get(
                name, name
            )
    return "body"
