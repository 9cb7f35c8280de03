"""Load test of the HTTP service: C concurrent clients POST small planted instances with `?wait=` for S seconds.

Prints throughput and latency percentiles; with `--start` it also starts `latentsat serve` on a fresh SQLite file
and reports the start-up time to the first healthy `/healthz`.

    python bench/load.py --start --clients 32 --seconds 30          # N=30, I=2, K=2 planted instances
    python bench/load.py --server http://127.0.0.1:8000 --clients 8 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.cluster import Proc, start_api
from problems.generate import planted_partition


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    codes: dict[int, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    errors: int = 0


def instances(count: int, size: int, groups: int, classes: int, factor: float) -> list[dict[str, Any]]:
    return [
        planted_partition(groups, size, classes, 2, factor=factor, seed=seed)[0].to_json_dict() for seed in range(count)
    ]


async def client_loop(
    http: httpx.AsyncClient, pool: list[dict[str, Any]], offset: int, deadline: float, wait: float, tally: Tally
) -> None:
    i = offset
    while time.monotonic() < deadline:
        body = {"kind": "partition", "instance": pool[i % len(pool)], "options": {"time_limit": wait}}
        i += 1
        start = time.perf_counter()
        try:
            response = await http.post("/v1/jobs", params={"wait": wait}, json=body)
        except httpx.HTTPError:
            tally.errors += 1
            continue
        tally.latencies.append(time.perf_counter() - start)
        tally.codes[response.status_code] = tally.codes.get(response.status_code, 0) + 1
        if response.status_code == 200:
            status = str(response.json().get("status"))
            tally.statuses[status] = tally.statuses.get(status, 0) + 1


async def run_load(
    url: str, clients: int, seconds: float, wait: float, pool: list[dict[str, Any]], key: str | None
) -> Tally:
    tally = Tally()
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=wait + 30, limits=limits) as http:
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(client_loop(http, pool, c, deadline, wait, tally) for c in range(clients)))
    return tally


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))] if ordered else float("nan")


def start_server(workers: int, pool: str = "warm") -> tuple[Proc, str, float, Path]:
    """`latentsat serve` on a fresh DB; returns the process, URL, seconds to first healthy /healthz, and DB dir."""
    directory = Path(tempfile.mkdtemp(prefix="latentsat-load-"))
    start = time.perf_counter()
    proc, url = start_api(directory, workers=workers, pool=pool)
    return proc, url, time.perf_counter() - start, directory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default=None, help="URL of a running server (default: start one, as --start)")
    parser.add_argument("--start", action="store_true", help="start `latentsat serve` on a temporary DB")
    parser.add_argument("--workers", type=int, default=2, help="job processes of the started server")
    parser.add_argument("--pool", choices=["warm", "process"], default="warm", help="the started server's pool")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--wait", type=float, default=10.0, help="`?wait=` of each request, and the time limit")
    parser.add_argument("--size", type=int, default=30, help="N, tokens per group")
    parser.add_argument("--groups", type=int, default=2, help="I")
    parser.add_argument("--classes", type=int, default=2, help="K")
    parser.add_argument("--factor", type=float, default=3.0, help="samples n = ceil(factor N ln N)")
    parser.add_argument("--api-key", default=os.environ.get("LATENTSAT_API_KEY"))
    args = parser.parse_args()

    pool = instances(64, args.size, args.groups, args.classes, args.factor)
    process = None
    if args.server is None or args.start:
        process, url, startup, directory = start_server(args.workers, args.pool)
        print(f"start-up to first healthy /healthz: {startup:.2f} s (server log and DB in {directory})")
    else:
        url = args.server
    try:
        wall = time.perf_counter()
        tally = asyncio.run(run_load(url, args.clients, args.seconds, args.wait, pool, args.api_key))
        wall = time.perf_counter() - wall
    finally:
        if process is not None:
            process.stop()
    report(args, tally, wall, len(pool[0]["samples"]))


def report(args: argparse.Namespace, tally: Tally, wall: float, n_samples: int) -> None:
    done = tally.codes.get(200, 0)
    ms = [1000 * x for x in tally.latencies]
    other = sum(n for code, n in tally.codes.items() if code not in (200, 202))
    setup = (
        f"load: {args.clients} clients, {args.seconds:.0f} s, ?wait={args.wait:g}, "
        f"planted N={args.size} I={args.groups} K={args.classes} (~{n_samples} samples each), {os.cpu_count()} CPUs"
    )
    header = ["requests", "200", "202", "other", "errors", "jobs/s", "p50 ms", "p90 ms", "p99 ms", "max ms"]
    row = [len(ms), done, tally.codes.get(202, 0), other, tally.errors, f"{done / wall:.1f}"]
    row += [f"{percentile(ms, q):.0f}" for q in (0.5, 0.9, 0.99)] + [f"{max(ms, default=0):.0f}"]
    print(setup)
    print(" ".join(f"{h:>8}" for h in header))
    print(" ".join(f"{v!s:>8}" for v in row))
    print(f"answer statuses: {tally.statuses}")


if __name__ == "__main__":
    main()
