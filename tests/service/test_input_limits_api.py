"""The service refuses what the CLI refuses, before a job is stored or a reduction runs (issue 11 §2, §3)."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest

from tests.test_input_limits import npz_claiming_rows, partition

from .server import KEY_A, Server

AUTH = {"Authorization": f"Bearer {KEY_A}"}


@pytest.fixture
def http(server: Server) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers=AUTH, timeout=60)


@pytest.mark.parametrize(
    ("instance", "options", "status", "field"),
    [
        (partition([{"size": 100, "classes": 50}] * 8, [[0] * 8 + [1]]), {}, 413, "instance.groups"),
        (partition([{"size": 2**64, "classes": 1}], [[0, 1]]), {}, 422, "instance.groups[0].size"),
        (partition([{"size": 2, "classes": 1}], [[2**64, 1]]), {}, 422, "instance.samples[0][0]"),
        (partition([{"size": 2, "classes": 1}], [[0, 2**64]]), {}, 422, "instance.samples[0][-1]"),
        (partition([{"size": 2, "classes": 1}], [[0, 1]], max_violations=2**64), {}, 422, "instance.max_violations"),
        (partition([{"size": 2, "classes": 1}], [[0, 1]]), {"seed": 2**32}, 422, "options.seed"),
    ],
)
def test_out_of_range_submissions_are_refused_naming_the_field(
    http: httpx.Client, instance: dict[str, Any], options: dict[str, Any], status: int, field: str
) -> None:
    response = http.post("/v1/jobs", json={"kind": "partition", "instance": instance, "options": options})
    assert response.status_code == status, response.text
    assert response.json()["error"]["field"] == field


def test_labels_that_differ_by_a_trailing_nul_are_two_labels(http: httpx.Client) -> None:
    instance = partition([{"size": 2, "classes": 1}], [[0, "a"], [1, "a\u0000"]])
    job = http.post("/v1/jobs?wait=30", json={"kind": "partition", "instance": instance}).json()
    assert job["state"] == "done" and job["status"] == "infeasible", job


def test_an_npz_upload_of_sixty_million_rows_is_413_from_its_headers(http: httpx.Client) -> None:
    files = {"file": ("big.npz", io.BytesIO(npz_claiming_rows(60_000_000)), "application/octet-stream")}
    response = http.post("/v1/jobs/upload", files=files)
    assert response.status_code == 413, response.text
    assert response.json()["error"]["field"] == "instance.tokens"


@pytest.mark.parametrize(
    ("name", "source", "field"),
    [
        ("R2", {"kind": "cnf", "n_vars": 10**6, "clauses": []}, "n_vars"),
        ("R1", {"kind": "colouring", "n": 10**6, "edges": [], "k": 3}, "n"),
        ("R3", {"kind": "separability", "dim": 10**6, "positive": [], "negative": []}, "dim"),
    ],
)
def test_reductions_are_bounded_like_jobs(http: httpx.Client, name: str, source: dict[str, Any], field: str) -> None:
    """A 50-byte body asking R2 for 10^6 variables cost 13 s of CPU and a 40 MB answer."""
    response = http.post(f"/v1/reductions/{name}", json=source)
    assert response.status_code == 413, response.text
    assert response.json()["error"]["field"] == field
