"""Local worker processes: each job runs in its own child (forked from a clean fork server), so a cancel or a
hard deadline kills it, and its memory cap (RLIMIT_AS) ends only that job.

The solver grandchild (solvers/child.py) dies with the job child through PR_SET_PDEATHSIG, and the job child
dies with the fork server, which exits when the server process dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import multiprocessing
import multiprocessing.connection
import os
import resource
import signal
import threading
import time
import traceback
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from problems.answers import SolveOptions
from problems.errors import LatentsatError
from service.store import JobRecord, JobState, Store
from solvers.child import _die_with_parent
from solvers.registry import SOLVER_MODULES

logger = logging.getLogger("latentsat.service")

# Every job process re-runs the server's main module (multiprocessing's "fixup"; preloading "__main__" does not
# prevent it on 3.11), so the fork server preloads what `latentsat serve` imports: a job starts in ~10 ms, not 200.
# The backends and PySAT's solvers too: a solve imports them on first use, and each job process is a first use.
PRELOAD = ["latentsat.cli", "service.workers", "service.formats", "solvers.pipeline", "problems.generate"]
PRELOAD += SOLVER_MODULES


# ---------------------------------------------------------------- the job child


def job_main(
    conn: multiprocessing.connection.Connection,
    kind: str,
    fmt: str,
    blob: bytes,
    options: dict[str, Any],
    memory_limit_mb: int,
    log_path: str,
) -> None:
    """Entry point of a job process: cap memory, parse, solve, send ("ok", answer) or ("error", details)."""
    _die_with_parent()
    if memory_limit_mb > 0:
        cap = memory_limit_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    with open(log_path, "a", buffering=1) as log:
        _log(
            log,
            f"job process {os.getpid()}: address space {_address_space_mb()} MB, cap {memory_limit_mb or 'none'} MB",
        )
        try:
            message = _solve(kind, fmt, blob, options, log)
        except MemoryError:
            message = ("error", {"reason": "memory", "code": "memory", "message": "the job exceeded its memory cap"})
        except LatentsatError as exc:
            reason = "invalid" if exc.caller_fault else "error"
            message = ("error", {"reason": reason, "code": exc.code, "message": str(exc), "field": exc.field})
        except BaseException as exc:  # report every failure to the parent rather than die silently
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            message = ("error", {"reason": _reason_of(detail), "code": "solver_error", "message": detail})
        _log(log, f"finished: {message[0]}")
    conn.send(message)
    conn.close()


def _solve(kind: str, fmt: str, blob: bytes, options: dict[str, Any], log: Any) -> tuple[str, Any]:
    from service.formats import parse_instance
    from solvers.pipeline import solve

    _log(log, f"parsing a {fmt} {kind} instance ({len(blob)} bytes)")
    parsed = parse_instance(kind, fmt, blob)
    solve_options = SolveOptions.model_validate(options)
    _log(log, f"solving with backend={solve_options.backend} time_limit={solve_options.time_limit}s")
    answer = solve(parsed, solve_options)
    data = answer.model_dump(mode="json")
    stats = data.get("stats", {})
    _log(log, f"answer: status={data.get('status')} stats={json.dumps(stats, default=str)}")
    return ("ok", data)


def _address_space_mb() -> int:
    try:
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith("VmSize:"))
    except (OSError, StopIteration):
        return -1
    return int(line.split()[1]) // 1024


def _reason_of(detail: str) -> str:
    # A solver grandchild that hit the cap dies inside C++ (bad_alloc → abort); its parent reports the death.
    return "memory" if "MemoryError" in detail or "bad_alloc" in detail else "error"


def _log(log: Any, line: str) -> None:
    now = time.time()
    log.write(f"{time.strftime('%H:%M:%S', time.localtime(now))}.{int(now * 1000) % 1000:03d} {line}\n")


# ---------------------------------------------------------------- the pool in the server process


@dataclass
class Running:
    job: JobRecord
    process: BaseProcess
    conn: multiprocessing.connection.Connection
    cancelled: bool = False
    stopping: bool = False


@dataclass
class Waiters:
    """asyncio events of requests waiting for a job (`?wait=`), woken from supervisor threads."""

    loop: asyncio.AbstractEventLoop | None = None
    events: dict[str, list[asyncio.Event]] = field(default_factory=dict)


class WorkerPool:
    """Claims queued jobs from the store, at most `workers` at once, each in its own process."""

    def __init__(
        self,
        store: Store,
        workers: int,
        memory_limit_mb: int,
        log_dir: Path,
        hard_kill_grace_s: float,
        on_finish: Any = None,
    ) -> None:
        self.store = store
        self.workers = workers
        self.memory_limit_mb = memory_limit_mb
        self.log_dir = log_dir
        self.hard_kill_grace_s = hard_kill_grace_s
        self.on_finish = on_finish
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(PRELOAD)
        self._running: dict[str, Running] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._waiters = Waiters()

    # ------------------------------------------------------------ life cycle

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._waiters.loop = loop
        self._thread = threading.Thread(target=self._dispatch_loop, name="latentsat-dispatch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop claiming; kill running jobs and put them back in the queue for the next start."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            running = list(self._running.values())
        for item in running:
            item.stopping = True
            self._kill(item)
            self.store.requeue(item.job.id)

    def notify(self) -> None:
        """A job was queued: look for work now."""
        self._wake.set()

    @property
    def busy(self) -> int:
        with self._lock:
            return len(self._running)

    # ------------------------------------------------------------ cancel and wait

    def cancel(self, job_id: str) -> bool:
        """Kill the job's process if it is running here; True if it was."""
        with self._lock:
            item = self._running.get(job_id)
        if item is None:
            return False
        item.cancelled = True
        self._kill(item)
        return True

    async def wait(self, job_id: str, timeout: float) -> None:
        """Return when the job finishes or `timeout` passes (the caller re-reads the store either way)."""
        event = asyncio.Event()
        self._waiters.events.setdefault(job_id, []).append(event)
        try:
            record = self.store.get(job_id)
            if record is not None and record.terminal:
                return
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            pass
        finally:
            events = self._waiters.events.get(job_id, [])
            if event in events:
                events.remove(event)
            if not events:
                self._waiters.events.pop(job_id, None)

    def finished(self, job_id: str) -> None:
        """Wake the requests waiting on a job that ended outside a worker (cancelled while queued)."""
        self._wake_waiters(job_id)

    def _wake_waiters(self, job_id: str) -> None:
        loop = self._waiters.loop
        if loop is None or loop.is_closed():
            return

        def wake() -> None:
            for event in self._waiters.events.get(job_id, []):
                event.set()

        loop.call_soon_threadsafe(wake)

    # ------------------------------------------------------------ dispatch and supervision

    def _dispatch_loop(self) -> None:
        # Bring the fork server up (it imports the solver stack once) before the first job, off the event loop.
        warm = self.context.Process(target=_noop)
        warm.start()
        warm.join()
        while not self._stop.is_set():
            self._wake.wait(timeout=1.0)
            self._wake.clear()
            while not self._stop.is_set() and self.busy < self.workers:
                job = self.store.claim_next()
                if job is None:
                    break
                try:
                    self._launch(job)
                except Exception as exc:  # a job we cannot even start fails alone; the pool lives on
                    logger.exception("could not start job %s", job.id)
                    self._finish_failed(job.id, "error", f"could not start the job process: {exc}")

    def _launch(self, job: JobRecord) -> None:
        log_path = self.log_dir / f"{job.id}.log"
        with open(log_path, "a") as log:
            _log(log, f"attempt {job.attempts}: starting")
        receiver, sender = self.context.Pipe(duplex=False)
        args = (
            sender,
            job.kind,
            job.format,
            self.store.instance(job.id),
            job.options,
            self.memory_limit_mb,
            str(log_path),
        )
        # Not a daemon: daemonic processes may not fork, and the solver runs in a grandchild.
        process = self.context.Process(target=job_main, args=args, daemon=False)
        process.start()
        sender.close()
        with open(log_path, "a") as log:
            _log(log, f"attempt {job.attempts}: process {process.pid} started")
        item = Running(job, process, receiver)
        with self._lock:
            self._running[job.id] = item
        # A cancel that came between the claim and the line above found nothing to kill; the store remembers it.
        current = self.store.get(job.id)
        if current is not None and current.state is JobState.CANCELLED:
            item.cancelled = True
            self._kill(item)
        threading.Thread(target=self._supervise, args=(item,), name=f"job-{job.id[:8]}", daemon=True).start()

    def _supervise(self, item: Running) -> None:
        job = item.job
        limit = float(job.options.get("time_limit", 60.0))
        outcome: tuple[str, Any] | None = None
        timed_out = False
        try:
            if item.conn.poll(limit + self.hard_kill_grace_s):
                outcome = item.conn.recv()
            else:
                timed_out = True
        except (EOFError, OSError):
            outcome = None
        finally:
            self._kill(item)
            item.conn.close()
            with self._lock:
                self._running.pop(job.id, None)
        if not item.stopping:
            self._record(item, outcome, timed_out)
            self._wake_waiters(job.id)
        self._wake.set()

    def _record(self, item: Running, outcome: tuple[str, Any] | None, timed_out: bool) -> None:
        job_id = item.job.id
        elapsed = time.time() - (item.job.started_at or time.time())
        if item.cancelled:
            state, status = JobState.CANCELLED, None
        elif timed_out:
            answer = {"status": "unknown", "message": "the job outlived its time limit and was killed", "stats": {}}
            state, status = JobState.DONE, "unknown"
            self.store.finish(job_id, state, status, answer)
        elif outcome is None:
            code = item.process.exitcode
            self._finish_failed(job_id, "crashed", f"the job process died (exit code {code})")
            state, status = JobState.FAILED, None
        elif outcome[0] == "ok":
            answer = outcome[1]
            state, status = JobState.DONE, str(answer.get("status"))
            self.store.finish(job_id, state, status, answer)
        else:
            details = outcome[1]
            self.store.finish(
                job_id, JobState.FAILED, reason=details["reason"], message=details["message"],
                result={"error": {k: v for k, v in details.items() if k != "reason" and v is not None}},
            )  # fmt: skip
            state, status = JobState.FAILED, None
        if self.on_finish is not None:
            self.on_finish(item.job, state, status, elapsed)

    def _finish_failed(self, job_id: str, reason: str, message: str) -> None:
        self.store.finish(job_id, JobState.FAILED, reason=reason, message=message)

    @staticmethod
    def _kill(item: Running) -> None:
        process = item.process
        if process.is_alive() and process.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGKILL)
        process.join(timeout=2)


def _noop() -> None:
    """Nothing: starting it brings the fork server up (and preloads the solver modules) at start-up."""
