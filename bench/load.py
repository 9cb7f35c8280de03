"""Load test of the HTTP service, and the service's targets S1-S4 (issue 15), each one command.

C concurrent clients (one aiohttp session; `pip install -e '.[bench]'`) POST small planted instances with `?wait=`:
closed loop (each client sends its next request when the last one is answered), or paced at `--rate` jobs/s in all
(latency counted from the planned send time, so a slow server cannot hide its queue). Besides throughput and latency
percentiles it reports CPU milliseconds per answered job: the API process's own, its workers' (every process below
it, reaped ones included), and the load client's (it shares the machine). These depend much less on how loaded the
machine is than the wall times; each row prints the 1-minute load average at its start.

    python bench/load.py --scenario s1 --clients 32 --seconds 20   # process per job vs warm workers, one run
    python bench/load.py --scenario s1 --rate 200                 # the same, paced at 200 jobs/s
    python bench/load.py --scenario s1 --pairs 2 --port 18800     # process, warm, process, warm (a loaded machine)
    python bench/load.py --scenario s2                            # API + Redis + 2 workers; cancel of a hard job
    python bench/load.py --scenario s3                            # kill -9 of a worker during 30 jobs
    python bench/load.py --scenario s4                            # a 200-run bench sweep over 2 workers, rerun
    python bench/load.py --server http://127.0.0.1:8000 --clients 8 --seconds 10   # a running server
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import psutil

from bench.cluster import start_api
from problems.generate import planted_partition


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    codes: dict[int, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    wall: float = 0.0
    api_cpu_s: float = float("nan")
    worker_cpu_s: float = float("nan")
    client_cpu_s: float = float("nan")
    load: float = float("nan")


def instances(count: int, size: int, groups: int, classes: int, factor: float) -> list[dict[str, Any]]:
    return [
        planted_partition(groups, size, classes, 2, factor=factor, seed=seed)[0].to_json_dict() for seed in range(count)
    ]


async def client_loop(
    http: aiohttp.ClientSession, bodies: list[bytes], offset: int, deadline: float, args: argparse.Namespace,
    tally: Tally,
) -> None:  # fmt: skip
    """One client: closed loop, or one request every `clients / rate` seconds when `args.rate` is set."""
    interval = args.clients / args.rate if args.rate else 0.0
    planned = time.perf_counter() + (offset * interval / args.clients if interval else 0.0)
    i = offset
    while time.monotonic() < deadline:
        if interval:
            await asyncio.sleep(max(0.0, planned - time.perf_counter()))
        start = planned if interval else time.perf_counter()
        planned += interval
        body = bodies[i % len(bodies)]
        i += 1
        try:
            async with http.post("/v1/jobs", params={"wait": str(args.wait)}, data=body) as response:
                payload = await response.read()
        except (aiohttp.ClientError, TimeoutError):
            tally.errors += 1
            continue
        tally.latencies.append(time.perf_counter() - start)
        tally.codes[response.status] = tally.codes.get(response.status, 0) + 1
        if response.status == 200:
            status = str(json.loads(payload).get("status"))
            tally.statuses[status] = tally.statuses.get(status, 0) + 1


def request_bodies(pool: list[dict[str, Any]], wait: float) -> list[bytes]:
    """The POST bodies, encoded once: the client's CPU goes to HTTP, not to re-encoding the same JSON."""
    return [
        json.dumps({"kind": "partition", "instance": instance, "options": {"time_limit": wait}}).encode()
        for instance in pool
    ]


async def _load(url: str, pool: list[dict[str, Any]], args: argparse.Namespace, tally: Tally, seconds: float) -> None:
    # aiohttp: its client costs ~0.1 ms of CPU per request here, httpx's ~2 ms, on the cores the server needs.
    headers = {"Content-Type": "application/json"}
    if args.api_key:
        headers["Authorization"] = f"Bearer {args.api_key}"
    connector = aiohttp.TCPConnector(limit=args.clients)
    timeout = aiohttp.ClientTimeout(total=args.wait + 30)
    bodies = request_bodies(pool, args.wait)
    async with aiohttp.ClientSession(url, headers=headers, connector=connector, timeout=timeout) as http:
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(client_loop(http, bodies, c, deadline, args, tally) for c in range(args.clients)))


def run_load(url: str, pool: list[dict[str, Any]], args: argparse.Namespace, server_pids: list[int]) -> Tally:
    """The load against `url` for `args.seconds`, after `args.warmup` seconds of the same load that are not counted
    (workers still importing, caches filling); `server_pids` are the roots whose process trees' CPU time is the
    server side's (the first root's own CPU is the API's, the rest the workers')."""
    if args.warmup > 0:
        asyncio.run(_load(url, pool, args, Tally(), args.warmup))
    tally = Tally(load=os.getloadavg()[0])
    before = tree_cpu_s(server_pids)
    start, client_before = time.perf_counter(), time.process_time()
    asyncio.run(_load(url, pool, args, tally, args.seconds))
    tally.wall = time.perf_counter() - start
    tally.client_cpu_s = time.process_time() - client_before
    if server_pids:
        after = tree_cpu_s(server_pids)
        tally.api_cpu_s, tally.worker_cpu_s = after[0] - before[0], after[1] - before[1]
    return tally


