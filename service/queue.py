"""Scale-out on RQ + Redis: the API node puts tasks on a Redis queue; `latentsat worker` processes on any machine run
them; starts, log lines and outcomes come back on one Redis list, and cancels go out as RQ stop commands.

The API node stays the one writer of the job store (`Dispatcher` records what this executor reports). RQ forks a
work horse per job from the worker's warm process (every backend imported) in its own process group, and stops a
job by killing that group, which suits solvers that cannot be interrupted in-process. A worker that stops
heartbeating mid-job is reported `lost`: the job runs once more, then fails as `interrupted`.

Redis keys: `latentsat:events` (a list of JSON events), `latentsat:alive:<worker>` (a heartbeat, 3 s TTL),
`latentsat:cancelled:<attempt>` (a cancel that must hold even if the job starts later); RQ's queues `latentsat`
(service jobs) and `latentsat-bench` (benchmark runs).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.task import Outcome, Task, cap_memory, log_line, run_task

logger = logging.getLogger("latentsat.service")

QUEUE = "latentsat"
BENCH_QUEUE = "latentsat-bench"
EVENTS = "latentsat:events"
ALIVE = "latentsat:alive:{}"
CANCELLED = "latentsat:cancelled:{}"
HEARTBEAT_S = 1.0
ALIVE_TTL_MS = 3000  # a worker silent this long is gone
POLL_S = 0.25
VANISHED_CHECK_S = 5.0  # how often queued-but-unstarted jobs are looked for in Redis
VANISHED = "the queued job vanished from Redis"
MAX_IN_FLIGHT = 10_000  # the Redis queue is the queue: hand every claimed job over at once


class QueueUnreachable(Exception):
    """The Redis of `--queue` did not answer."""


def connect(url: str) -> Any:
    """A Redis client for `redis://HOST:PORT/DB`; raises ValueError on a malformed URL."""
    from redis import Redis

    return Redis.from_url(url, health_check_interval=30, socket_keepalive=True)


def check_reachable(url: str) -> None:
    """Raise ValueError for a malformed URL, QueueUnreachable when its Redis does not answer a PING."""
    from redis.exceptions import RedisError

    try:
        connect(url).ping()
    except RedisError as exc:
        raise QueueUnreachable(f"cannot reach {url}: {exc}") from exc


@dataclass
class Flight:
    """A task handed to Redis and not yet reported."""

    task: Task
    started: float | None = None  # monotonic seconds, when a worker said it started
    worker: str | None = None
    submitted: float = field(default_factory=time.monotonic)


class RedisExecutor:
    """The API side: enqueue tasks, follow their events, enforce time limits, notice lost workers, cancel."""

    quick_submit = False  # an RQ enqueue is a few round trips to Redis

    def __init__(self, url: str, hard_kill_grace_s: float, log_dir: Path) -> None:
        self.url, self.hard_kill_grace_s, self.log_dir = url, hard_kill_grace_s, log_dir
        self.redis = connect(url)
        self._workers, self._counted_at = 0, -1.0
        self._flights: dict[str, Flight] = {}
        self._stop_on_start: set[str] = set()  # attempts cancelled before a worker took them
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._report: Callable[[Task, Outcome], None] = lambda task, outcome: None

    @property
    def workers(self) -> int:
        """Live `latentsat worker`s (their heartbeat keys), counted at most once a second."""
        now = time.monotonic()
        if now - self._counted_at > 1.0:
            with contextlib.suppress(Exception):  # Redis away: say what we knew
                self._workers = sum(1 for _ in self.redis.scan_iter(match=ALIVE.format("*"), count=1000))
            self._counted_at = now
        return self._workers

    @property
    def busy(self) -> int:
        with self._lock:
            return sum(flight.started is not None for flight in self._flights.values())

    def start(self, report: Callable[[Task, Outcome], None]) -> None:
        from rq import Queue

        self._report = report
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.redis.ping()  # fail at start-up, not at the first job, when Redis is not there
        self.queue = Queue(QUEUE, connection=self.redis)
        self._thread = threading.Thread(target=self._follow, name="latentsat-redis-events", daemon=True)
        self._thread.start()

    def free(self) -> int:
        with self._lock:
            return MAX_IN_FLIGHT - len(self._flights)

    def submit(self, task: Task) -> None:
        with self._lock:
            self._flights[task.queue_id] = Flight(task)
        timeout = int(task.time_limit + self.hard_kill_grace_s) + 30  # RQ's own limit: only if this node is gone
        self.queue.enqueue(run_queued, task, job_id=task.queue_id, job_timeout=timeout, result_ttl=0, failure_ttl=3600)

    def cancel(self, job_id: str) -> None:
        flight = self._pop(job_id)
        if flight is not None:
            self._stop_remote(flight)
            self._report(flight.task, ("cancelled", None))

    def stop(self) -> list[Task]:
        """Stop following; cancel what runs remotely and give it back, to be queued again at the next start."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            flights = list(self._flights.values())
            self._flights.clear()
        for flight in flights:
            with contextlib.suppress(Exception):
                self._stop_remote(flight)
        return [flight.task for flight in flights]

    # ------------------------------------------------------------ remote control

    def _pop(self, job_id: str) -> Flight | None:
        with self._lock:
            key = next((k for k, f in self._flights.items() if f.task.job_id == job_id), None)
            return None if key is None else self._flights.pop(key)

    def _stop_remote(self, flight: Flight) -> None:
        """Kill the attempt's work horse if it runs; otherwise make sure it never does."""
        from rq.command import send_command
        from rq.job import Job

        queue_id = flight.task.queue_id
        self.redis.set(CANCELLED.format(queue_id), 1, ex=24 * 3600)
        if flight.worker is not None:
            send_command(self.redis, flight.worker, "stop-job", job_id=queue_id)
            return
        with self._lock:
            self._stop_on_start.add(queue_id)
        with contextlib.suppress(Exception):  # gone from the queue already: the cancel key stops it at its start
            Job.fetch(queue_id, connection=self.redis).cancel()

    # ------------------------------------------------------------ events, deadlines, lost workers

    def _follow(self) -> None:
        redis = connect(self.url)
        next_check = next_vanished_check = 0.0
        while not self._stop.is_set():
            try:
                item = redis.blpop([EVENTS], timeout=POLL_S)
                if item is not None:
                    self._handle(json.loads(item[1]))
                now = time.monotonic()
                if now >= next_check:
                    self._check_flights(redis, vanished=now >= next_vanished_check)
                    next_check = now + POLL_S
                    next_vanished_check = now + VANISHED_CHECK_S if now >= next_vanished_check else next_vanished_check
            except Exception:  # Redis restarting, a malformed event: log, wait, go on
                logger.exception("while following the Redis queue")
                self._stop.wait(1.0)

    def _drain(self, redis: Any) -> None:
        while (item := redis.lpop(EVENTS)) is not None:
            self._handle(json.loads(item))

    def _handle(self, event: dict[str, Any]) -> None:
        queue_id = event["attempt"]
        if event["type"] == "started" and queue_id in self._stop_on_start:
            from rq.command import send_command

            self._stop_on_start.discard(queue_id)
            send_command(self.redis, event["worker"], "stop-job", job_id=queue_id)
            return
        with self._lock:
            flight = self._flights.get(queue_id)
            if flight is None:
                return  # an attempt this node no longer follows (cancelled, timed out, or from before a restart)
            if event["type"] == "outcome":
                del self._flights[queue_id]
        if event["type"] == "started":
            flight.started, flight.worker = time.monotonic(), event["worker"]
        elif event["type"] == "log":
            with open(self.log_dir / f"{flight.task.job_id}.log", "a") as log:
                log.write(event["line"])
        elif event["type"] == "outcome":
            self._report(flight.task, tuple(event["outcome"]))  # type: ignore[arg-type]

    def _check_flights(self, redis: Any, vanished: bool) -> None:
        """Time out overdue attempts; report as `lost` those whose worker stopped heartbeating, and (when
        `vanished`) queued ones that are no longer in Redis at all."""
        from rq.job import Job

        with self._lock:
            flights = list(self._flights.values())
        now = time.monotonic()
        suspects: list[tuple[Flight, Outcome]] = []
        started = [f for f in flights if f.started is not None]
        workers = sorted({str(f.worker) for f in started})
        alive = dict(zip(workers, redis.mget([ALIVE.format(w) for w in workers]), strict=True)) if workers else {}
        for flight in started:
            assert flight.started is not None
            if now - flight.started > flight.task.time_limit + self.hard_kill_grace_s:
                suspects.append((flight, ("timeout", None)))
            elif alive[str(flight.worker)] is None:
                suspects.append((flight, ("lost", f"worker {flight.worker} stopped answering")))
        waiting = [f for f in flights if f.started is None and now - f.submitted > VANISHED_CHECK_S] if vanished else []
        if waiting:
            with redis.pipeline(transaction=False) as pipe:
                for flight in waiting:
                    pipe.exists(Job.key_for(flight.task.queue_id))
                found = pipe.execute()
            gone: Outcome = ("lost", VANISHED)
            suspects += [(flight, gone) for flight, exists in zip(waiting, found, strict=True) if not exists]
        if suspects:
            self._drain(redis)  # what a worker said before the suspicion arose settles it first
        for flight, outcome in suspects:
            if outcome[1] == VANISHED and flight.started is not None:
                continue  # it had started after all
            if self._pop(flight.task.job_id) is flight:
                if outcome[0] == "timeout":
                    self._stop_remote(flight)
                self._report(flight.task, outcome)


