"""Local job processes: a pool of warm workers (the default), or one fresh process per job (`--pool process`).

A warm worker is a long-lived `python -m service.warm_worker` process that imported every backend once and then
solves job after job in its own process. Its slot's supervisor thread waits for each answer with the job's limit
plus a grace; on a cancel, a time-out, a memory failure or a crash it kills the worker's whole process group at once
and starts a replacement, so one job's trouble never reaches the next. Workers also retire after
`max_jobs_per_worker` jobs, which bounds any slow leak: the replacement imports in the background while the old
worker goes on serving, so a retirement costs the slot no time.

Nothing outlives the server: a worker dies with its slot's thread (PR_SET_PDEATHSIG, checked against a race at
start), and the solver processes a job forks die with the worker (PR_SET_PDEATHSIG again, and the process group).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from service.task import PRELOAD as TASK_PRELOAD
from service.task import Outcome, Task, cap_memory, job_log, run_task
from solvers.child import die_with_parent

logger = logging.getLogger("latentsat.service")

# What the process-per-job fork server imports before its first fork.
PRELOAD = ["service.task", *TASK_PRELOAD]
READY_TIMEOUT_S = 120.0  # a cold start on a loaded machine imports for seconds; never wait forever
PoolMode = Literal["warm", "process"]
Report = Callable[[Task, Outcome], None]


class JobProcess(Protocol):
    """A process that runs tasks: a warm worker runs many, a forked one runs exactly one."""

    pid: int | None
    conn: multiprocessing.connection.Connection

    def run(self, task: Task) -> None: ...
    def kill(self) -> None: ...
    def exit_code(self) -> int | None: ...


class WarmProcess:
    """`python -m service.warm_worker`: imports the solver stack once, then answers task after task on a socket."""

    def __init__(self, log_dir: Path, memory_limit_mb: int) -> None:
        parent, child = socket.socketpair()
        command = [sys.executable, "-m", "service.warm_worker", str(child.fileno()), str(os.getpid())]
        command += [str(log_dir), str(memory_limit_mb)]
        # Its own session: one killpg ends the worker and every solver process it forked.
        self.process = subprocess.Popen(
            command, pass_fds=[child.fileno()], stdin=subprocess.DEVNULL, start_new_session=True
        )
        child.close()
        self.pid: int | None = self.process.pid
        self.conn = multiprocessing.connection.Connection(parent.detach())
        self.jobs = 0

    def wait_ready(self, timeout: float) -> None:
        """Block until the worker has imported everything; raise RuntimeError if it died or took too long."""
        if not self.conn.poll(timeout):
            raise RuntimeError(f"warm worker {self.pid} not ready after {timeout:g} s")
        message = self.conn.recv()
        if message != ("ready", self.pid):
            raise RuntimeError(f"warm worker {self.pid} said {message!r} instead of ready")

    def run(self, task: Task) -> None:
        self.jobs += 1
        self.conn.send(task)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        self.conn.close()

    def exit_code(self) -> int | None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=1)
        return self.process.returncode


class ForkedProcess:
    """The process-per-job design (kept for comparison): a child of a preloaded fork server for one task."""

    def __init__(self, context: multiprocessing.context.ForkServerContext, log_dir: Path) -> None:
        self.context, self.log_dir = context, log_dir
        self.pid: int | None = None
        self.process: multiprocessing.process.BaseProcess | None = None

    def run(self, task: Task) -> None:
        self.conn, sender = self.context.Pipe(duplex=False)
        # Not a daemon: daemonic processes may not fork, and the solver runs in a grandchild.
        self.process = self.context.Process(target=forked_job_main, args=(sender, task, str(self.log_dir)))
        self.process.start()
        sender.close()
        self.pid = self.process.pid

    def kill(self) -> None:
        if self.process is not None and self.process.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGKILL)
            self.process.join(timeout=5)
        with contextlib.suppress(AttributeError):
            self.conn.close()

    def exit_code(self) -> int | None:
        if self.process is None:
            return None
        self.process.join(timeout=1)
        return self.process.exitcode


def forked_job_main(conn: multiprocessing.connection.Connection, task: Task, log_dir: str) -> None:
    """Entry point of a process-per-job child: die with the server, cap memory, run the task, send the outcome."""
    _release_fork_server()
    die_with_parent()
    cap_memory(task.memory_limit_mb)
    with job_log(os.path.join(log_dir, f"{task.job_id}.log")) as log:
        log(f"attempt {task.attempt}: starting")
        outcome = run_task(task, log)
    conn.send(outcome)
    conn.close()


def _release_fork_server() -> None:
    """Close this child's copy of the fork server's liveness pipe.

    Every fork-server child inherits the pipe's write end; while any child holds it the fork server never sees the
    server die, so the children (whose parent-death signal is tied to the fork server) outlived a killed server.
    """
    from multiprocessing import forkserver

    fd = forkserver._forkserver._forkserver_alive_fd  # type: ignore[attr-defined]
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)
        forkserver._forkserver._forkserver_alive_fd = None  # type: ignore[attr-defined]


@dataclass
class Running:
    task: Task
    process: JobProcess
    cancelled: bool = False


class LocalExecutor:
    """Runs tasks on this machine in `workers` slots, each with its own supervisor thread and job process."""

    quick_submit = True  # a task goes on an in-memory queue

    def __init__(
        self,
        workers: int,
        memory_limit_mb: int,
        log_dir: Path,
        hard_kill_grace_s: float,
        mode: PoolMode = "warm",
        max_jobs_per_worker: int = 5000,
    ) -> None:
        self.workers, self.memory_limit_mb, self.log_dir = workers, memory_limit_mb, log_dir
        self.hard_kill_grace_s, self.mode, self.max_jobs_per_worker = hard_kill_grace_s, mode, max_jobs_per_worker
        self._tasks: queue.Queue[Task] = queue.Queue()
        self._running: dict[str, Running] = {}
        self._cancelled: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._report: Report = lambda task, outcome: None
        self._context: multiprocessing.context.ForkServerContext | None = None

    # ------------------------------------------------------------ the executor interface

    def start(self, report: Report) -> None:
        self._report = report
        self.log_dir.mkdir(parents=True, exist_ok=True)
        if self.mode == "process":
            self._context = multiprocessing.get_context("forkserver")
            self._context.set_forkserver_preload(PRELOAD)
        for slot in range(self.workers):
            thread = threading.Thread(target=self._serve, name=f"latentsat-slot-{slot}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def free(self) -> int:
        """Tasks this executor can start now: one per idle slot (a claimed job is a running job)."""
        with self._lock:
            return self.workers - len(self._running) - self._tasks.qsize()

    @property
    def busy(self) -> int:
        with self._lock:
            return len(self._running)

    def submit(self, task: Task) -> None:
        self._tasks.put(task)

    def cancel(self, job_id: str) -> None:
        """Kill the job's process at once if it runs; a task still waiting for a slot is dropped when it comes up."""
        with self._lock:
            item = self._running.get(job_id)
            if item is None:
                self._cancelled.add(job_id)
                return
            item.cancelled = True
        item.process.kill()

    def stop(self) -> list[Task]:
        """Kill every job process; return the tasks that were interrupted or never started (to run again later)."""
        self._stop.set()
        with self._lock:
            running = list(self._running.values())
        for item in running:
            item.cancelled = True
            item.process.kill()
        for thread in self._threads:
            thread.join(timeout=10)
        pending = []
        with contextlib.suppress(queue.Empty):
            while True:
                pending.append(self._tasks.get_nowait())
        return [item.task for item in running] + pending

    # ------------------------------------------------------------ one slot

    def _serve(self) -> None:
        process: JobProcess | None = None
        spare: WarmProcess | None = None  # the successor of a worker due to retire, importing in the background
        try:
            while not self._stop.is_set():
                if process is None and self.mode == "warm":
                    process, spare = (self._take(spare) if spare else self._spawn_warm()), None
                    continue
                if isinstance(process, WarmProcess) and process.process.poll() is not None:
                    logger.warning("warm worker %s died while idle (exit %s); replacing it", process.pid,
                                   process.process.returncode)  # fmt: skip
                    process.kill()
                    process = None
                    continue
                if isinstance(process, WarmProcess) and process.jobs >= self.max_jobs_per_worker:
                    process, spare = self._retire(process, spare)
                try:
                    task = self._tasks.get(timeout=0.5)
                except queue.Empty:
                    continue
                process = self._serve_task(task, process)
        finally:
            for leftover in (process, spare):
                if leftover is not None:
                    leftover.kill()

    def _retire(self, process: WarmProcess, spare: WarmProcess | None) -> tuple[JobProcess | None, WarmProcess | None]:
        """(worker, spare) for the next job: start the spare, and hand over to it once it has imported everything.

        Started from this slot's thread, as every worker is: a worker's parent-death signal follows that thread.
        """
        if spare is None:
            return process, WarmProcess(self.log_dir, self.memory_limit_mb)
        if not spare.conn.poll(0):
            return process, spare  # still importing: the old worker serves meanwhile
        process.kill()
        return self._take(spare), None

    def _take(self, spare: WarmProcess) -> JobProcess | None:
        """The spare once it is ready, or a fresh worker if it failed to start."""
        try:
            spare.wait_ready(READY_TIMEOUT_S)
        except (RuntimeError, EOFError, OSError) as exc:
            logger.error("a spare warm worker failed to start: %s", exc)
            spare.kill()
            return self._spawn_warm()
        return spare

    def _spawn_warm(self) -> JobProcess | None:
        worker = WarmProcess(self.log_dir, self.memory_limit_mb)
        try:
            worker.wait_ready(READY_TIMEOUT_S)
        except (RuntimeError, EOFError, OSError) as exc:
            logger.error("could not start a warm worker: %s", exc)
            worker.kill()
            self._stop.wait(1.0)  # do not spin when workers cannot start (e.g. a broken install)
            return None
        return worker

    def _serve_task(self, task: Task, process: JobProcess | None) -> JobProcess | None:
        """Run one task; return the process to reuse for the next one, or None when it had to go."""
        if process is None:  # the process-per-job mode: a fresh child of the fork server
            assert self._context is not None
            process = ForkedProcess(self._context, self.log_dir)
        item = Running(task, process)
        with self._lock:  # one step with cancel(): a cancel lands either in _cancelled or on the running item
            cancelled_early = task.job_id in self._cancelled
            self._cancelled.discard(task.job_id)
            if not cancelled_early:
                self._running[task.job_id] = item
        if cancelled_early:
            self._report(task, ("cancelled", None))
            return process if isinstance(process, WarmProcess) else None
        outcome = self._await(item)
        with self._lock:
            self._running.pop(task.job_id, None)
        keep = self._reusable(item, outcome)
        if not keep:
            process.kill()
        self._report(task, outcome)
        return process if keep else None

    def _await(self, item: Running) -> Outcome:
        try:
            item.process.run(item.task)
            if not item.process.conn.poll(item.task.time_limit + self.hard_kill_grace_s):
                outcome: Outcome = ("timeout", None)
            else:
                outcome = item.process.conn.recv()
        except (EOFError, OSError):
            outcome = ("crashed", f"the job process died (exit code {item.process.exit_code()})")
        return ("cancelled", None) if item.cancelled else outcome

    def _reusable(self, item: Running, outcome: Outcome) -> bool:
        if not isinstance(item.process, WarmProcess) or item.cancelled or self._stop.is_set():
            return False
        if outcome[0] == "error" and outcome[1].get("reason") == "memory":
            return False  # a MemoryError may leave the heap in any state
        return outcome[0] in ("ok", "error")  # retirement after max_jobs_per_worker: `_retire`, without a gap
