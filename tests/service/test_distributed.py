"""The distributed mode against a real Redis server, the API with `--queue` and two real `latentsat worker`
processes, all on 127.0.0.1: jobs run on both workers, a cancel kills the job on its worker within a second, the
time limit holds, and a worker killed mid-job loses nothing (the job runs once more, then fails as `interrupted`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bench.cluster import Cluster, redis_server_binary, start_cluster
from tests.service.server import alive, children_of

pytestmark = pytest.mark.skipif(
    redis_server_binary() is None, reason="no redis-server binary on this machine (Debian package redis-server)"
)
TERMINAL = {"done", "failed", "cancelled"}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    running = start_cluster(tmp_path_factory.mktemp("cluster"), workers=2)
    try:
        yield running
    finally:
        running.stop()


def post(url: str, instance: dict[str, Any], wait: float | None = None, **options: Any) -> dict[str, Any]:
    params = {"wait": wait} if wait is not None else {}
    body = {"kind": "partition", "instance": instance, "options": options}
    response = httpx.post(url + "/v1/jobs", json=body, params=params, timeout=60)
    assert response.status_code in (200, 202), response.text
    return response.json()  # type: ignore[no-any-return]


def job(url: str, job_id: str) -> dict[str, Any]:
    return httpx.get(f"{url}/v1/jobs/{job_id}", timeout=30).json()  # type: ignore[no-any-return]


def log_text(url: str, job_id: str) -> str:
    return str(httpx.get(f"{url}/v1/jobs/{job_id}/log", timeout=30).json()["text"])


def wait_for(predicate: Any, timeout: float, step: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"not within {timeout} s")


def running_on(url: str, job_id: str, attempt: int = 1) -> tuple[str, int]:
    """(worker name, work horse pid) of the job's attempt, from its log, once its solver process runs."""

    def found() -> tuple[str, int] | None:
        lines = log_text(url, job_id).splitlines()
        starts = [i for i, line in enumerate(lines) if f"attempt {attempt}: starting on worker" in line]
        if not starts:
            return None
        rest = lines[starts[-1] :]
        pids = [int(line.split("job process ")[1].split(":")[0]) for line in rest if "job process" in line]
        if not pids or not children_of(pids[0]):
            return None
        return rest[0].rsplit(" ", 1)[1], pids[0]

    return wait_for(found, 60)  # type: ignore[no-any-return]


def test_jobs_run_on_both_workers(cluster: Cluster, small_instance: dict[str, Any]) -> None:
    jobs = [post(cluster.url, small_instance, time_limit=20) for _ in range(12)]
    done = [wait_for(lambda j=j: (got := job(cluster.url, j["id"]))["state"] in TERMINAL and got, 60) for j in jobs]
    assert {j["state"] for j in done} == {"done"} and {j["status"] for j in done} == {"solved"}
    workers = {line.rsplit(" ", 1)[1] for j in jobs for line in log_text(cluster.url, j["id"]).splitlines()
               if "starting on worker" in line}  # fmt: skip
    assert workers == {"worker-1", "worker-2"}
    answer = post(cluster.url, small_instance, wait=30, time_limit=20)
    assert answer["state"] == "done" and answer["result"]["classes"]
    assert httpx.get(cluster.url + "/healthz", timeout=30).json()["workers"] == 2  # the live workers


def test_a_cancelled_job_is_gone_from_its_worker_within_a_second(
    cluster: Cluster, long_instance: dict[str, Any]
) -> None:
    submitted = post(cluster.url, long_instance, backend="pysat", time_limit=120)
    _, horse = running_on(cluster.url, submitted["id"])
    solvers = children_of(horse)
    start = time.monotonic()
    cancelled = httpx.delete(f"{cluster.url}/v1/jobs/{submitted['id']}", timeout=30).json()
    assert cancelled["was"] == "running" and cancelled["state"] == "cancelled"
    wait_for(lambda: not alive(horse) and not any(map(alive, solvers)), 5, step=0.01)
    assert time.monotonic() - start <= 1.0
    assert job(cluster.url, submitted["id"])["state"] == "cancelled"


