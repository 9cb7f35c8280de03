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


SMALL = partition([{"size": 3, "classes": 2}], [[0, 1], [1, 1], [2, 0]])
WIDE = partition([{"size": 50_000, "classes": 2}] * 2, [[t, t, t % 2] for t in range(5000)])


@pytest.mark.parametrize(
    ("kind", "instance", "options", "status", "field"),
    [
        # gradient hyperparameters out of range: was 202, then a failed job (out of memory) or NaN training
        *(
            ("partition", SMALL, {"backend": "gradient", "solver": f"mlp:{s}"}, 422, "options.solver")
            for s in ("lr=nan", "lr=inf", "weight_decay=nan", "probes=-1", "hidden=100000000")
        ),
        # in range, but the model would not fit this instance's memory bound (probe rows × hidden)
        ("partition", WIDE, {"backend": "gradient", "solver": "mlp:dim=256,hidden=4096,probes=4096"}, 422,
         "options.solver"),
        ("lsa", {"kind": "lsa", "d": 1, "markov": {"n": 3}, "x": [["0"], ["0"], ["0"]]}, {}, 422, "instance.x"),
        ("lsa", {"kind": "lsa", "d": 2, "markov": {"n": 100, "p": "1"}, "mode": "best-fit"}, {}, 422,
         "instance.markov.p"),
        ("lsa", {"kind": "lsa", "d": 1, "x": [[True], ["5"], ["3"]]}, {}, 422, "instance.x[0][0]"),
        ("lsa", {"kind": "lsa", "d": 1, "x": [["2"], ["5"], ["3"]], "mode": "real", "box": ["-1e50", "1e50"]}, {},
         422, "instance.box[0]"),
        ("lsa", {"kind": "lsa", "d": 1, "x": [["2"], ["5"], ["3"]], "mode": "real", "box": [-(10**7), 10**7]}, {},
         413, "instance.box"),
    ],
)  # fmt: skip
def test_bad_options_and_lsa_fields_are_refused_at_submission(
    http: httpx.Client, kind: str, instance: dict[str, Any], options: dict[str, Any], status: int, field: str
) -> None:
    response = http.post("/v1/jobs", json={"kind": kind, "instance": instance, "options": options})
    assert response.status_code == status, response.text
    assert response.json()["error"]["field"] == field


def test_a_body_that_cannot_be_read_is_400_naming_the_body(http: httpx.Client) -> None:
    broken = {"Content-Type": "multipart/form-data; boundary=xyz"}
    response = http.post("/v1/jobs/upload", content=b"--xyz\r\nnot a part header\r\n", headers=broken)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["field"] == "body"
