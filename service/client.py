"""Python client of the latentsat service (httpx), sync and async: submit, wait, result, cancel, solve.

>>> with Client("http://127.0.0.1:8000") as client:          # doctest: +SKIP
...     answer = client.solve(json.load(open("examples/planted_small.json")), options={"time_limit": 30})
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx

TERMINAL = frozenset({"done", "failed", "cancelled"})
FIRST_POLL_S, MAX_POLL_S, BACKOFF = 0.05, 2.0, 1.5
# One request may hold the connection open this long on `?wait=`; longer waits poll.
SERVER_WAIT_S = 30.0


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
    if response.headers.get("content-type", "").startswith("application/json"):
        return response.json()
    return response.text


def _job_body(instance: dict[str, Any], kind: str | None, options: dict[str, Any] | None) -> dict[str, Any]:
    return {"kind": kind or instance.get("kind", "partition"), "instance": instance, "options": options or {}}


def _submit_args(wait: float | None, idempotency_key: str | None) -> dict[str, Any]:
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


class Client:
    """Blocking client; use as a context manager or call `close()`."""

    def __init__(self, base_url: str, api_key: str | None = None, timeout: float = 60.0, **httpx_args: Any) -> None:
        self.http = httpx.Client(base_url=base_url, headers=_headers(api_key), timeout=timeout, **httpx_args)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def submit(
        self,
        instance: dict[str, Any],
        kind: str | None = None,
        options: dict[str, Any] | None = None,
        wait: float | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Queue a job; with `wait`, block server-side up to that long. Returns the job (with `result` if done)."""
        body = _job_body(instance, kind, options)
        return _checked(self.http.post("/v1/jobs", json=body, **_submit_args(wait, idempotency_key)))  # type: ignore[no-any-return]

    def submit_npz(
        self, blob: bytes, kind: str = "partition", options: dict[str, Any] | None = None, wait: float | None = None
    ) -> dict[str, Any]:
        """Queue a job whose instance is `.npz` bytes (multipart upload)."""
        args = _upload_args(blob, kind, options)
        return _checked(self.http.post("/v1/jobs/upload", params={"wait": wait} if wait else {}, **args))  # type: ignore[no-any-return]

    def job(self, job_id: str) -> dict[str, Any]:
        return _checked(self.http.get(f"/v1/jobs/{job_id}"))  # type: ignore[no-any-return]

    def wait(self, job_id: str, timeout: float | None = None) -> dict[str, Any]:
        """Poll with backoff until the job is done, failed or cancelled; `TimeoutError` after `timeout` s."""
        for delay in _polls(timeout):
            job = self.job(job_id)
            if job["state"] in TERMINAL:
                return job
            time.sleep(delay)
        raise AssertionError("unreachable")  # _polls raises TimeoutError when it runs out

    def result(self, job_id: str) -> dict[str, Any]:
        return _checked(self.http.get(f"/v1/jobs/{job_id}/result"))  # type: ignore[no-any-return]

    def certificate(self, job_id: str) -> dict[str, Any]:
        return _checked(self.http.get(f"/v1/jobs/{job_id}/certificate"))  # type: ignore[no-any-return]

    def log(self, job_id: str, offset: int = 0) -> dict[str, Any]:
        return _checked(self.http.get(f"/v1/jobs/{job_id}/log", params={"offset": offset}))  # type: ignore[no-any-return]

    def cancel(self, job_id: str) -> dict[str, Any]:
        return _checked(self.http.delete(f"/v1/jobs/{job_id}"))  # type: ignore[no-any-return]

    def jobs(self, limit: int = 50, after: int | None = None, state: str | None = None) -> dict[str, Any]:
        params = {k: v for k, v in {"limit": limit, "after": after, "state": state}.items() if v is not None}
        return _checked(self.http.get("/v1/jobs", params=params))  # type: ignore[no-any-return]

    def solve(
        self,
        instance: dict[str, Any],
        kind: str | None = None,
        options: dict[str, Any] | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Submit and wait; the answer, or `JobNotDone` if the job failed or was cancelled."""
        start = time.monotonic()
        job = self.submit(instance, kind, options, wait=min(timeout or SERVER_WAIT_S, SERVER_WAIT_S))
        if job["state"] not in TERMINAL:
            job = self.wait(job["id"], None if timeout is None else max(0.0, timeout - (time.monotonic() - start)))
        if job["state"] != "done":
            raise JobNotDone(job)
        return job["result"] if job.get("result") is not None else self.result(job["id"])


class AsyncClient:
    """The same calls as `Client`, for asyncio."""

    def __init__(self, base_url: str, api_key: str | None = None, timeout: float = 60.0, **httpx_args: Any) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, headers=_headers(api_key), timeout=timeout, **httpx_args)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self.http.aclose()

    async def submit(
        self,
        instance: dict[str, Any],
        kind: str | None = None,
        options: dict[str, Any] | None = None,
        wait: float | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        body = _job_body(instance, kind, options)
        return _checked(await self.http.post("/v1/jobs", json=body, **_submit_args(wait, idempotency_key)))  # type: ignore[no-any-return]

    async def submit_npz(
        self, blob: bytes, kind: str = "partition", options: dict[str, Any] | None = None, wait: float | None = None
    ) -> dict[str, Any]:
        args = _upload_args(blob, kind, options)
        return _checked(await self.http.post("/v1/jobs/upload", params={"wait": wait} if wait else {}, **args))  # type: ignore[no-any-return]

    async def job(self, job_id: str) -> dict[str, Any]:
        return _checked(await self.http.get(f"/v1/jobs/{job_id}"))  # type: ignore[no-any-return]

    async def wait(self, job_id: str, timeout: float | None = None) -> dict[str, Any]:
        for delay in _polls(timeout):
            job = await self.job(job_id)
            if job["state"] in TERMINAL:
                return job
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def result(self, job_id: str) -> dict[str, Any]:
        return _checked(await self.http.get(f"/v1/jobs/{job_id}/result"))  # type: ignore[no-any-return]

    async def certificate(self, job_id: str) -> dict[str, Any]:
        return _checked(await self.http.get(f"/v1/jobs/{job_id}/certificate"))  # type: ignore[no-any-return]

    async def log(self, job_id: str, offset: int = 0) -> dict[str, Any]:
        return _checked(await self.http.get(f"/v1/jobs/{job_id}/log", params={"offset": offset}))  # type: ignore[no-any-return]

    async def cancel(self, job_id: str) -> dict[str, Any]:
        return _checked(await self.http.delete(f"/v1/jobs/{job_id}"))  # type: ignore[no-any-return]

    async def jobs(self, limit: int = 50, after: int | None = None, state: str | None = None) -> dict[str, Any]:
        params = {k: v for k, v in {"limit": limit, "after": after, "state": state}.items() if v is not None}
        return _checked(await self.http.get("/v1/jobs", params=params))  # type: ignore[no-any-return]

    async def solve(
        self,
        instance: dict[str, Any],
        kind: str | None = None,
        options: dict[str, Any] | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        start = time.monotonic()
        job = await self.submit(instance, kind, options, wait=min(timeout or SERVER_WAIT_S, SERVER_WAIT_S))
        if job["state"] not in TERMINAL:
            job = await self.wait(
                job["id"], None if timeout is None else max(0.0, timeout - (time.monotonic() - start))
            )
        if job["state"] != "done":
            raise JobNotDone(job)
        return job["result"] if job.get("result") is not None else await self.result(job["id"])
