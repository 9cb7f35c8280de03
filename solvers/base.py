"""The backend interface: one status enum, limits, results, and the ordered registry (first entry is the default)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, Protocol

from problems.errors import InvalidOptions, UnknownBackend


def only_solver(backend: str, solver: str, allowed: str) -> str:
    """The sub-solver of a backend that has exactly one, or a 4xx error that names the field."""
    if solver != allowed:
        raise InvalidOptions(f"the {backend} backend has one solver, {allowed!r}, not {solver!r}", "options.solver")
    return solver


def importable(module: str) -> bool:
    """Whether a backend's native module imports on this machine (its `available`)."""
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def always_available() -> bool:
    """`available` for backends written in numpy alone."""
    return True


def wrong_target(backend: str, target: str) -> InvalidOptions:
    """The error for a target a backend cannot take; `target` names its kind or type."""
    return InvalidOptions(f"{backend} cannot solve a {target} target", "options.backend")


class Status(StrEnum):
    """A backend's verdict on its target, translated from the solver's native code in one place."""

    SATISFIABLE = "satisfiable"
    OPTIMAL = "optimal"
    UNSATISFIABLE = "unsatisfiable"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Limits:
    """Resources for one solve: wall seconds (encoding included) and solver knobs."""

    seconds: float = 60.0
    seed: int = 0
    num_workers: int = 2
    proof: bool = False


@dataclass
class SolveResult:
    """What a backend returns. `assignment`: signed literals (CNF) or a value per variable (CP-SAT)."""

    status: Status
    assignment: list[int] = field(default_factory=list)
    proof: list[str] | None = None
    objective: float | None = None
    bound: float | None = None
    wall_s: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict)
    log: str = ""
    added_clauses: list[list[int]] = field(default_factory=list)  # clauses a refine loop added to the target
    last_assignment: list[int] = field(default_factory=list)  # a refine loop's last model, when not the first


class Backend(Protocol):
    """A solver for one or more target kinds ("cnf", "wcnf", "cpsat")."""

    name: ClassVar[str]
    accepts: ClassVar[frozenset[str]]
    proofs: ClassVar[bool]

    @staticmethod
    def available() -> bool: ...

    def solve(self, target: Any, limits: Limits) -> SolveResult: ...


def target_kind(target: Any) -> str:
    """The kind of a target object, by its type: pysat CNF/WCNF or a CP-SAT model."""
    kind = type(target).__name__
    return {"CNF": "cnf", "WCNF": "wcnf", "CpModel": "cpsat", "SampleArrays": "samples"}.get(kind, kind)


# Backends in preference order (the first is the default), as (module, class): imported only when asked for.
BACKENDS = (
    ("solvers.pysat", "PysatBackend"),
    ("solvers.cpsat", "CpSatBackend"),
    ("solvers.incremental", "IncrementalBackend"),
    ("solvers.portfolio", "PortfolioBackend"),
    ("solvers.noisy", "NoisyBackend"),
    ("solvers.embedding", "EmbeddingBackend"),
    ("solvers.mathopt", "MathOptBackend"),
    ("solvers.structure", "StructureBackend"),
    ("solvers.varpro", "VarProBackend"),
    ("solvers.adam", "AdamBackend"),
)
# What a solve imports on first use: loading it before forking or timing keeps 0.1 s of imports out of each job.
SOLVER_MODULES = (*(module for module, _ in BACKENDS), "pysat.solvers")


def registry() -> list[type[Backend]]:
    """Backends in preference order; the first is the default."""
    return [getattr(importlib.import_module(module), name) for module, name in BACKENDS]


def preload_solvers() -> None:
    """Import every backend and PySAT's solvers now (before forking job processes, or before a timed solve)."""
    for module in SOLVER_MODULES:
        importlib.import_module(module)


def is_complete(backend: Any) -> bool:
    """Whether a backend can prove infeasibility (a heuristic such as `gradient` sets `complete = False`)."""
    return bool(getattr(backend, "complete", True))


# "partition": the whole instance, for the portfolio, which races complete pipeline solves of other backends
PARTITION_TARGETS = frozenset({"cnf", "wcnf", "cpsat", "samples", "partition"})
LSA_TARGETS = frozenset({"cnf", "cpsat", "phi", "phi-fit", "mathopt"})


def get_backend(name: str, solver: str | None = None, targets: frozenset[str] | None = None) -> Backend:
    """An instance of the named backend, configured with an optional sub-solver name.

    Two backends may share a user-facing name for different targets (`gradient`: token embeddings for partitions,
    Adam on (b, A) for LSA); `targets` picks the one that accepts one of them.
    """
    for backend in registry():
        if backend.name == name and (targets is None or backend.accepts & targets):
            if not backend.available():
                raise UnknownBackend(f"backend {name!r} is not installed here", "options.backend")
            return backend(solver) if solver else backend()  # type: ignore[call-arg]
    names = ", ".join(b.name for b in registry())
    raise UnknownBackend(f"no backend {name!r}; available: {names}", "options.backend")
