"""The one solve path: problem → encoding → backend → decoding → independent verification → answer + certificate.

The CLI, the service and the benchmarks all call `solve`. This module only picks the strategy
(`solvers.strategies.select_strategy`, the one place that decides) and runs it against one deadline; the
strategies hold the steps, `solvers/decode.py` the decoding and verification, `solvers/certify.py` the
certificates.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from problems.answers import SolveOptions
from solvers.claims import state_what_was_proven
from solvers.kinds import read_data
from solvers.run import Clock, Progress, no_progress
from solvers.strategies import select_strategy


def solve(
    instance: Any, options: SolveOptions | None = None, progress: Progress | None = None, started: float | None = None
) -> Any:
    """Solve one instance of any registered kind and return a verified answer (never an unverified solution).

    `progress(stage)` hears the stages of `solvers.run.STAGES` as the solve enters them. `started`: when the time
    limit began (`time.perf_counter()`; default now), so that reading the instance counts against it. Raises the
    caller's errors (`InvalidOptions`, `UnknownBackend`) before any work starts; a time-out is the status `unknown`.
    """
    options = options or SolveOptions()
    clock = Clock(options.time_limit) if started is None else Clock(options.time_limit, started)
    strategy = select_strategy(instance, options)
    try:
        answer = strategy.run(instance, options, clock, progress or no_progress)
    finally:
        forget_pysat_formula_pool()
    answer = state_what_was_proven(answer, options)
    return answer.model_copy(update={"stats": {**answer.stats, "wall_s": round(clock.elapsed(), 4)}})


def forget_pysat_formula_pool() -> None:
    """Drop the variable pool that pysat keeps for the whole process (`pysat.formula.Formula`, public `cleanup`).

    `CNF.extend` records each formula's variables in that pool, whose interval list grows by about one entry per
    formula and is sorted again at every `extend`: in a process that solves job after job (a warm worker, a bench
    run) each solve got slower than the last. Our encodings never use that pool (each has its own `IDPool`).
    """
    from pysat.formula import Formula

    Formula.cleanup()


def solve_json(data: Any, options: SolveOptions | None = None, progress: Progress | None = None) -> BaseModel:
    """Parse a JSON instance of any registered kind (by its `kind` field, default partition) and solve it."""
    _, instance = read_data(data)
    answer: BaseModel = solve(instance, options, progress)
    return answer
