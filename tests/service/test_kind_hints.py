"""An instance kind the service does not solve (an R3 target, a graph, a formula) is a 422 naming the way."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.service.server import KEY_A, Server

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_an_r3_target_sent_as_a_job_names_the_way(server: Server) -> None:
    from reductions.wire import reduce_json

    target = reduce_json("R3", json.loads((EXAMPLES / "points_2d.json").read_text()))["target"]
    headers = {"Authorization": f"Bearer {KEY_A}"}
    for body in ({"instance": target}, {"kind": "bilinear", "instance": target}):
        response = httpx.post(server.url + "/v1/jobs", json=body, headers=headers, timeout=30)
        error = response.json()["error"]
        assert response.status_code == 422 and error["field"] == "kind", response.text
        assert "latentsat reduce R3" in error["message"] and "--witness" in error["message"]
