"""Targets S2-S4 of issue 15 on one machine: a Redis server, the API with `--queue` and two `latentsat worker`s,
all started here on 127.0.0.1 (see `bench/cluster.py`); run through `python bench/load.py --scenario sN`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.cluster import Cluster, alive, children_of, descendants, start_cluster
from bench.load import print_table, row, run_load
from problems.generate import planted_partition

TERMINAL = {"done", "failed", "cancelled"}


def _cluster(name: str) -> Cluster:
    return start_cluster(Path(tempfile.mkdtemp(prefix=f"latentsat-{name}-")), workers=2)


def _server_pids(cluster: Cluster) -> list[int]:
    return [cluster.api.pid, *(worker.pid for worker in cluster.workers.values()), cluster.redis.pid]


def hard_instance() -> dict[str, Any]:
    """3 groups of 400 tokens, binary labels, 2 N ln N samples: CaDiCaL runs for minutes on it."""
    return planted_partition(3, 400, 3, 2, factor=2.0, seed=1)[0].to_json_dict()


def _post(url: str, instance: dict[str, Any], time_limit: float) -> dict[str, Any]:
    body = {"kind": "partition", "instance": instance, "options": {"time_limit": time_limit}}
    response = httpx.post(url + "/v1/jobs", json=body, timeout=60)
    response.raise_for_status()
    return response.json()  # type: ignore[no-any-return]


def _horse(url: str, job_id: str, timeout: float = 60) -> int:
    """The pid of the work horse solving the job, once its solver process runs (from the job's log)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = httpx.get(f"{url}/v1/jobs/{job_id}/log", timeout=30).json()["text"]
        pids = [int(line.split("job process ")[1].split(":")[0]) for line in text.splitlines() if "job process" in line]
        if pids and children_of(pids[-1]):
            return pids[-1]
        time.sleep(0.05)
    raise RuntimeError(f"job {job_id} never started solving")


def s2(args: argparse.Namespace, pool: list[dict[str, Any]]) -> None:
    """The S1 load against API + Redis + 2 workers; then a hard job cancelled through the API."""
    cluster = _cluster("s2")
    try:
        time.sleep(1.0)
        print_table([row("redis, 2 workers", run_load(cluster.url, pool, args, _server_pids(cluster)))])
        job = _post(cluster.url, hard_instance(), 120)
        horse = _horse(cluster.url, job["id"])
        processes = [horse, *descendants(horse)]
        start = time.perf_counter()
        httpx.delete(f"{cluster.url}/v1/jobs/{job['id']}", timeout=30).raise_for_status()
        while any(map(alive, processes)) and time.perf_counter() - start < 10:
            time.sleep(0.005)
        gone = time.perf_counter() - start
        left = [pid for pid in processes if alive(pid)]
        print(f"cancel of a running hard job: its {len(processes)} processes on the worker gone after "
              f"{1000 * gone:.0f} ms (left: {left or 'none'})")  # fmt: skip
    finally:
        cluster.stop()


def s3(args: argparse.Namespace, pool: list[dict[str, Any]]) -> None:
    """30 jobs (20 small, 10 hard ones stopped at a 3 s limit), and `kill -9` of worker-2 while they run."""
    cluster = _cluster("s3")
    try:
        hard = hard_instance()
        jobs = [_post(cluster.url, *((pool[i], 20) if i % 3 else (hard, 3))) for i in range(30)]
        time.sleep(1.0)
        victim = cluster.workers["worker-2"]
        victim.kill_9()
        killed_at = time.perf_counter()
        print(f"kill -9 of worker-2 (pid {victim.pid}) 1 s after 30 submissions, load average {os.getloadavg()[0]:.1f}")
        states: dict[str, dict[str, Any]] = {}
        while time.perf_counter() - killed_at < 300:
            states = {j["id"]: httpx.get(f"{cluster.url}/v1/jobs/{j['id']}", timeout=30).json() for j in jobs}
            if all(s["state"] in TERMINAL for s in states.values()):
                break
            time.sleep(0.2)
        ended = time.perf_counter() - killed_at
        summary: dict[str, int] = {}
        for state in states.values():
            key = f"{state['state']}/{state.get('status') or state.get('reason')} attempts={state['attempts']}"
            summary[key] = summary.get(key, 0) + 1
        stuck = [i for i, s in states.items() if s["state"] not in TERMINAL]
        unexplained = [i for i, s in states.items() if s["state"] == "failed" and not s.get("reason")]
        print(f"all ended {ended:.1f} s after the kill: {json.dumps(summary, sort_keys=True)}")
        print(f"lost or stuck: {len(stuck)}; failed without a reason: {len(unexplained)}")
    finally:
        cluster.stop()


def s4(args: argparse.Namespace, pool: list[dict[str, Any]]) -> None:
    """`latentsat bench --suite sweep --solvers pysat,cpsat --queue ...` (200 runs) over 2 workers, then again."""
    cluster = _cluster("s4")
    out = Path(tempfile.mkdtemp(prefix="latentsat-s4-results-"))
    command = [sys.executable, "-m", "latentsat.cli", "bench", "--suite", "sweep", "--solvers", "pysat,cpsat"]
    command += ["--time-limit", "20", "--out", str(out), "--queue", cluster.queue]
    try:
        for attempt in ("first run", "rerun"):
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
            wall = time.perf_counter() - start
            records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
            statuses: dict[str, int] = {}
            for record in records:
                statuses[record["status"]] = statuses.get(record["status"], 0) + 1
            load = os.getloadavg()[0]
            print(f"{attempt}: exit {done.returncode}, {wall:.1f} s (load average {load:.1f}), "
                  f"{len(records)} runs recorded {statuses}")  # fmt: skip
            if done.returncode:
                print(done.stderr[-2000:])
        print(f"results in {out}; command: {' '.join(command)}")
    finally:
        cluster.stop()
