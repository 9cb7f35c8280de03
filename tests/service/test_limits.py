"""Limits, enforced and configurable: body size, samples, time limit, queue length, and the memory cap."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest

from problems.generate import planted_partition
from tests.service.server import Server, running_server

LIMITS = {
    "LATENTSAT_MAX_BODY_BYTES": "300000",
    "LATENTSAT_MAX_SAMPLES": "5000",
    "LATENTSAT_DEFAULT_TIME_LIMIT": "7",
    "LATENTSAT_MAX_TIME_LIMIT": "30",
    "LATENTSAT_MAX_QUEUE": "2",
    "LATENTSAT_MEMORY_LIMIT_MB": "400",
    "LATENTSAT_RETRY_AFTER_S": "3",
}


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Open mode (no keys), one worker, small limits."""
    with running_server(tmp_path_factory.mktemp("limited") / "jobs.db", LIMITS, workers=1) as server:
        yield server


def post(server: Server, instance: dict[str, Any], wait: float | None = None, **options: Any) -> httpx.Response:
    params = {"wait": wait} if wait is not None else {}
    body = {"kind": "partition", "instance": instance, "options": options}
    return httpx.post(server.url + "/v1/jobs", json=body, params=params, timeout=60)


def test_body_over_the_limit_is_413(limited: Server) -> None:
    response = httpx.post(
        limited.url + "/v1/jobs", content=b" " * 400_000, headers={"content-type": "application/json"}, timeout=30
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"
    assert "300000 bytes" in response.json()["error"]["message"]


def test_streamed_body_over_the_limit_is_413(limited: Server) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b" " * 10_000

    response = httpx.post(
        limited.url + "/v1/jobs", content=chunks(), headers={"content-type": "application/json"}, timeout=30
    )
    assert response.status_code == 413


def test_too_many_samples_is_413(limited: Server) -> None:
    instance, _ = planted_partition(2, 50, 2, 2, n_samples=6000, seed=3)
    response = post(limited, instance.to_json_dict())
    assert response.status_code == 413
    assert response.json()["error"] == {
        "code": "instance_too_large",
        "message": "the number of samples n is 6000, above the limit of 5000 (set LATENTSAT_MAX_SAMPLES to raise it)",
        "field": "instance.samples",
    }


def test_time_limit_default_and_maximum(limited: Server, small_instance: dict[str, Any]) -> None:
    job = post(limited, small_instance, wait=20).json()
    assert job["options"]["time_limit"] == 7
    refused = post(limited, small_instance, time_limit=31)
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "options.time_limit"


def test_full_queue_is_429_with_retry_after(limited: Server, long_instance: dict[str, Any]) -> None:
    running = post(limited, long_instance, backend="pysat", time_limit=30).json()
    deadline = time.monotonic() + 20
    while httpx.get(f"{limited.url}/v1/jobs/{running['id']}").json()["state"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    queued = [post(limited, long_instance, backend="pysat", time_limit=30) for _ in range(2)]
    assert [r.status_code for r in queued] == [202, 202]
    refused = post(limited, long_instance, backend="pysat", time_limit=30)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "3" and refused.json()["error"]["code"] == "queue_full"
    for job_id in [running["id"], *(r.json()["id"] for r in queued)]:
        assert httpx.delete(f"{limited.url}/v1/jobs/{job_id}").json()["state"] == "cancelled"


def memory_hog() -> dict[str, Any]:
    """Noise on 2 groups with 80 classes each: the direct CNF needs 6400 clauses per sample, gigabytes in all
    (3000 samples: 19.2M clauses, just under the encoder's 20M limit, above which it answers `unknown` at once)."""
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 400, size=(3000, 2))
    labels = rng.integers(0, 2, size=3000)
    samples = [[int(a), int(b), int(y)] for (a, b), y in zip(tokens, labels, strict=True)]
    return {"groups": [{"size": 400, "classes": 80}] * 2, "samples": samples}


def test_memory_cap_fails_the_job_and_the_server_lives_on(limited: Server, small_instance: dict[str, Any]) -> None:
    hog = memory_hog()
    job = post(limited, hog, wait=60, time_limit=30).json()
    assert job["state"] == "failed" and job["reason"] == "memory", job
    after = post(limited, small_instance, wait=20).json()
    assert after["state"] == "done" and after["status"] == "solved"


def test_open_mode_is_logged_at_start_up(limited: Server) -> None:
    assert "OPEN MODE" in limited.log.read_text()
