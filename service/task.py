"""One job attempt as a worker runs it, whatever the transport: a local warm worker, a process per job, or an RQ
work horse on another machine. `run_task` is the one code path all three share; `solve_blob` is the one call site of
the solve pipeline.
"""

from __future__ import annotations

import json
import os
import resource
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from problems.answers import SolveOptions
from problems.errors import LatentsatError
from solvers.registry import SOLVER_MODULES

# What a worker imports before its first job: the service's parsing and every backend with its solver libraries.
PRELOAD = ["service.formats", "solvers.pipeline", "problems.generate", *SOLVER_MODULES]
# Error codes that mean the input was bad rather than that something broke.

Outcome = tuple[str, Any]
"""What a worker reports: ("ok", answer dict) or ("error", {reason, code, message, field?}).

The supervisor adds its own: ("timeout", None), ("crashed", message), ("lost", message), ("cancelled", None).
"""
Log = Callable[[str], None]


@dataclass(frozen=True)
class Task:
    """One attempt of one job: everything a worker needs, with no access to the job store."""

    job_id: str
    attempt: int
    kind: str
    format: str
    instance: bytes
    options: dict[str, Any]
    memory_limit_mb: int
    parsed: Any = None
    """The instance as the API parsed it when it accepted the job (small jobs only), so the worker does not parse
    `instance` again; None after a restart, or for an instance too large to keep in memory while it waits."""

    @property
    def time_limit(self) -> float:
        """Seconds the solve may take (the server filled in its default at submission)."""
        return float(self.options.get("time_limit", 60.0))

    @property
    def queue_id(self) -> str:
        """A name for this attempt alone, so a late report of an earlier attempt is never taken for this one."""
        return f"{self.job_id}-{self.attempt}"


def solve_blob(kind: str, fmt: str, blob: bytes, options: dict[str, Any], parsed: Any = None) -> dict[str, Any]:
    """Solve the stored instance (parsed here unless `parsed` is given) through the kind's pipeline; the answer as
    JSON data (SPEC §3)."""
    from service.formats import parse_instance
    from solvers.pipeline import solve

    started = time.perf_counter()  # the job's time limit covers parsing its instance
    if parsed is None:
        parsed = parse_instance(kind, fmt, blob)
    answer = solve(parsed, SolveOptions.model_validate(options), started=started)
    return answer.model_dump(mode="json")  # type: ignore[no-any-return]


def warm_up() -> None:
    """Import every backend, then solve one tiny instance: the imports a solve makes on first use happen now.

    A warm worker does this once; an RQ worker does it before forking, so no work horse imports anything.
    """
    import importlib

    from service.submit import canonical_json

    for module in PRELOAD:
        importlib.import_module(module)
    instance = {"groups": [{"size": 2, "classes": 2}] * 2, "samples": [[0, 0, 0], [1, 1, 1], [0, 1, 0]]}
    solve_blob("partition", "json", canonical_json(instance), {"time_limit": 10.0})


def run_task(task: Task, log: Log) -> Outcome:
    """Solve one task in this process; every failure becomes an ("error", details) outcome, never an exception."""
    log(f"job process {os.getpid()}: address space {address_space_mb()} MB, cap {task.memory_limit_mb or 'none'} MB")
    try:
        how = "parsed by the API" if task.parsed is not None else "parsing"
        log(f"{how}: a {task.format} {task.kind} instance ({len(task.instance)} bytes)")
        log(f"solving with backend={task.options.get('backend')} time_limit={task.time_limit}s")
        data = solve_blob(task.kind, task.format, task.instance, task.options, task.parsed)
        log(f"answer: status={data.get('status')} stats={json.dumps(data.get('stats', {}), default=str)}")
        outcome: Outcome = ("ok", data)
    except MemoryError:
        outcome = ("error", {"reason": "memory", "code": "memory", "message": "the job exceeded its memory cap"})
    except LatentsatError as exc:
        reason = "invalid" if exc.caller_fault else "error"
        outcome = ("error", {"reason": reason, "code": exc.code, "message": str(exc), "field": exc.field})
    except BaseException as exc:  # report every failure to the supervisor rather than die silently
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        outcome = ("error", {"reason": reason_of(detail), "code": "solver_error", "message": detail})
    log(f"finished: {outcome[0]}")
    return outcome


def cap_memory(memory_limit_mb: int) -> None:
    """RLIMIT_AS of this process (and of the solver processes it forks); 0 leaves it uncapped."""
    if memory_limit_mb > 0:
        cap = memory_limit_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def address_space_mb() -> int:
    try:
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith("VmSize:"))
    except (OSError, StopIteration):
        return -1
    return int(line.split()[1]) // 1024


def reason_of(detail: str) -> str:
    # A solver grandchild that hit the cap dies inside C++ (bad_alloc → abort); its parent reports the death.
    return "memory" if "MemoryError" in detail or "bad_alloc" in detail else "error"


def log_line(text: str) -> str:
    """`HH:MM:SS.mmm text\\n`, the job log's line format."""
    now = time.time()
    return f"{time.strftime('%H:%M:%S', time.localtime(now))}.{int(now * 1000) % 1000:03d} {text}\n"


@contextmanager
def job_log(path: str) -> Iterator[Log]:
    """A `Log` for the lines of one job: the file is opened once and each line written through at once (readers
    follow it while the job runs), instead of an open and a close per line."""
    with open(path, "a", buffering=1) as log:  # line-buffered: every line reaches the file when written

        def write(text: str) -> None:
            log.write(log_line(text))

        yield write
