"""Python client of the latentsat service (httpx), sync and async: submit, wait, result, cancel, solve.

>>> with Client("http://127.0.0.1:8000") as client:          # doctest: +SKIP
...     answer = client.solve(json.load(open("examples/planted_small.json")), options={"time_limit": 30})

Retries (`RetryPolicy`): a 429 (queue full) is retried after the server's `Retry-After`, and a dropped or refused
connection after an exponential backoff with jitter, but only for calls that are safe to repeat: GET, DELETE
(cancel), and a POST that carries an `Idempotency-Key` (`solve` always sends one). Any other POST fails at once,
since it may have created a job already.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

TERMINAL = frozenset({"done", "failed", "cancelled"})
FIRST_POLL_S, MAX_POLL_S, BACKOFF = 0.05, 2.0, 1.5
# One request may hold the connection open this long on `?wait=`; longer waits poll.
SERVER_WAIT_S = 30.0


# Failures worth a retry of a repeatable call: the connection was refused, dropped or timed out.
RETRY_ERRORS = (httpx.NetworkError, httpx.TimeoutException, httpx.RemoteProtocolError)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry repeatable calls: `attempts` in all (1 = never retry), backoff doubling
    from `first_backoff_s` up to `max_backoff_s` (times a random factor in [0.5, 1]), `Retry-After` honoured up
    to `max_retry_after_s`."""

    attempts: int = 6
    first_backoff_s: float = 0.25
    max_backoff_s: float = 8.0
    max_retry_after_s: float = 60.0

    def delay(self, attempt: int, response: httpx.Response | None) -> float | None:
        """Seconds to sleep before attempt `attempt + 1` (0-based), or None to give up; `response` None means a
        connection error, else only a 429 is retried."""
        if attempt + 1 >= self.attempts or (response is not None and response.status_code != 429):
            return None
        hinted = retry_after_seconds(response) if response is not None else None
        if hinted is not None:
            return min(hinted, self.max_retry_after_s)
        return min(self.max_backoff_s, self.first_backoff_s * 2**attempt) * random.uniform(0.5, 1.0)


NO_RETRY = RetryPolicy(attempts=1)


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The `Retry-After` header in seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); None if absent."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _repeatable(method: str, headers: dict[str, str] | None) -> bool:
    return method in ("GET", "HEAD", "DELETE") or (method == "POST" and bool((headers or {}).get("Idempotency-Key")))


class ApiError(Exception):
    """An error answer of the service: HTTP status, and the body's `code`, `message` and `field`."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(f"{status} {code}: {message}" + (f" (field {field})" if field else ""))
        self.status, self.code, self.message, self.field = status, code, message, field


class JobNotDone(Exception):
    """`solve` ended without an answer: the job failed or was cancelled. `job` holds its final state."""

    def __init__(self, job: dict[str, Any]) -> None:
        super().__init__(f"job {job['id']} ended {job['state']}: {job.get('reason')}: {job.get('message')}")
        self.job = job


def _checked(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        try:
            error = response.json()["error"]
        except (ValueError, KeyError, TypeError):
            error = {"code": "http_error", "message": response.text[:500]}
        raise ApiError(response.status_code, error.get("code", "?"), error.get("message", ""), error.get("field"))
    content_type = response.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        return response.json()
    if content_type.startswith(("image/", "application/octet-stream")):
        return response.content
    return response.text


def _job_body(instance: dict[str, Any], kind: str | None, options: dict[str, Any] | None) -> dict[str, Any]:
    return {"kind": kind or instance.get("kind", "partition"), "instance": instance, "options": options or {}}


def _submit_args(wait: float | None, idempotency_key: str | None) -> dict[str, Any]:
    """Query and headers of a submission; `Idempotency-Key` also makes the POST safe to retry."""
    return {
        "params": {"wait": wait} if wait else {},
        "headers": {"Idempotency-Key": idempotency_key} if idempotency_key else {},
    }


def _upload_args(blob: bytes, kind: str, options: dict[str, Any] | None) -> dict[str, Any]:
    import json

    return {
        "files": {"file": ("instance.npz", blob, "application/octet-stream")},
        "data": {"kind": kind, "options": json.dumps(options or {})},
    }


def _polls(timeout: float | None) -> Iterator[float]:
    """Sleep lengths for polling: 50 ms growing by 1.5× to 2 s, until `timeout` (None: forever)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    delay = FIRST_POLL_S
    while deadline is None or time.monotonic() < deadline:
        left = None if deadline is None else deadline - time.monotonic()
        yield delay if left is None else max(0.0, min(delay, left))
        delay = min(delay * BACKOFF, MAX_POLL_S)
    raise TimeoutError(f"the job did not finish within {timeout} s")


