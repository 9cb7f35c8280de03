"""The backend interface every backend honours: one status enum, limits, results, and the targets backends share.

A backend knows only its target (a CNF, a CP-SAT model, sample arrays, a MILP), never a problem kind. The registry
of backends is `solvers/registry.py`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from problems.errors import InvalidOptions


class Status(StrEnum):
    """A backend's verdict on its target, translated from the solver's native code in one place."""

    SATISFIABLE = "satisfiable"
    OPTIMAL = "optimal"
    UNSATISFIABLE = "unsatisfiable"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Limits:
    """Resources for one solve: wall seconds and solver knobs.

    `in_process`: None lets the backend choose between this process and a child killed at the deadline (by the
    target's size); True keeps it here, for a caller that is itself a killable child.
    """

    seconds: float = 60.0
    seed: int = 0
    num_workers: int = 2
    proof: bool = False
    in_process: bool | None = None


@dataclass
class SolveResult:
    """What a backend returns. `assignment`: signed literals (CNF) or a value per variable (CP-SAT, MILP, fits)."""

    status: Status
    assignment: list[Any] = field(default_factory=list)
    proof: list[str] | None = None
    objective: float | None = None
    bound: float | None = None
    wall_s: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict)
    added_clauses: list[list[int]] = field(default_factory=list)  # clauses a refine loop added to the target
    last_assignment: list[int] = field(default_factory=list)  # a refine loop's last model, after a refine round


Refine = Callable[[list[int]], list[list[int]]]


@dataclass(frozen=True)
class IncrementalCnf:
    """A CNF for one incremental SAT run (target kind `incremental-cnf`), so that a refining solve is a target,
    not a special backend.

    `extra` clauses join the CNF (a proof refutes CNF ∧ extra); `phases` are literals that seed the first search;
    after each model, `refine(model)` returns the clauses for the next round, and no clause ends the run. The
    result's `assignment` is the first model, `last_assignment` the last, `added_clauses` what refine added.
    """

    cnf: Any  # pysat.formula.CNF
    extra: Sequence[Sequence[int]] = ()
    phases: Sequence[int] = ()
    refine: Refine | None = None


def target_kind(target: Any) -> str:
    """The kind of a target object, by its type: what a backend's `accepts` lists."""
    kind = type(target).__name__
    kinds = {
        "CNF": "cnf",
        "WCNF": "wcnf",
        "IncrementalCnf": "incremental-cnf",
        "CpModel": "cpsat",
        "SampleArrays": "samples",
        "PhiTarget": "phi",
        "FitTarget": "phi-fit",
    }
    if type(target).__module__.startswith("ortools.math_opt"):
        return "mathopt"
    return kinds.get(kind, kind)


class Backend:
    """The interface every backend honours (CPMpy's `SolverInterface`): subclass it, set the class attributes,
    implement `solve`, and add the class to `solvers/registry.py`.

    - `name`: unique in the registry; a sub-solver is addressed `name/solver` (e.g. `pysat/glucose4`).
    - `accepts`: the target kinds `solve` takes (see `target_kind`).
    - `complete`: it can prove infeasibility (a heuristic cannot: it answers satisfiable or unknown only).
    - `proofs`: it can log DRUP proofs (with a sub-solver for which `logs_proofs` is true).
    - `available()`: its library imports here (imported lazily).
    - `solve(target, limits)`: the verdict, stopping at `limits.seconds`; a time-out is `Status.UNKNOWN`.
    A backend is built once per solve, with its sub-solver (`default_solver` when none is named); building only
    validates the name, so it is cheap and starts nothing.
    """

    name: ClassVar[str]
    accepts: ClassVar[frozenset[str]]
    complete: ClassVar[bool] = True
    proofs: ClassVar[bool] = False
    default_solver: ClassVar[str]

    def __init__(self, solver: str | None = None) -> None:
        self.solver = self.check_solver(self.default_solver if solver is None else solver)

    @classmethod
    def check_solver(cls, solver: str) -> str:
        """`solver` if this backend has such a sub-solver, else `InvalidOptions` naming `options.solver`."""
        if solver != cls.default_solver:
            raise InvalidOptions(
                f"the {cls.name} backend has one solver, {cls.default_solver!r}, not {solver!r}", "options.solver"
            )
        return solver

    @classmethod
    def solver_accepts(cls, solver: str) -> frozenset[str]:
        """The target kinds the backend takes with `solver` (all of `accepts`, unless its sub-solvers differ)."""
        return cls.accepts

    @classmethod
    def default_solver_for(cls, targets: frozenset[str]) -> str:
        """The sub-solver used when none is named, for a caller that can hand over these target kinds."""
        return cls.default_solver

    @staticmethod
    def available() -> bool:
        return True

    @property
    def logs_proofs(self) -> bool:
        """Whether this configured backend logs DRUP proofs."""
        return self.proofs

    def solve(self, target: Any, limits: Limits) -> SolveResult:
        raise NotImplementedError

    @classmethod
    def check_fits(
        cls, solver: str, n_samples: int, sizes: tuple[int, ...], budgets: tuple[int, ...], n_labels: int
    ) -> None:
        """Refuse (`InvalidOptions` naming `options.solver`) sample arrays of these dimensions that this backend
        with `solver` could not afford (a learner's memory), before anything is built; by default all fit."""

    def check_target(self, target: Any) -> str:
        """The target's kind, or `InvalidOptions` if this backend with its sub-solver cannot take it."""
        kind = target_kind(target)
        if kind not in self.solver_accepts(self.solver):
            raise InvalidOptions(f"{self.name}/{self.solver} cannot solve a {kind} target", "options.backend")
        return kind


def importable(module: str) -> bool:
    """Whether a backend's native module imports on this machine (its `available`)."""
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True
