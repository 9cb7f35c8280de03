"""`lsa` jobs over HTTP take the same backends as the CLI, sub-solvers included (`gradient/adam`)."""

from __future__ import annotations

import httpx
import pytest

from service.client import Client
from tests.service.server import KEY_A, Server

AUTH = {"Authorization": f"Bearer {KEY_A}"}
BEST_FIT = {"kind": "lsa", "d": 2, "markov": {"n": 100, "p": "1/2"}, "mode": "best-fit"}  # X* not realisable
REAL = {"kind": "lsa", "d": 1, "x": [["2"], ["5"], ["3"]], "mode": "real", "box": [-4, 4], "bits": 4}


@pytest.mark.parametrize(
    "options",
    [
        {"backend": "gradient/adam"},
        {"backend": "gradient", "solver": "adam"},
        {"backend": "gradient"},  # the sub-solver that fits the kind: adam
    ],
)
@pytest.mark.parametrize("instance", [BEST_FIT, REAL], ids=["best-fit", "real"])
def test_an_lsa_job_runs_on_the_adam_sub_solver(server: Server, instance: dict, options: dict) -> None:
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=60) as client:
        body = {"kind": "lsa", "instance": instance, "options": {**options, "time_limit": 3}}
        response = client.post("/v1/jobs", json=body, params={"wait": 30})
        assert response.status_code == 200, response.text
        job = response.json()
        assert job["state"] == "done", job
        answer = job["result"]
    assert answer["stats"]["backend"] == "gradient" and answer["stats"]["solver"] == "adam"
    assert answer["status"] in ("solved", "optimal", "unknown")


def test_a_sub_solver_of_the_other_kind_is_refused_naming_it(server: Server) -> None:
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=60) as client:
        body = {"kind": "lsa", "instance": BEST_FIT, "options": {"backend": "gradient/mlp"}}
        response = client.post("/v1/jobs", json=body)
    assert response.status_code == 422 and response.json()["error"]["field"] == "options.solver"


@pytest.mark.parametrize(
    ("instance", "backend"),
    [(BEST_FIT, "pysat"), (REAL, "varpro"), ({**REAL, "epsilon": "1/10"}, "structure")],
    ids=["best-fit", "real", "structure-epsilon"],
)
def test_a_backend_the_mode_does_not_take_is_a_422_at_submission(server: Server, instance: dict, backend: str) -> None:
    """Not a failed job later, and never another backend in its place (issue 16)."""
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=60) as client:
        body = {"kind": "lsa", "instance": instance, "options": {"backend": backend}}
        response = client.post("/v1/jobs", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "options.backend"


def test_x_star_is_computed_by_the_job_within_its_limit_not_at_submission(server: Server) -> None:
    """d = 6: X* costs ≥ 9 s of CPU here. Submitting it froze the service (issue 11 §3, found by a tester):
    the API now only validates, and the job computes X* in a child killed at its deadline."""
    import time

    heavy = {"kind": "lsa", "d": 6, "markov": {"n": 99, "p": "1/3"}, "mode": "best-fit"}
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=120) as client:
        start = time.perf_counter()
        response = client.post("/v1/jobs", json={"kind": "lsa", "instance": heavy, "options": {"time_limit": 1}})
        assert response.status_code == 202 and time.perf_counter() - start < 5.0, response.text
    with Client(server.url, KEY_A) as waiting:
        job = waiting.wait(response.json()["id"], timeout=60)
        assert job["state"] == "done", job
        answer = waiting.result(job["id"])
    assert answer["status"] == "unknown" and "computing X*" in answer["message"]
    assert answer["stats"]["wall_s"] < 1 + 3.0  # the limit, and slack for a loaded machine
