"""`GET /v1/jobs/{id}/plot.png` and the `/ui` pages' auth, over HTTP against the shared real server (keys A and B).
The pages in a real browser: tests/service/test_ui_browser.py."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx

from service.client import ApiError, Client
from tests.service.server import KEY_A, KEY_B, Server

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_plot_of_a_done_job_is_a_png_for_its_key_only(server: Server, unique_instance: dict[str, Any]) -> None:
    with Client(server.url, KEY_A) as client:
        job = client.submit(unique_instance, options={"time_limit": 30}, wait=30)
        assert job["state"] == "done"
        png = client.plot(job["id"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    with Client(server.url, KEY_B) as other:
        try:
            other.plot(job["id"])
        except ApiError as error:
            assert error.status == 404
        else:
            raise AssertionError("key B saw key A's plot")


def test_plot_of_an_unfinished_job_is_409(server: Server, long_instance: dict[str, Any]) -> None:
    with Client(server.url, KEY_A) as client:
        job = client.submit(long_instance, options={"backend": "pysat", "time_limit": 60})
        url = server.url + f"/v1/jobs/{job['id']}/plot.png"
        response = httpx.get(url, headers={"Authorization": f"Bearer {KEY_A}"})
        client.cancel(job["id"])
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_ready"


def test_lsa_job_plot(server: Server) -> None:
    lsa = json.loads((Path(__file__).resolve().parents[2] / "examples" / "lsa_grid.json").read_text())
    with Client(server.url, KEY_A) as client:
        answer = client.solve(lsa, options={"time_limit": 30}, timeout=60)
        job = client.jobs(limit=1)["jobs"][0]
    assert answer["status"] == "solved" and job["kind"] == "lsa"
    png = httpx.get(server.url + f"/v1/jobs/{job['id']}/plot.png", headers={"Authorization": f"Bearer {KEY_A}"})
    assert png.status_code == 200 and png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"


def test_pages_need_a_valid_key(server: Server) -> None:
    """Without a browser: a wrong key is refused, another key's plot is a 404, no cookie means the login page."""
    login = httpx.post(server.url + "/ui/login", data={"key": "not-a-key"})
    assert login.status_code == 401 and "not accepted" in login.text
    assert httpx.get(server.url + "/ui").headers["location"] == "/ui/login"
    with Client(server.url, KEY_B) as client:
        job = client.submit({"groups": [{"size": 2, "classes": 1}], "samples": [[0, 1]]}, wait=20)
    cookies = {"latentsat_key": KEY_A}
    assert httpx.get(server.url + f"/ui/jobs/{job['id']}/plot.png", cookies=cookies).status_code == 404
    assert job["id"] not in httpx.get(server.url + "/ui", cookies=cookies).text
    own = httpx.get(server.url + f"/ui/jobs/{job['id']}/plot.png", cookies={"latentsat_key": KEY_B})
    assert own.status_code == 200 and own.content.startswith(b"\x89PNG")
    for page in ("/ui", f"/ui/jobs/{job['id']}", "/ui/login"):
        html = httpx.get(server.url + page, cookies={"latentsat_key": KEY_B}).text
        assert "<script" not in html and not re.search(r'(src|href)="(https?:)?//', html), page  # nothing external