def _headers(api_key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


class _Connection:
    """What both clients hold: an httpx client (`http_class`) with the key's header, and the retry policy."""

    http_class: Any = httpx.Client

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        **httpx_args: Any,
    ) -> None:
        self.http = self.http_class(base_url=base_url, headers=_headers(api_key), timeout=timeout, **httpx_args)
        self.retry = retry or RetryPolicy()

    def next_delay(self, attempt: int, repeatable: bool, response: httpx.Response | None) -> float | None:
        """Seconds to wait before the next attempt, or None to stop (`response` None: the connection failed)."""
        return self.retry.delay(attempt, response) if repeatable else None


class Client(_Connection):
    """Blocking client; use as a context manager or call `close()`. `retry` sets the retries (`NO_RETRY`: none)."""

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        """One call, retried per `self.retry` when it is repeatable; the decoded body, or `ApiError`."""
        repeatable = _repeatable(method, kwargs.get("headers"))
        attempt = 0
        while True:
            try:
                response = self.http.request(method, url, **kwargs)
            except RETRY_ERRORS:
                if (delay := self.next_delay(attempt, repeatable, None)) is None:
                    raise
            else:
                if (delay := self.next_delay(attempt, repeatable, response)) is None:
                    return _checked(response)
            time.sleep(delay)
            attempt += 1

    def submit(
        self,
        instance: dict[str, Any],
        kind: str | None = None,
        options: dict[str, Any] | None = None,
        wait: float | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Queue a job; with `wait`, block server-side up to that long. Returns the job (with `result` if done).
        With `idempotency_key`, a 429 or a dropped connection is retried (the server returns the same job)."""
        body = _job_body(instance, kind, options)
        return self.request("POST", "/v1/jobs", json=body, **_submit_args(wait, idempotency_key))  # type: ignore[no-any-return]

    def submit_npz(
        self,
        blob: bytes,
        kind: str = "partition",
        options: dict[str, Any] | None = None,
        wait: float | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Queue a job whose instance is `.npz` bytes (multipart upload)."""
        args = {**_upload_args(blob, kind, options), **_submit_args(wait, idempotency_key)}
        return self.request("POST", "/v1/jobs/upload", **args)  # type: ignore[no-any-return]

    def job(self, job_id: str) -> dict[str, Any]:
        return self.request("GET", f"/v1/jobs/{job_id}")  # type: ignore[no-any-return]

    def wait(self, job_id: str, timeout: float | None = None) -> dict[str, Any]:
        """Poll with backoff until the job is done, failed or cancelled; `TimeoutError` after `timeout` s."""
        for delay in _polls(timeout):
            job = self.job(job_id)
            if job["state"] in TERMINAL:
                return job
            time.sleep(delay)
        raise AssertionError("unreachable")  # _polls raises TimeoutError when it runs out

    def result(self, job_id: str) -> dict[str, Any]:
        return self.request("GET", f"/v1/jobs/{job_id}/result")  # type: ignore[no-any-return]

    def certificate(self, job_id: str) -> dict[str, Any]:
        return self.request("GET", f"/v1/jobs/{job_id}/certificate")  # type: ignore[no-any-return]

    def plot(self, job_id: str) -> bytes:
        """The PNG of `GET /v1/jobs/{id}/plot.png`."""
        return self.request("GET", f"/v1/jobs/{job_id}/plot.png")  # type: ignore[no-any-return]

    def log(self, job_id: str, offset: int = 0) -> dict[str, Any]:
        return self.request("GET", f"/v1/jobs/{job_id}/log", params={"offset": offset})  # type: ignore[no-any-return]

    def cancel(self, job_id: str) -> dict[str, Any]:
        return self.request("DELETE", f"/v1/jobs/{job_id}")  # type: ignore[no-any-return]

    def jobs(self, limit: int = 50, after: int | None = None, state: str | None = None) -> dict[str, Any]:
        params = {k: v for k, v in {"limit": limit, "after": after, "state": state}.items() if v is not None}
        return self.request("GET", "/v1/jobs", params=params)  # type: ignore[no-any-return]

    def solve(
        self,
        instance: dict[str, Any],
        kind: str | None = None,
        options: dict[str, Any] | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Submit (with a fresh Idempotency-Key, so a retry cannot queue it twice) and wait; the answer, or
        `JobNotDone` if the job failed or was cancelled."""
        start = time.monotonic()
        wait = min(timeout or SERVER_WAIT_S, SERVER_WAIT_S)
        job = self.submit(instance, kind, options, wait=wait, idempotency_key=uuid.uuid4().hex)
        if job["state"] not in TERMINAL:
            job = self.wait(job["id"], None if timeout is None else max(0.0, timeout - (time.monotonic() - start)))
        if job["state"] != "done":
            raise JobNotDone(job)
        return job["result"] if job.get("result") is not None else self.result(job["id"])


class AsyncClient(_Connection):
    """The same calls as `Client`, for asyncio."""

    http_class = httpx.AsyncClient

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self.http.aclose()

    async def request(self, method: str, url: str, **kwargs: Any) -> Any:
        repeatable = _repeatable(method, kwargs.get("headers"))
        attempt = 0
        while True:
            try:
                response = await self.http.request(method, url, **kwargs)
            except RETRY_ERRORS:
                if (delay := self.next_delay(attempt, repeatable, None)) is None:
                    raise
            else:
                if (delay := self.next_delay(attempt, repeatable, response)) is None:
                    return _checked(response)
            await asyncio.sleep(delay)
            attempt += 1

    async def submit(
        self,
        instance: dict[str, Any],
        kind: str | None = None,
        options: dict[str, Any] | None = None,
        wait: float | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        body = _job_body(instance, kind, options)
        return await self.request("POST", "/v1/jobs", json=body, **_submit_args(wait, idempotency_key))  # type: ignore[no-any-return]

    async def submit_npz(
        self,
        blob: bytes,
        kind: str = "partition",
        options: dict[str, Any] | None = None,
        wait: float | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        args = {**_upload_args(blob, kind, options), **_submit_args(wait, idempotency_key)}
        return await self.request("POST", "/v1/jobs/upload", **args)  # type: ignore[no-any-return]

    async def job(self, job_id: str) -> dict[str, Any]:
        return await self.request("GET", f"/v1/jobs/{job_id}")  # type: ignore[no-any-return]

    async def wait(self, job_id: str, timeout: float | None = None) -> dict[str, Any]:
        for delay in _polls(timeout):
            job = await self.job(job_id)
            if job["state"] in TERMINAL:
                return job
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def result(self, job_id: str) -> dict[str, Any]:
        return await self.request("GET", f"/v1/jobs/{job_id}/result")  # type: ignore[no-any-return]

    async def certificate(self, job_id: str) -> dict[str, Any]:
        return await self.request("GET", f"/v1/jobs/{job_id}/certificate")  # type: ignore[no-any-return]

    async def plot(self, job_id: str) -> bytes:
        return await self.request("GET", f"/v1/jobs/{job_id}/plot.png")  # type: ignore[no-any-return]

    async def log(self, job_id: str, offset: int = 0) -> dict[str, Any]:
        return await self.request("GET", f"/v1/jobs/{job_id}/log", params={"offset": offset})  # type: ignore[no-any-return]

    async def cancel(self, job_id: str) -> dict[str, Any]:
        return await self.request("DELETE", f"/v1/jobs/{job_id}")  # type: ignore[no-any-return]

    async def jobs(self, limit: int = 50, after: int | None = None, state: str | None = None) -> dict[str, Any]:
        params = {k: v for k, v in {"limit": limit, "after": after, "state": state}.items() if v is not None}
        return await self.request("GET", "/v1/jobs", params=params)  # type: ignore[no-any-return]

    async def solve(
        self,
        instance: dict[str, Any],
        kind: str | None = None,
        options: dict[str, Any] | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        start = time.monotonic()
        wait = min(timeout or SERVER_WAIT_S, SERVER_WAIT_S)
        job = await self.submit(instance, kind, options, wait=wait, idempotency_key=uuid.uuid4().hex)
        if job["state"] not in TERMINAL:
            job = await self.wait(
                job["id"], None if timeout is None else max(0.0, timeout - (time.monotonic() - start))
            )
        if job["state"] != "done":
            raise JobNotDone(job)
        return job["result"] if job.get("result") is not None else await self.result(job["id"])
