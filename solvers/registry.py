"""The backend registry: every backend, by unique name, in preference order (the first is the default).

Like CPMpy's `SolverLookup`: the list is the only place a backend is named; `get_backend` builds one, configured
with a sub-solver written `backend/solver` or given apart. Backends are imported only when asked for.
"""

from __future__ import annotations

import importlib

from problems.errors import InvalidOptions, UnknownBackend
from solvers.base import Backend

# (module, class) in preference order; each class has a unique `name`.
BACKENDS = (
    ("solvers.pysat", "PysatBackend"),
    ("solvers.cpsat", "CpSatBackend"),
    ("solvers.gradient", "GradientBackend"),
    ("solvers.mathopt", "MathOptBackend"),
    ("solvers.structure", "StructureBackend"),
    ("solvers.varpro", "VarProBackend"),
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


def split_name(name: str, solver: str | None = None) -> tuple[str, str | None]:
    """`backend/solver` → (backend, solver); a sub-solver given apart as well must agree.

    >>> split_name("gradient/adam"), split_name("pysat", "glucose4"), split_name("cpsat")
    (('gradient', 'adam'), ('pysat', 'glucose4'), ('cpsat', None))
    """
    backend, _, named = name.partition("/")
    if named and solver is not None and solver != named:
        raise InvalidOptions(f"backend {name!r} names solver {named!r}, but the solver option is {solver!r}",
                             "options.solver")  # fmt: skip
    return backend, named or solver


def backend_class(name: str) -> type[Backend]:
    """The backend registered under `name` (`UnknownBackend` listing the choices if none, or if not installed)."""
    for backend in registry():
        if backend.name == name:
            if not backend.available():
                raise UnknownBackend(f"backend {name!r} is not installed here", "options.backend")
            return backend
    names = ", ".join(b.name for b in registry())
    raise UnknownBackend(f"no backend {name!r}; available: {names}", "options.backend")


def check_backend(name: str, solver: str | None = None, targets: frozenset[str] | None = None) -> tuple[type, str]:
    """(backend class, sub-solver) for `name` and `solver`, validated without building anything.

    `targets` are the target kinds the caller can produce: the default sub-solver is the one for them, and a
    backend (or sub-solver) that takes none of them is refused naming the option at fault.
    """
    backend, solver = split_name(name, solver)
    cls = backend_class(backend)
    chosen = cls.check_solver(solver if solver is not None else cls.default_solver_for(targets or cls.accepts))
    if targets is not None and not cls.solver_accepts(chosen) & targets:
        field = "options.solver" if cls.accepts & targets else "options.backend"
        raise InvalidOptions(f"{backend}/{chosen} cannot solve this kind of problem", field)
    return cls, chosen


def get_backend(name: str, solver: str | None = None, targets: frozenset[str] | None = None) -> Backend:
    """A backend ready to solve: the registered class for `name`, configured with its sub-solver (see
    `check_backend`). Built once per solve; the strategies hand it to every step that needs one."""
    cls, chosen = check_backend(name, solver, targets)
    return cls(chosen)
