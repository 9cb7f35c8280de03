"""`latentsat bench --queue redis://...`: the same runs, fanned out to `latentsat worker`s through RQ.

Each run not yet in `results.jsonl` goes on the `latentsat-bench` queue as `run_job(job, limits)`, the harness
function a local run uses, so a worker measures it exactly as this machine would (fresh process, limits, tree
usage). This process stays the one writer of `results.jsonl`: it appends each record as it comes back, so an
interrupted sweep resumes like a local one. A run whose worker is lost goes back on the queue once; a run that fails
in RQ is left unrecorded for the next rerun.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.runner import RESULTS_FILE, Job, RunLimits, load_records, run_job
from service.queue import ALIVE, BENCH_QUEUE, connect

POLL_S = 0.2
RESULT_TTL_S = 24 * 3600


def run_jobs_remote(
    jobs: list[Job],
    out_dir: Path,
    limits: RunLimits,
    on_done: Callable[[Job, dict[str, Any] | None], None],
    url: str,
) -> int:
    """Like `run_jobs`, on the workers of the Redis at `url`; returns how many runs were recorded now."""
    from rq import Queue

    out_dir.mkdir(parents=True, exist_ok=True)
    done = {record["key"] for record in load_records(out_dir)}
    redis = connect(url)
    queue = Queue(BENCH_QUEUE, connection=redis)
    pending: dict[str, tuple[Job, int]] = {}  # rq id → (run, times enqueued)
    for job in jobs:
        if job.key in done:
            on_done(job, None)
        else:
            pending[_enqueue(queue, job, limits)] = (job, 1)
    recorded = 0
    with (out_dir / RESULTS_FILE).open("a") as sink:
        while pending:
            time.sleep(POLL_S)
            for rq_id, record in _collect(redis, queue, pending, limits):
                job, _ = pending.pop(rq_id)
                if record is not None:
                    sink.write(json.dumps(record) + "\n")
                    sink.flush()
                    recorded += 1
                on_done(job, record)
    return recorded


def _enqueue(queue: Any, job: Job, limits: RunLimits) -> str:
    timeout = int(limits.kill_after) + 60
    rq_job = queue.enqueue(run_job, job, limits, job_timeout=timeout, result_ttl=RESULT_TTL_S, failure_ttl=RESULT_TTL_S)
    return str(rq_job.id)


def _collect(
    redis: Any, queue: Any, pending: dict[str, tuple[Job, int]], limits: RunLimits
) -> list[tuple[str, dict[str, Any] | None]]:
    """The runs that ended since the last look: (rq id, record or None when it failed in RQ)."""
    from rq.job import Job as RqJob
    from rq.job import JobStatus

    ended: list[tuple[str, dict[str, Any] | None]] = []
    ids = list(pending)
    for rq_id, rq_job in zip(ids, RqJob.fetch_many(ids, connection=redis), strict=True):
        status = rq_job.get_status(refresh=False) if rq_job is not None else None
        if status == JobStatus.FINISHED:
            ended.append((rq_id, rq_job.return_value()))
        elif status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED) or rq_job is None:
            ended.append((rq_id, None))
        elif status == JobStatus.STARTED and not redis.exists(ALIVE.format(rq_job.worker_name)):
            job, times = pending.pop(rq_id)  # its worker is gone: once more on another one
            if times < 2:
                pending[_enqueue(queue, job, limits)] = (job, times + 1)
            else:
                pending[rq_id] = (job, times)
                ended.append((rq_id, None))
    return ended