def tree_cpu_s(roots: list[int]) -> tuple[float, float]:
    """CPU seconds used so far: by the first root itself, and by every other process under `roots` (live ones,
    and the reaped children that their parents have waited for)."""
    own = others = 0.0
    for index, root in enumerate(roots):
        try:
            processes = [psutil.Process(root), *psutil.Process(root).children(recursive=True)]
        except psutil.Error:
            continue
        for process in processes:
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            if index == 0 and process.pid == root:
                own += times.user + times.system
                others += times.children_user + times.children_system
            else:
                others += times.user + times.system + times.children_user + times.children_system
    return own, others


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))] if ordered else float("nan")


HEADER = [
    "setup", "load avg", "requests", "200", "other", "errors", "jobs/s", "p50 ms", "p90 ms", "p99 ms", "max ms",
    "cpu ms/job", "api", "workers", "client",
]  # fmt: skip


def row(name: str, tally: Tally) -> list[str]:
    """One table row; the CPU columns are milliseconds per answered job (server = api + workers)."""
    done = tally.codes.get(200, 0)
    ms = [1000 * x for x in tally.latencies]
    other = sum(n for code, n in tally.codes.items() if code != 200)
    per_job = [1000 * cpu / done if done else float("nan") for cpu in (tally.api_cpu_s, tally.worker_cpu_s)]
    client = 1000 * tally.client_cpu_s / done if done else float("nan")
    cells = [name, f"{tally.load:.1f}", str(len(ms)), str(done), str(other), str(tally.errors)]
    cells += [f"{done / tally.wall:.1f}", *(f"{percentile(ms, q):.0f}" for q in (0.5, 0.9, 0.99))]
    cells += [f"{max(ms, default=0):.0f}", f"{sum(per_job):.1f}"]
    return cells + [f"{x:.1f}" for x in (*per_job, client)]


def print_table(rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(len(HEADER))]
    for cells in [HEADER, *rows]:
        print("  ".join(cell.rjust(width) for cell, width in zip(cells, widths, strict=True)))


def setup_line(args: argparse.Namespace, n_samples: int) -> str:
    mode = f"paced at {args.rate:g} jobs/s" if args.rate else "closed loop"
    load = os.getloadavg()[0]
    return (
        f"load: {args.clients} clients, {mode}, {args.seconds:g} s each after {args.warmup:g} s of warm-up, "
        f"?wait={args.wait:g}, planted N={args.size} "
        f"I={args.groups} K={args.classes} (~{n_samples} samples each); {os.cpu_count()} CPUs, "
        f"load average {load:.1f} at start ({'loaded' if load > 1.5 else 'quiet'})"
    )


def s1(args: argparse.Namespace, pool: list[dict[str, Any]]) -> list[list[str]]:
    """The same load against a server with a process per job and one with warm workers, alternating `pairs` times
    (old, new, old, new, ...), so a machine shared with other work loads both alike."""
    rows = []
    for _ in range(args.pairs):
        for mode in ("process", "warm"):
            directory = Path(tempfile.mkdtemp(prefix=f"latentsat-s1-{mode}-"))
            api, url = start_api(directory, workers=args.workers, pool=mode, port=args.port)
            try:
                rows.append(row(f"{mode} ({args.workers} workers)", run_load(url, pool, args, [api.pid])))
            finally:
                api.stop()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", choices=["load", "s1", "s2", "s3", "s4"], default="load")
    parser.add_argument("--server", default=None, help="URL of a running server (default: start one)")
    parser.add_argument("--server-pid", type=int, default=None, help="its API process, to count the CPU it uses")
    parser.add_argument("--workers", type=int, default=2, help="job processes of a started server")
    parser.add_argument("--pool", choices=["warm", "process"], default="warm", help="the started server's pool")
    parser.add_argument("--port", type=int, default=None, help="port of a started server (default: a free one)")
    parser.add_argument("--pairs", type=int, default=1, help="s1: rounds of (process, warm), alternating")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of the same load before the clock starts")
    parser.add_argument("--rate", type=float, default=None, help="pace the clients at this many jobs/s in all")
    parser.add_argument("--wait", type=float, default=10.0, help="`?wait=` of each request, and the time limit")
    parser.add_argument("--size", type=int, default=30, help="N, tokens per group")
    parser.add_argument("--groups", type=int, default=2, help="I")
    parser.add_argument("--classes", type=int, default=2, help="K")
    parser.add_argument("--factor", type=float, default=3.0, help="samples n = ceil(factor N ln N)")
    parser.add_argument("--api-key", default=os.environ.get("LATENTSAT_API_KEY"))
    args = parser.parse_args()
    pool = instances(64, args.size, args.groups, args.classes, args.factor)
    if args.scenario not in ("s3", "s4"):
        print(setup_line(args, len(pool[0]["samples"])))
    if args.scenario in ("s2", "s3", "s4"):
        from bench import scenarios

        getattr(scenarios, args.scenario)(args, pool)
        return
    if args.scenario == "s1":
        print_table(s1(args, pool))
        return
    if args.server:
        pids = [args.server_pid] if args.server_pid else []
        print_table([row(args.server, run_load(args.server, pool, args, pids))])
        return
    directory = Path(tempfile.mkdtemp(prefix="latentsat-load-"))
    api, url = start_api(directory, workers=args.workers, pool=args.pool, port=args.port)
    try:
        print_table([row(f"{args.pool} ({args.workers} workers)", run_load(url, pool, args, [api.pid]))])
    finally:
        api.stop()


if __name__ == "__main__":
    main()