def test_the_time_limit_holds_on_a_worker(cluster: Cluster, long_instance: dict[str, Any]) -> None:
    submitted = post(cluster.url, long_instance, backend="pysat", time_limit=3)
    ended = wait_for(lambda: (got := job(cluster.url, submitted["id"]))["state"] in TERMINAL and got, 60)
    assert ended["state"] == "done" and ended["status"] == "unknown"
    assert ended["finished_at"] - ended["started_at"] <= 3 + 5 + 1  # the limit, the hard-kill grace, transport


def test_a_worker_lost_twice_fails_the_job_as_interrupted(
    tmp_path_factory: pytest.TempPathFactory, long_instance: dict[str, Any], small_instance: dict[str, Any]
) -> None:
    lossy = start_cluster(tmp_path_factory.mktemp("lossy"), workers=2)
    try:
        submitted = post(lossy.url, long_instance, backend="pysat", time_limit=300)
        for attempt in (1, 2):
            name, horse = running_on(lossy.url, submitted["id"], attempt)
            lossy.workers[name].kill_9()
            wait_for(lambda h=horse: not alive(h), 5)  # the work horse dies with its worker
            if attempt == 1:
                lossy.add_worker("worker-3")
        failed = wait_for(lambda: (got := job(lossy.url, submitted["id"]))["state"] in TERMINAL and got, 30)
        assert failed["state"] == "failed" and failed["reason"] == "interrupted" and failed["attempts"] == 2
        lossy.add_worker("worker-4")
        after = post(lossy.url, small_instance, wait=30, time_limit=20)
        assert after["state"] == "done" and after["status"] == "solved"
    finally:
        lossy.stop()


def test_bench_fans_out_to_the_workers_and_resumes(cluster: Cluster, tmp_path: Any) -> None:
    import subprocess
    import sys

    command = [sys.executable, "-m", "latentsat.cli", "bench", "--suite", "tiny", "--solvers", "pysat,cpsat"]
    command += ["--time-limit", "20", "--out", str(tmp_path), "--queue", cluster.queue]
    first = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    results = tmp_path / "results.jsonl"
    records = [json.loads(line) for line in results.read_text().splitlines()]
    assert len(records) == 8 and {r["status"] for r in records} == {"solved"}
    assert all(r["verified"] and r["peak_tree_rss_mb"] > 0 and r["cpu_tree_s"] > 0 for r in records)
    before = results.read_bytes()
    again = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert results.read_bytes() == before  # every run was recorded already: none ran again


def test_a_queued_job_that_vanished_from_redis_is_queued_again(
    tmp_path_factory: pytest.TempPathFactory, small_instance: dict[str, Any]
) -> None:
    from bench.cluster import Cluster, start_api, start_redis
    from service.queue import QUEUE, connect

    directory = tmp_path_factory.mktemp("vanished")
    redis_proc, queue = start_redis(directory)
    bare = Cluster(directory, redis_proc, queue, *start_api(directory, queue=queue))  # no worker yet
    try:
        submitted = post(bare.url, small_instance, time_limit=20)
        redis = connect(queue)
        wait_for(lambda: redis.exists(f"rq:job:{submitted['id']}-1"), 10)
        redis.delete(f"rq:job:{submitted['id']}-1", f"rq:queue:{QUEUE}")  # as a Redis restarted without its data
        wait_for(lambda: job(bare.url, submitted["id"])["attempts"] == 2, 30, step=0.2)
        bare.add_worker("late")
        ended = wait_for(lambda: (got := job(bare.url, submitted["id"]))["state"] in TERMINAL and got, 60)
        assert ended["state"] == "done" and ended["status"] == "solved" and ended["attempts"] == 2
    finally:
        bare.stop()
