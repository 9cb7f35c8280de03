"""What one solve carries through its steps: the deadline (`Clock`), the progress callback, and the `Run` context.

Every step takes the clock as an argument and spends what is left of one wall-time budget; nothing reads a global
time limit. The progress callback hears the stage names `STAGES` as a solve enters them (no-op by default).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from problems.answers import SolveOptions
from solvers.base import Backend, Limits

CHECK_GRACE_S = 1.0  # a proof found just before the deadline still gets a second to be checked

Progress = Callable[[str], None]
# warm-start: a heuristic guess; encode: building a target; search: a backend looking for the answer; proof: a
# backend refuting a claim (uniqueness, infeasibility, optimality) with proof logging; check: checking that proof.
STAGES = ("warm-start", "encode", "search", "proof", "check")


def no_progress(stage: str) -> None:
    """The default progress callback: nothing."""


@dataclass
class Clock:
    """The job's deadline; every step takes what is left of one wall-time budget (seconds)."""

    seconds: float
    start: float = field(default_factory=time.perf_counter)

    def left(self) -> float:
        return max(0.0, self.seconds - (time.perf_counter() - self.start))

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def deadline(self) -> float:
        """The end of the budget on `time.perf_counter()`'s scale, which is what encoders check."""
        return self.start + self.seconds


@dataclass
class Run:
    """One solve in progress: the instance, the options, the clock, the progress callback, and the backend (built
    once, by the strategy, and handed to every step that needs it)."""

    instance: Any
    options: SolveOptions
    clock: Clock
    progress: Progress
    backend: Backend

    def limits(self, proof: bool = False, in_process: bool | None = None, at_least: float = 0.0) -> Limits:
        """The options' solver knobs with the time left (`at_least` seconds, for a backend that must report)."""
        return Limits(
            seconds=max(at_least, self.clock.left()),
            seed=self.options.seed,
            num_workers=self.options.num_workers,
            proof=proof,
            in_process=in_process,
        )

    @cached_property
    def proof_backend(self) -> Backend:
        """The backend that refutes claims on a CNF with a DRUP proof: this run's own when it takes a CNF and logs
        proofs (or none are asked for), else PySAT's default solver, which does (built once, when first needed)."""
        if "cnf" in self.backend.accepts and (self.backend.logs_proofs or not self.options.proof):
            return self.backend
        from solvers.registry import get_backend

        return get_backend("pysat")
