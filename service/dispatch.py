"""The one code path between the job store and whatever runs the jobs.

`Dispatcher` claims queued jobs from the store while its executor has room, hands each over as a `Task`, and
records every outcome in the store: it is the only writer of job states, in both modes. The executor is either
`LocalExecutor` (warm workers or a process per job on this machine) or `RedisExecutor` (RQ workers anywhere).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from service.store import JobRecord, JobState, Store
from service.task import Outcome, Task, log_line

logger = logging.getLogger("latentsat.service")
TIMEOUT_ANSWER = {"status": "unknown", "message": "the job outlived its time limit and was killed", "stats": {}}
# Parsed instances are kept in memory for the worker only up to this size of stored bytes; larger ones are parsed
# by the worker from the store, so a full queue of large jobs does not hold their arrays in the API's memory too.
KEEP_PARSED_MAX_BYTES = 1 << 20


class Executor(Protocol):
    """Runs tasks somewhere and reports each one's outcome exactly once through `report`."""

    workers: int
    quick_submit: bool  # `submit` returns at once (a local queue), rather than after a network round trip

    @property
    def busy(self) -> int: ...
    def start(self, report: Callable[[Task, Outcome], None]) -> None: ...
    def free(self) -> int: ...
    def submit(self, task: Task) -> None: ...
    def cancel(self, job_id: str) -> None: ...
    def stop(self) -> list[Task]: ...


@dataclass
class Waiters:
    """asyncio events of requests waiting for a job (`?wait=`), woken from executor threads."""

    loop: asyncio.AbstractEventLoop | None = None
    events: dict[str, list[asyncio.Event]] = field(default_factory=dict)


