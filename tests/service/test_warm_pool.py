"""Warm workers: jobs run in long-lived worker processes, which are killed and replaced at once on a cancel."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

from service.client import Client
from tests.service.server import KEY_A, Server, alive, children_of, job_pid, running_server


def test_jobs_reuse_warm_workers_and_a_cancelled_one_is_replaced(
    server: Server, small_instance: dict[str, Any], long_instance: dict[str, Any]
) -> None:
    with Client(server.url, api_key=KEY_A) as client:
        pids = {job_pid(client, client.submit(small_instance, wait=30)["id"]) for _ in range(6)}
        assert len(pids) <= 2 and all(pid in children_of(server.process.pid) for pid in pids)  # the 2 workers
        hard = client.submit(long_instance, options={"backend": "pysat", "time_limit": 120})
        victim = job_pid(client, hard["id"])
        assert victim in pids
        client.cancel(hard["id"])
        deadline = time.monotonic() + 5
        while alive(victim) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not alive(victim)
        after = {job_pid(client, client.submit(small_instance, wait=60)["id"]) for _ in range(6)}
        assert victim not in after and len(children_of(server.process.pid)) >= 2  # replaced, still two workers
        assert client.submit(small_instance, wait=60)["status"] == "solved"


def test_a_worker_that_died_while_idle_is_replaced_before_the_next_job(
    server: Server, small_instance: dict[str, Any]
) -> None:
    with Client(server.url, api_key=KEY_A) as client:
        pid = job_pid(client, client.submit(small_instance, wait=30)["id"])
        os.kill(pid, signal.SIGKILL)  # as the kernel's OOM killer would, between two jobs
        time.sleep(1.0)
        answers = [client.submit(small_instance, wait=60) for _ in range(4)]
    assert all(a["state"] == "done" and a["status"] == "solved" for a in answers), answers


def test_a_worker_retires_after_its_job_count_and_its_successor_warms_up_meanwhile(
    tmp_path: Path, small_instance: dict[str, Any]
) -> None:
    env = {"LATENTSAT_API_KEYS": KEY_A, "LATENTSAT_MAX_JOBS_PER_WORKER": "2"}
    pids: list[int] = []
    most_processes = 0
    with running_server(tmp_path / "jobs.db", env, workers=1) as server, Client(server.url, api_key=KEY_A) as client:
        deadline = time.monotonic() + 120
        while len(set(pids)) < 3 and time.monotonic() < deadline:  # the old worker serves while its spare imports
            answer = client.submit(small_instance, wait=60)
            assert answer["state"] == "done" and answer["status"] == "solved", answer
            pids.append(job_pid(client, answer["id"]))
            most_processes = max(most_processes, len(children_of(server.process.pid)))
        workers = children_of(server.process.pid)
    assert len(set(pids)) >= 3, pids  # retired twice, each time handed over to its successor
    assert most_processes <= 2  # the serving worker and at most one spare, never a pile of them
    assert not any(map(alive, [*pids, *workers])), "a worker or its spare outlived the server"
