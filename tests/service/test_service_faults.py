"""Service faults of issue 11 §5, each as a kind: idempotency races, unbounded parameters, job processes that
outlived a killed server, and documentation pages that needed a CDN."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from latentsat.cli import app
from tests.service.server import KEY_A, Server, alive, descendants, start_server, stop_server

AUTH = {"Authorization": f"Bearer {KEY_A}"}
UI_LOGIN = {"latentsat_key": KEY_A}  # the /ui pages' login cookie


def body(instance: dict[str, Any], time_limit: float) -> dict[str, Any]:
    return {"kind": "partition", "instance": instance, "options": {"time_limit": time_limit}}


def post_together(server: Server, bodies: list[dict[str, Any]], key: str) -> list[httpx.Response]:
    """POST each body from its own thread, released at the same instant."""
    barrier = threading.Barrier(len(bodies))
    responses: list[httpx.Response | None] = [None] * len(bodies)

    def send(index: int) -> None:
        with httpx.Client(base_url=server.url, headers={**AUTH, "Idempotency-Key": key}, timeout=60) as client:
            barrier.wait()
            responses[index] = client.post("/v1/jobs", json=bodies[index])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r is not None for r in responses)
    return responses  # type: ignore[return-value]


def test_concurrent_posts_under_one_key_with_different_bodies(server: Server, small_instance: dict[str, Any]) -> None:
    for round_ in range(40):
        first, second = body(small_instance, 20), body(small_instance, 21)
        responses = post_together(server, [first, second], f"race-{time.time_ns()}-{round_}")
        codes = sorted(r.status_code for r in responses)
        assert codes in ([200, 409], [202, 409]), [r.text for r in responses]  # 200: the job already ended
        conflict = next(r for r in responses if r.status_code == 409)
        assert conflict.json()["error"]["code"] == "idempotency_conflict"


def test_concurrent_posts_under_one_key_with_the_same_body(server: Server, small_instance: dict[str, Any]) -> None:
    for round_ in range(10):
        same = body(small_instance, 20)
        responses = post_together(server, [same, same], f"same-{time.time_ns()}-{round_}")
        assert {r.status_code for r in responses} <= {200, 202}
        assert responses[0].json()["id"] == responses[1].json()["id"]


@pytest.mark.parametrize("offset", [2**63 - 1, 2**63, 10**20])
def test_a_huge_log_offset_is_not_a_server_error(server: Server, small_instance: dict[str, Any], offset: int) -> None:
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=60) as client:
        job = client.post("/v1/jobs", json=body(small_instance, 20), params={"wait": 30}).json()
        response = client.get(f"/v1/jobs/{job['id']}/log", params={"offset": offset})
    if offset < 2**63:
        assert response.status_code == 200 and response.json()["text"] == "" and response.json()["complete"]
    else:
        assert response.status_code == 422 and response.json()["error"]["field"] == "offset"


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/jobs", {"after": 10**20}),
        ("/v1/jobs", {"after": 2**63}),
        ("/v1/jobs", {"limit": 10**30}),
        ("/v1/jobs", {"state": "x" * 5000}),
        ("/v1/jobs/" + "x" * 5000, {}),
        ("/ui", {"after": 10**20}),
        ("/ui", {"after": 2**63}),
        ("/ui/jobs/" + "x" * 5000, {}),
        ("/v1/jobs/" + "x" * 5000 + "/plot.png", {}),
    ],
)
def test_no_parameter_value_gives_a_server_error(server: Server, path: str, params: dict[str, Any]) -> None:
    response = httpx.get(server.url + path, params=params, headers=AUTH, cookies=UI_LOGIN, timeout=30)
    assert response.status_code in (404, 422), response.text[:300]


def test_docs_load_without_a_cdn(server: Server) -> None:
    for page in ("/docs", "/redoc"):
        html = httpx.get(server.url + page, timeout=30).text
        assert "cdn" not in html.lower() and "https://" not in html
        assets = re.findall(r"""(?:src|href)=["']?(/[^"' >]+)""", html) + re.findall(r"url: ?'(/[^']+)'", html)
        assert any(asset.endswith(".js") for asset in assets), html
        for asset in assets:
            assert httpx.get(server.url + asset, timeout=30).status_code == 200, asset


def test_serve_help_shows_every_default() -> None:
    text = CliRunner().invoke(app, ["serve", "--help"], env={"COLUMNS": "200"}).output
    for default in ("[default: 127.0.0.1]", "[default: 8000]", "[default: 2]", "[default: latentsat.db]"):
        assert default in text, text


@pytest.mark.parametrize("pool", ["warm", "process"])
def test_job_processes_die_with_a_killed_server(tmp_path: Path, long_instance: dict[str, Any], pool: str) -> None:
    """`kill -9` of the server alone while a job solves: the job and its solver processes go within seconds."""
    server = start_server(tmp_path / "jobs.db", {"LATENTSAT_POOL": pool}, workers=1)
    try:
        direct = {**body(long_instance, 120), "options": {"backend": "pysat", "time_limit": 120}}  # runs for minutes
        job = httpx.post(server.url + "/v1/jobs", json=direct, timeout=30).json()
        below: list[int] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until the solver runs in a grandchild of the job's process
            state = httpx.get(f"{server.url}/v1/jobs/{job['id']}", timeout=30).json()["state"]
            below = descendants(server.process.pid)
            if state == "running" and any(descendants(pid) for pid in below):
                break
            time.sleep(0.1)
        assert below, "no job process ever started"
        os.kill(server.process.pid, signal.SIGKILL)  # the server alone, as a crash would
        server.process.wait(timeout=10)
        deadline = time.monotonic() + 5
        while any(map(alive, below)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(map(alive, below)), "job processes outlived the killed server"
    finally:
        stop_server(server)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["worker", "--queue", "redis://127.0.0.1:1/0"], 1),  # nothing listens on port 1
        (["serve", "--queue", "redis://127.0.0.1:1/0"], 1),
        (["worker", "--queue", "not-a-url"], 2),
        (["serve", "--pool", "threads"], 2),
    ],
)
def test_a_bad_or_unreachable_queue_is_one_line_not_a_traceback(args: list[str], code: int) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == code, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --") and "Traceback" not in result.output