# ---------------------------------------------------------------- the worker side


def run_queued(task: Task) -> None:
    """The RQ job, run in a work horse: report the start, solve in this process, send log lines and the outcome."""
    from rq import get_current_job

    from solvers.child import die_with_parent

    die_with_parent()  # the horse dies with its worker (kill -9 of the worker included)
    redis = get_current_job().connection
    if redis.exists(CANCELLED.format(task.queue_id)):
        return
    worker = os.environ.get("RQ_WORKER_ID", "?")
    _push(redis, task, "started", worker=worker, pid=os.getpid())
    _push(redis, task, "log", line=log_line(f"attempt {task.attempt}: starting on worker {worker}"))
    cap_memory(task.memory_limit_mb)
    outcome = run_task(task, lambda text: _push(redis, task, "log", line=log_line(text)))
    _push(redis, task, "outcome", outcome=list(outcome))


def _push(redis: Any, task: Task, kind: str, **data: Any) -> None:
    redis.rpush(EVENTS, json.dumps({"type": kind, "attempt": task.queue_id, **data}))


def _horse_killed(job: Any, retpid: int, ret_val: int, rusage: Any) -> None:
    """The work horse died without reporting (a signal, the kernel's OOM killer): report a crash for it."""
    task = job.args[0] if job.args else None
    if isinstance(task, Task):
        message = f"the work horse died (wait status {ret_val})"
        _push(job.connection, task, "outcome", outcome=["crashed", message])


