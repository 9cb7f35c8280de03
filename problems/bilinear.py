"""The general bilinear recovery form (the seed paper's Problem C.10) with an exact rational verifier.

Unknowns: b ∈ Q^p and A ∈ Q^{p×q}. Equation r reads  bᵀ D^(r) A[:, j_r] = X_r,  i.e.
    Σ_{(k,l)} D^(r)_{k,l} · b_k · A_{l, j_r} = X_r.
The LSA map φ is the special case p = d+1, q = d, with one equation per (row (i',j'), column j) of X.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from problems.limits import RATIONAL_DIGITS_MAX

_DECIMAL = re.compile(r"\s*[-+]?(?:[0-9_]*\.?[0-9_]*)(?:[eE]([-+]?[0-9_]+))?\s*")


def bounded_rational(value: object) -> object:
    """A rational as the caller wrote it, refused before any arithmetic if it is a boolean or too long to be exact
    cheaply: a text of at most 2·`RATIONAL_DIGITS_MAX` + 20 characters whose decimal exponent is at most
    `RATIONAL_DIGITS_MAX`, and at most `RATIONAL_DIGITS_MAX` digits in its numerator and its denominator.

    >>> bounded_rational("3/7"), bounded_rational(-2)
    ('3/7', -2)
    >>> bounded_rational("1e-400")
    Traceback (most recent call last):
    ...
    ValueError: '1e-400' has a decimal exponent beyond ±40: a rational has at most 40 digits above and below the line
    """
    if isinstance(value, bool):
        raise ValueError(f"a rational is an integer or a 'p/q' string, not the boolean {str(value).lower()}")
    limit = f"a rational has at most {RATIONAL_DIGITS_MAX} digits above and below the line"
    if isinstance(value, str):
        if len(value) > 2 * RATIONAL_DIGITS_MAX + 20:
            raise ValueError(f"{value[:30]!r}... has {len(value)} characters: {limit}")
        exponent = _DECIMAL.fullmatch(value)
        if exponent and exponent.group(1) and abs(int(exponent.group(1).replace("_", ""))) > RATIONAL_DIGITS_MAX:
            raise ValueError(f"{value!r} has a decimal exponent beyond ±{RATIONAL_DIGITS_MAX}: {limit}")
    if isinstance(value, int | str):
        exact = to_fraction(value)
        if max(abs(exact.numerator), exact.denominator) >= 10**RATIONAL_DIGITS_MAX:
            raise ValueError(f"{str(value)[:30]!r} has more than {RATIONAL_DIGITS_MAX} digits: {limit}")
    return value


# A rational on the wire: an integer, or a "p/q" or decimal string; never a boolean; bounded (`bounded_rational`).
Rational = Annotated[int | str, BeforeValidator(bounded_rational)]


def to_fraction(value: int | float | str | Fraction) -> Fraction:
    """Exact rational from an int, a decimal or "p/q" string, or a float (taken exactly, as binary).

    >>> to_fraction("3/7"), to_fraction(2), to_fraction("0.25")
    (Fraction(3, 7), Fraction(2, 1), Fraction(1, 4))
    """
    if isinstance(value, bool):
        raise ValueError(f"a rational must be a number or a 'p/q' string, got {value!r}")
    try:
        return Fraction(value)
    except (ValueError, ZeroDivisionError, TypeError) as exc:
        raise ValueError(f"not a rational number: {value!r}") from exc


def fraction_text(value: Fraction) -> str:
    """The wire form of an exact rational: "p/q", or "p" when integral (any length: an exact result such as X*
    may pass Python's 4300-digit guard on int → str, which protects parsing, not our own output)."""
    if value.denominator == 1:
        return _digits(value.numerator)
    return f"{_digits(value.numerator)}/{_digits(value.denominator)}"


def _digits(number: int) -> str:
    return str(number) if number.bit_length() < 14_000 else str(decimal.Decimal(number))


class BilinearEquation(BaseModel):
    """One equation Σ D[k,l] b_k A[l, column] = target; D is given sparsely as [k, l, value] triples."""

    model_config = ConfigDict(extra="forbid")
    coefficients: list[tuple[int, int, int | str]] = Field(description="nonzero entries [k, l, D_kl] of D^(r)")
    column: int = Field(ge=0, description="j_r, the column of A the equation reads")
    target: int | str = Field(description="X_r, an exact rational ('p/q' or integer)")

    @field_validator("target")
    @classmethod
    def _target_is_rational(cls, value: int | str) -> int | str:
        to_fraction(value)
        return value


class BilinearSystem(BaseModel):
    """Find b ∈ Q^p, A ∈ Q^{p×q} with bᵀ D^(r) A[:, j_r] = X_r for every equation r (Problem C.10)."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["bilinear"] = "bilinear"
    b_dim: int = Field(ge=1, description="p, the length of b and the number of rows of A")
    a_cols: int = Field(ge=1, description="q, the number of columns of A")
    equations: list[BilinearEquation] = Field(min_length=1)

    def model_post_init(self, _context: object) -> None:
        for r, eq in enumerate(self.equations):
            if eq.column >= self.a_cols:
                raise ValueError(f"equations[{r}].column: {eq.column} >= a_cols {self.a_cols}")
            for k, row, value in eq.coefficients:
                if not (0 <= k < self.b_dim and 0 <= row < self.b_dim):
                    raise ValueError(f"equations[{r}].coefficients: index ({k}, {row}) outside 0..{self.b_dim - 1}")
                to_fraction(value)


@dataclass(frozen=True)
class BilinearSolution:
    """Exact values of b (length p) and A (p rows of q)."""

    b: list[Fraction]
    a: list[list[Fraction]]


def residuals(system: BilinearSystem, solution: BilinearSolution) -> list[Fraction]:
    """X_r − bᵀ D^(r) A[:, j_r] for every equation, computed exactly."""
    out = []
    for eq in system.equations:
        value = sum(
            (to_fraction(d) * solution.b[k] * solution.a[row][eq.column] for k, row, d in eq.coefficients),
            start=Fraction(0),
        )
        out.append(to_fraction(eq.target) - value)
    return out


def verify_bilinear(system: BilinearSystem, solution: BilinearSolution, epsilon: Fraction = Fraction(0)) -> bool:
    """True iff the shapes fit and every equation holds within `epsilon` (exactly when epsilon = 0)."""
    if len(solution.b) != system.b_dim or len(solution.a) != system.b_dim:
        return False
    if any(len(row) != system.a_cols for row in solution.a):
        return False
    return all(abs(r) <= epsilon for r in residuals(system, solution))


def solution_from_lists(b: Sequence[int | float | str], a: Sequence[Sequence[int | float | str]]) -> BilinearSolution:
    return BilinearSolution([to_fraction(v) for v in b], [[to_fraction(v) for v in row] for row in a])
