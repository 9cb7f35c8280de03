"""Client retries against the real server: a 429 is retried after `Retry-After` and a refused connection after a
backoff, for repeatable calls (GET, DELETE, POST with an Idempotency-Key) only; other POSTs fail at once."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.client import ApiError, AsyncClient, Client, RetryPolicy, retry_after_seconds
from tests.service.server import KEY_A, Server, free_port, running_server, start_server, stop_server

FAST = RetryPolicy(attempts=60, first_backoff_s=0.05, max_backoff_s=1.0)  # up to ~45 s: a loaded start-up


class Sent:
    """An httpx request hook that counts the requests a client sent, by method and path."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []

    def __call__(self, request: httpx.Request) -> None:
        self.requests.append((request.method, request.url.path))

    def count(self, method: str, path: str) -> int:
        return self.requests.count((method, path))


@pytest.fixture(scope="module")
def full_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One worker and a queue of one job, so a second waiting job makes `POST /v1/jobs` answer 429."""
    env = {"LATENTSAT_API_KEYS": KEY_A, "LATENTSAT_MAX_QUEUE": "1", "LATENTSAT_RETRY_AFTER_S": "1"}
    with running_server(tmp_path_factory.mktemp("full") / "jobs.db", env, workers=1) as server:
        yield server


def _fill_queue(client: Client, long_instance: dict[str, Any]) -> list[str]:
    running = client.submit(long_instance, options={"backend": "pysat", "time_limit": 120})
    deadline = time.monotonic() + 30
    while client.job(running["id"])["state"] != "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    queued = client.submit(long_instance, options={"backend": "pysat", "time_limit": 120, "seed": 1})
    return [running["id"], queued["id"]]


def test_429_is_retried_after_retry_after_for_an_idempotent_post(
    full_server: Server, long_instance: dict[str, Any], small_instance: dict[str, Any]
) -> None:
    sent = Sent()
    with Client(full_server.url, KEY_A, retry=FAST, event_hooks={"request": [sent]}) as client:
        blocking = _fill_queue(client, long_instance)
        with pytest.raises(ApiError) as full:  # no Idempotency-Key: not repeatable, so one request and an error
            client.submit(small_instance)
        assert full.value.status == 429 and sent.count("POST", "/v1/jobs") == 3

        freed = threading.Timer(1.5, _cancel_all, (full_server, blocking))
        freed.start()
        start = time.monotonic()
        job = client.submit(small_instance, options={"time_limit": 20}, idempotency_key="retry-me")
        waited = time.monotonic() - start
        freed.join()
    retries = sent.count("POST", "/v1/jobs") - 4
    assert job["state"] in ("queued", "running", "done")
    # Each retry waited the server's Retry-After (1 s), not the 0.05 s backoff: at most ⌈1.5 s / 1 s⌉ + 1 retries.
    assert 1 <= retries <= 3 and waited >= 1.0


def _cancel_all(server: Server, job_ids: list[str]) -> None:
    with Client(server.url, KEY_A) as other:
        for job_id in job_ids:
            other.cancel(job_id)


def test_retry_after_header_forms() -> None:
    def response(value: str) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": value})

    assert retry_after_seconds(response("7")) == 7.0
    assert 0 < retry_after_seconds(response(_http_date(time.time() + 30))) <= 31  # type: ignore[operator]
    assert retry_after_seconds(httpx.Response(429)) is None
    assert RetryPolicy(attempts=3).delay(0, response("2")) == 2.0
    assert RetryPolicy(attempts=3).delay(2, response("2")) is None  # attempts used up
    assert RetryPolicy().delay(0, httpx.Response(500)) is None  # only 429 and connection errors


def _http_date(epoch: float) -> str:
    from email.utils import formatdate

    return formatdate(epoch, usegmt=True)


def test_a_refused_connection_is_retried_until_the_server_is_up(tmp_path: Path, small_instance: dict[str, Any]) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    sent = Sent()
    with (
        Client(url, retry=RetryPolicy(attempts=1), event_hooks={"request": [sent]}) as client,
        pytest.raises(httpx.ConnectError),  # no retries asked: fails at once
    ):
        client.jobs()
    assert sent.count("GET", "/v1/jobs") == 1

    started: list[Server] = []
    later = threading.Thread(target=lambda: started.append(start_server(tmp_path / "jobs.db", port=port)))
    later.start()
    try:
        with Client(url, retry=FAST, event_hooks={"request": [sent]}) as client:
            with pytest.raises(httpx.ConnectError):  # a POST without Idempotency-Key is never retried
                client.submit(small_instance)
            assert client.jobs()["jobs"] == []  # a GET waits through the refusals until the server answers
            answer = client.solve(small_instance, options={"time_limit": 20}, timeout=60)
        assert answer["status"] == "solved"
        assert sent.count("POST", "/v1/jobs") == 1 + 1 and sent.count("GET", "/v1/jobs") > 2
    finally:
        later.join()
        for server in started:
            stop_server(server)


def test_async_client_retries_a_refused_connection(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"

    async def scenario() -> dict[str, Any]:
        async with AsyncClient(url, retry=FAST) as client:
            return await client.jobs()

    later = threading.Timer(0.5, lambda: started.append(start_server(tmp_path / "jobs.db", port=port)))
    started: list[Server] = []
    later.start()
    try:
        assert asyncio.run(scenario()) == {"jobs": [], "next": None}
    finally:
        later.join()
        for server in started:
            stop_server(server)