def run_worker(url: str, name: str | None = None, burst: bool = False) -> None:
    """`latentsat worker`: import every backend once, heartbeat, and run jobs of both queues until stopped."""
    import gc

    from rq import Queue, Worker

    from service.task import warm_up

    warm_up()
    gc.collect()
    gc.freeze()  # imported objects out of the collector's reach: a forked work horse does not copy their pages
    redis = connect(url)
    queues = [Queue(QUEUE, connection=redis), Queue(BENCH_QUEUE, connection=redis)]
    worker = Worker(queues, connection=redis, name=name, work_horse_killed_handler=_horse_killed)
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(url, worker.name, stop), name="latentsat-heartbeat", daemon=True)
    beat.start()
    try:
        worker.work(burst=burst, with_scheduler=False, logging_level="WARNING")
    finally:
        stop.set()
        beat.join(timeout=5)
        with contextlib.suppress(Exception):
            redis.delete(ALIVE.format(worker.name))


def _heartbeat(url: str, name: str, stop: threading.Event) -> None:
    redis = connect(url)
    while not stop.is_set():
        with contextlib.suppress(Exception):  # a Redis blip: the next beat comes in a second
            redis.set(ALIVE.format(name), os.getpid(), px=ALIVE_TTL_MS)
        stop.wait(HEARTBEAT_S)
