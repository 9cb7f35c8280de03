"""Solver configurations the harness can run, by name; adding a backend to the benchmark is one entry here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from problems.answers import SolveOptions


@dataclass(frozen=True)
class SolverConfig:
    """A named set of `SolveOptions` (the time limit is set per run by the harness)."""

    name: str
    options: dict[str, Any] = field(default_factory=dict)
    summary: str = ""

    def solve_options(self, time_limit: float) -> SolveOptions:
        return SolveOptions(**{**self.options, "time_limit": time_limit})

    def available(self) -> bool:
        """Whether its backend (or named strategy) is registered and installed here."""
        from solvers.strategies import is_available

        return is_available(self.options.get("backend", "pysat"))


SOLVER_CONFIGS: list[SolverConfig] = [
    SolverConfig("pysat", {"backend": "pysat", "solver": "cadical195"}, "direct CNF, CaDiCaL 1.9.5"),
    SolverConfig("pysat-unique", {"backend": "pysat", "unique": True}, "direct CNF + checked uniqueness proof"),
    SolverConfig("cpsat", {"backend": "cpsat", "num_workers": 2}, "CP-SAT, 2 workers"),
    SolverConfig("cpsat-unique", {"backend": "cpsat", "num_workers": 2, "unique": True}, "CP-SAT + CNF uniqueness"),
    SolverConfig("gradient", {"backend": "gradient"}, "embeddings + MLP + k-means on predictions"),
    SolverConfig("gradient-embed", {"backend": "gradient", "solver": "mlp:probes=0"}, "k-means on raw embeddings"),
    SolverConfig("gradient-long", {"backend": "gradient", "solver": "mlp:steps=6000"}, "gradient, 3× the Adam steps"),
    SolverConfig("fast", {"backend": "fast"}, "the fast exact solver"),
    SolverConfig("fast-unique", {"backend": "fast", "unique": True}, "the fast exact solver + uniqueness"),
    SolverConfig("noisy", {"backend": "noisy"}, "noisy strategy: warm start, verified answer, certified bound"),
    SolverConfig("rc2", {"backend": "pysat"}, "RC2 on the weighted CNF (noisy instances, minimize)"),
    SolverConfig("portfolio", {"backend": "portfolio"}, "race fast and cpsat (1 worker) in parallel processes"),
    SolverConfig("cpsat-1", {"backend": "cpsat", "num_workers": 1}, "CP-SAT, 1 worker"),
    SolverConfig("structure", {"backend": "structure"}, "LSA: support enumeration (exact-grid, real with ε = 0)"),
    SolverConfig("mathopt", {"backend": "mathopt", "solver": "highs"}, "LSA real: MILP with HiGHS"),
    SolverConfig("varpro", {"backend": "varpro"}, "LSA best-fit: variable projection"),
]


def solver_config(name: str) -> SolverConfig:
    for config in SOLVER_CONFIGS:
        if config.name == name:
            return config
    raise ValueError(f"no solver configuration {name!r}; known: {', '.join(c.name for c in SOLVER_CONFIGS)}")