class Dispatcher:
    """Feeds the executor from the store and writes back what happened; `app.state.pool` in the routes."""

    def __init__(
        self,
        store: Store,
        executor: Executor,
        log_dir: Path,
        memory_limit_mb: int,
        on_finish: Callable[[JobRecord, JobState, str | None, float], None] | None = None,
    ) -> None:
        self.store, self.executor, self.log_dir = store, executor, log_dir
        self.memory_limit_mb, self.on_finish = memory_limit_mb, on_finish
        self._wake = threading.Event()
        self._dispatching = threading.RLock()  # one claimer at a time, so `executor.free()` is not over-spent
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._waiters = Waiters()
        self._parsed: dict[str, Any] = {}  # job id → the instance as the API parsed it, until the job is claimed

    @property
    def workers(self) -> int:
        return self.executor.workers

    @property
    def busy(self) -> int:
        return self.executor.busy

    # ------------------------------------------------------------ life cycle

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._waiters.loop = loop
        self.executor.start(self._report)
        self._thread = threading.Thread(target=self._dispatch_loop, name="latentsat-dispatch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop claiming; put what the executor gives back in the queue again for the next start."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        interrupted = self.executor.stop()  # its threads recorded every outcome they reported before they ended
        self._parsed.clear()  # jobs still queued are parsed from the store after the next start
        for task in interrupted:
            self.store.requeue(task.job_id)

    def notify(self) -> None:
        """A job was queued: start it now if the executor has room, from the calling thread (the event loop), with
        no hand-off to the dispatch thread; an executor whose hand-over is a network call is fed from the dispatch
        thread instead, so the event loop never waits on the network."""
        if self.executor.quick_submit:
            self._dispatch()
        else:
            self._wake.set()

    def keep_parsed(self, job_id: str, parsed: Any, size: int) -> None:
        """Hold the parsed instance of a job about to be queued, for its task (small instances only)."""
        if size <= KEEP_PARSED_MAX_BYTES:
            self._parsed[job_id] = parsed

    def drop_parsed(self, job_id: str) -> None:
        self._parsed.pop(job_id, None)

    # ------------------------------------------------------------ cancel, wait, log

    def cancel(self, job_id: str) -> None:
        """Stop a running job at once (the store already says `cancelled`)."""
        self.executor.cancel(job_id)

    async def wait(self, job_id: str, timeout: float) -> None:
        """Return when the job finishes or `timeout` passes (the caller re-reads the store either way)."""
        event = asyncio.Event()
        self._waiters.events.setdefault(job_id, []).append(event)
        try:
            record = self.store.get(job_id)
            if record is not None and record.terminal:
                return
            async with asyncio.timeout(timeout):  # no task of its own, unlike wait_for (one per waiting request)
                await event.wait()
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
        self.drop_parsed(job_id)
        self._wake_waiters(job_id)

    def log(self, job_id: str, text: str) -> None:
        """Append a line to the job's log (lines that came from a remote worker through the queue)."""
        with open(self.log_dir / f"{job_id}.log", "a") as log:
            log.write(log_line(text))

    def _wake_waiters(self, job_id: str) -> None:
        loop = self._waiters.loop
        if loop is None or loop.is_closed():
            return

        def wake() -> None:
            for event in self._waiters.events.get(job_id, []):
                event.set()

        loop.call_soon_threadsafe(wake)

    # ------------------------------------------------------------ dispatch and record

    def _dispatch_loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(timeout=1.0)
            self._wake.clear()
            self._dispatch()

    def _dispatch(self) -> None:
        """Claim queued jobs while the executor has room, and hand each over."""
        with self._dispatching:
            while not self._stop.is_set() and self.executor.free() > 0:
                job = self.store.claim_next()
                if job is None:
                    break
                try:
                    self.executor.submit(self._task(job))
                except Exception as exc:  # a job we cannot even hand over fails alone; the service lives on
                    logger.exception("could not start job %s", job.id)
                    self.store.finish(job.id, JobState.FAILED, reason="error", message=f"could not start: {exc}")
                    self._wake_waiters(job.id)

    def _task(self, job: JobRecord) -> Task:
        instance, parsed = self.store.instance(job.id), self._parsed.pop(job.id, None)
        return Task(job.id, job.attempts, job.kind, job.format, instance, job.options, self.memory_limit_mb, parsed)

    def _report(self, task: Task, outcome: Outcome) -> None:
        """From executor threads: fill the freed slot, then record the outcome, both from this thread.

        The outcome is committed but not waited to disk here: a request waiting on the job awaits the group commit's
        fsync before it answers (`Store.durable`), so no thread blocks on the disk and the slot goes back to work.
        """
        self._dispatch()  # the next job starts now, while this one's outcome is written
        try:
            with self.store.batch(durable=False):
                self._record(task, outcome)
        except Exception:  # one bad outcome must not stop the slot, nor lose the others
            logger.exception("could not record the outcome of job %s", task.job_id)
        self._wake_waiters(task.job_id)

    def _record(self, task: Task, outcome: Outcome) -> None:
        record = self.store.get(task.job_id)
        if record is None or record.attempts != task.attempt:
            return  # a late report of an earlier attempt
        kind, payload = outcome
        state, status = JobState.FAILED, None
        if kind == "cancelled":
            state = JobState.CANCELLED
        elif kind == "timeout":
            state, status = JobState.DONE, "unknown"
            self.store.finish(task.job_id, state, status, TIMEOUT_ANSWER)
        elif kind == "ok":
            state, status = JobState.DONE, str(payload.get("status"))
            self.store.finish(task.job_id, state, status, payload)
        elif kind == "error":
            error = {k: v for k, v in payload.items() if k != "reason" and v is not None}
            self.store.finish(task.job_id, state, reason=payload["reason"], message=payload["message"],
                              result={"error": error})  # fmt: skip
        elif kind == "lost":
            state = self.store.interrupt(task.job_id, str(payload))
        else:  # "crashed"
            self.store.finish(task.job_id, state, reason="crashed", message=str(payload))
        if self.on_finish is not None and state is not JobState.QUEUED:
            elapsed = time.time() - (record.started_at or time.time())
            self.on_finish(record, state, status, elapsed)
