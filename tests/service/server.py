"""Start the real server (`latentsat serve` in a subprocess on a free loopback port) for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.cluster import alive, children_of, descendants  # noqa: F401 (re-exported for the tests)

KEY_A, KEY_B = "key-a-7f3c", "key-b-91d2"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    db: Path
    log: Path

    def kill_9(self) -> None:
        """SIGKILL the server and everything in its process group (fork server, jobs), as a crash would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def start_server(db: Path, env: dict[str, str] | None = None, workers: int = 2, port: int | None = None) -> Server:
    port = port or free_port()
    log = db.with_suffix(f".{port}.log")
    command = [sys.executable, "-m", "latentsat.cli", "serve", "--port", str(port), "--db", str(db)]
    command += ["--workers", str(workers), "--log-level", "warning"]
    full_env = {**os.environ, **(env or {})}
    with open(log, "ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=full_env, start_new_session=True)
    server = Server(f"http://127.0.0.1:{port}", process, db, log)
    wait_healthy(server)
    return server


def wait_healthy(server: Server, timeout: float = 60.0) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited: {server.log.read_text()}")
        try:
            if httpx.get(server.url + "/healthz", timeout=1.0).status_code == 200:
                return time.perf_counter() - start
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"server not healthy after {timeout} s: {server.log.read_text()}")


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGINT)
        with suppress(subprocess.TimeoutExpired):
            server.process.wait(timeout=15)
    if server.process.poll() is None or _group_alive(server.process.pid):
        with suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@contextmanager
def running_server(db: Path, env: dict[str, str] | None = None, workers: int = 2) -> Iterator[Server]:
    server = start_server(db, env, workers)
    try:
        yield server
    finally:
        stop_server(server)


def job_pid(client: Any, job_id: str) -> int:
    """The pid of the process that runs the job, from the job's log (a `service.client.Client`)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for line in client.log(job_id)["text"].splitlines():
            if "job process" in line:
                return int(line.split("job process ")[1].split(":")[0])
        time.sleep(0.05)
    raise AssertionError("the job never logged its process id")
