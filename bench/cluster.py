"""Start the pieces of a latentsat deployment on this machine, on 127.0.0.1 and free ports: a Redis server, the API
(`latentsat serve`, embedded or with `--queue`), and `latentsat worker` processes. Used by `bench/load.py` and by
the tests of the distributed mode.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_server_binary() -> str | None:
    """Debian's `redis-server` (or any on PATH); None when this machine has none."""
    return shutil.which("redis-server") or (
        "/usr/bin/redis-server" if os.access("/usr/bin/redis-server", os.X_OK) else None
    )


@dataclass
class Proc:
    """A process we started in its own session (so one killpg ends it and everything it forked)."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill_9(self) -> None:
        """SIGKILL this process alone, as a crash would (its children must notice by themselves)."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)


def spawn(name: str, command: list[str], directory: Path, env: dict[str, str] | None = None) -> Proc:
    log = directory / f"{name}.log"
    with open(log, "ab") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})}, start_new_session=True,
        )  # fmt: skip
    return Proc(name, process, log)


def start_redis(directory: Path) -> tuple[Proc, str]:
    """A throw-away Redis on a free loopback port, without persistence; returns it and its URL."""
    binary = redis_server_binary()
    if binary is None:
        raise RuntimeError("no redis-server on this machine (Debian: apt-get install redis-server)")
    port = free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    command += ["--dir", str(directory)]
    proc = spawn(f"redis-{port}", command, directory)
    url = f"redis://127.0.0.1:{port}/0"
    from service.queue import connect

    deadline = time.monotonic() + 20
    while True:
        try:
            connect(url).ping()
            return proc, url
        except Exception:
            if proc.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(proc.log.read_text()) from None
            time.sleep(0.05)


def start_api(
    directory: Path,
    workers: int = 2,
    queue: str | None = None,
    pool: str = "warm",
    env: dict[str, str] | None = None,
    port: int | None = None,
) -> tuple[Proc, str]:
    """`latentsat serve` on a fresh SQLite file (on `port`, default a free one); returns it and its URL once
    `/healthz` answers."""
    port = port or free_port()
    command = [sys.executable, "-m", "latentsat.cli", "serve", "--port", str(port), "--db", str(directory / "jobs.db")]
    command += ["--workers", str(workers), "--pool", pool, "--log-level", "warning"]
    if queue:
        command += ["--queue", queue]
    proc = spawn(f"api-{port}", command, directory, env)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(proc, url)
    return proc, url


def wait_healthy(proc: Proc, url: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.process.poll() is not None:
            raise RuntimeError(f"{proc.name} exited: {proc.log.read_text()}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url + "/healthz", timeout=1.0).status_code == 200:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{proc.name} not healthy after {timeout} s: {proc.log.read_text()}")


def start_worker(directory: Path, queue: str, name: str) -> Proc:
    """`latentsat worker --queue URL --name NAME`; returns once it heartbeats (its backends are imported)."""
    from service.queue import ALIVE, connect

    proc = spawn(name, [sys.executable, "-m", "latentsat.cli", "worker", "--queue", queue, "--name", name], directory)
    redis = connect(queue)
    deadline = time.monotonic() + 120
    while not redis.exists(ALIVE.format(name)):
        if proc.process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"worker {name} did not start: {proc.log.read_text()}")
        time.sleep(0.05)
    return proc


@dataclass
class Cluster:
    """Redis, the API with `--queue`, and named workers; `stop()` ends them all."""

    directory: Path
    redis: Proc
    queue: str
    api: Proc
    url: str
    workers: dict[str, Proc] = field(default_factory=dict)

    def add_worker(self, name: str) -> Proc:
        self.workers[name] = start_worker(self.directory, self.queue, name)
        return self.workers[name]

    def stop(self) -> None:
        for proc in [self.api, *self.workers.values(), self.redis]:
            proc.stop()


def start_cluster(directory: Path, workers: int = 2, env: dict[str, str] | None = None) -> Cluster:
    redis, queue = start_redis(directory)
    try:
        api, url = start_api(directory, workers=workers, queue=queue, env=env)
    except BaseException:
        redis.stop()
        raise
    cluster = Cluster(directory, redis, queue, api, url)
    try:
        for index in range(workers):
            cluster.add_worker(f"worker-{index + 1}")
    except BaseException:
        cluster.stop()
        raise
    return cluster


# ---------------------------------------------------------------- process trees, from /proc (Linux)


def children_of(pid: int) -> list[int]:
    """Live child pids of `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def descendants(pid: int) -> list[int]:
    """Every live process below `pid` (children, grandchildren, ...), from /proc."""
    found, frontier = [], [pid]
    while frontier:
        children = [child for parent in frontier for child in children_of(parent)]
        found += children
        frontier = children
    return found
