"""Input limits: every size bound in one place, checked before any encoding, the same in the CLI and the service.

One `InputLimits` object holds them. The service's `Settings` extends it, so `LATENTSAT_MAX_CELLS=...` sets a
bound for `latentsat serve`; the CLI reads the same variables, so its defaults are the service's defaults.
A value over a bound raises `InstanceTooLarge` naming the field (CLI exit 2, HTTP 413); a value outside the
range that the wire format can represent (int64) raises `InvalidInstance` (exit 2, HTTP 422).

Parsers read the bounds in force with `active_limits()`: the ones set by `limits_in_force(...)` around a call
(the service passes its own settings this way), else `InputLimits()` read from the environment.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from problems.errors import InstanceTooLarge

INT64_MAX = 2**63 - 1  # integers on the wire are int64: tokens, sizes, classes, max_violations, integer labels
INT64_MIN = -(2**63)
SEED_MAX = 2**31 - 1  # CP-SAT's `random_seed` is an int32; one range for every backend
RATIONAL_DIGITS_MAX = 40  # digits of a rational's numerator and denominator on the wire ("1e-400" is refused)


class InputLimits(BaseSettings):
    """Bounds on what an instance may ask for; `LATENTSAT_<NAME>` sets each one (e.g. `LATENTSAT_MAX_CELLS`)."""

    model_config = SettingsConfigDict(env_prefix="LATENTSAT_", env_file=None, extra="ignore")

    max_body_bytes: int = Field(
        default=64 * 2**20, ge=1024, description="bytes of a request body (HTTP 413) or an input file (CLI exit 2)"
    )
    max_samples: int = Field(default=2_000_000, ge=1, description="n, the samples of a partition instance")
    max_groups: int = Field(default=32, ge=1, description="I, the groups of a partition instance")
    max_tokens: int = Field(default=10_000_000, ge=1, description="Σ N_i, the tokens of all groups")
    max_cells: int = Field(
        default=1_000_000, ge=1, description="Π min(K_i, N_i), the cells of the table g (after clamping K_i)"
    )
    max_class_variables: int = Field(
        default=50_000_000,
        ge=1,
        description="Σ N_i·min(K_i, N_i) for a partition, n·min(k, n) for a colouring: the class variables x[i,t,k]",
    )
    max_array_bytes: int = Field(
        default=2**30, ge=1024, description="bytes of the arrays of an .npz instance once decompressed"
    )
    max_graph_vertices: int = Field(default=100_000, ge=1, description="vertices of a colouring source (R1)")
    max_graph_edges: int = Field(default=1_000_000, ge=0, description="edges of a colouring source (R1)")
    max_cnf_variables: int = Field(default=10_000, ge=1, description="variables of a CNF source (R2, R1R2)")
    max_cnf_clauses: int = Field(default=50_000, ge=0, description="clauses of a CNF source (R2, R1R2)")
    max_markov_d: int = Field(
        default=6, ge=1, description="d of an lsa instance given by `markov`: exact X* costs grow steeply with d"
    )
    max_grid_values: int = Field(default=64, ge=1, description="values of an lsa exact-grid")
    max_lsa_box: int = Field(
        default=10**6,
        ge=1,
        description="|lo| and |hi| of an lsa real-mode box: the MILP's big-M constants (MathOpt's solvers fail on "
        "bounds near 1e20 and lose precision long before)",
    )
    max_gradient_bytes: int = Field(
        default=2 * 2**30,
        ge=2**20,
        description="estimated working memory of the gradient baseline (`mlp`: model, batch, probes, k-means)",
    )
    max_points: int = Field(
        default=2_000, ge=1, description="|P| + |Q|, and the dimension, of a separability source (R3), each"
    )

    def require(self, value: int, bound_name: str, field: str, what: str) -> None:
        """Raise `InstanceTooLarge` naming `field` when `value` exceeds the bound `bound_name`."""
        bound = getattr(self, bound_name)
        if value > bound:
            raise InstanceTooLarge(
                f"{what} is {value}, above the limit of {bound} (set LATENTSAT_{bound_name.upper()} to raise it)",
                field,
            )


_in_force: ContextVar[InputLimits | None] = ContextVar("latentsat_input_limits", default=None)


def active_limits() -> InputLimits:
    """The limits set by the innermost `limits_in_force`, else the environment's (`LATENTSAT_*`) or the defaults."""
    return _in_force.get() or InputLimits()


@contextmanager
def limits_in_force(limits: InputLimits) -> Iterator[InputLimits]:
    """Parse under `limits` (e.g. the service's settings) instead of the environment's."""
    token = _in_force.set(limits)
    try:
        yield limits
    finally:
        _in_force.reset(token)


def effective_budgets(sizes: Sequence[int], budgets: Sequence[int]) -> tuple[int, ...]:
    """K_i clamped to min(K_i, N_i). It changes no answer.

    Proof: a class map c_i: [N_i] → [K_i] uses at most N_i classes, so renumbering the used classes 0, 1, ...
    (and the table's cells with them) turns any solution into one within min(K_i, N_i) classes that explains the
    same samples; the converse holds since min(K_i, N_i) ≤ K_i. The canonical form numbers classes by first
    token, so every canonical solution already lies in the clamped grid: the same answers, violations,
    uniqueness and infeasibility, with no huge K_i ever reaching an encoder.

    >>> effective_budgets([3, 100], [1_000_000, 3])
    (3, 3)
    """
    return tuple(min(k, n) for n, k in zip(sizes, budgets, strict=True))


def check_partition_size(sizes: Sequence[int], budgets: Sequence[int], n_samples: int) -> None:
    """Check I, Σ N_i, Π K_i, Σ N_i·K_i (with K_i already clamped) and n against the limits in force."""
    limits = active_limits()
    limits.require(len(sizes), "max_groups", "groups", "the number of groups I")
    limits.require(sum(sizes), "max_tokens", "groups", "the number of tokens Σ N_i")
    limits.require(math.prod(budgets), "max_cells", "groups", "the number of table cells Π min(K_i, N_i)")
    variables = sum(n * k for n, k in zip(sizes, budgets, strict=True))
    limits.require(variables, "max_class_variables", "groups", "the number of class variables Σ N_i·min(K_i, N_i)")
    limits.require(n_samples, "max_samples", "samples", "the number of samples n")
