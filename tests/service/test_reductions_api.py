"""`/v1/reductions` on the live server: reduce a graph, solve the target as a job, lift the answer back."""

from __future__ import annotations

import httpx

from problems.graph import verify_colouring
from problems.hard_instances import mycielski

from .server import KEY_A, Server

AUTH = {"Authorization": f"Bearer {KEY_A}"}


def test_reduce_solve_and_lift_a_colouring(server: Server) -> None:
    graph = mycielski(3, k=3)  # C5: 3-colourable, not 2-colourable
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=60) as http:
        listed = http.get("/v1/reductions").json()
        assert {"R1", "R2", "R1R2", "R3"} <= {entry["alias"] for entry in listed}
        reduced = http.post("/v1/reductions/R1", json=graph.to_json_dict())
        assert reduced.status_code == 200, reduced.text
        target, source = reduced.json()["target"], reduced.json()["map"]["source"]
        job = http.post("/v1/jobs?wait=30", json={"kind": "partition", "instance": target, "options": {}})
        assert job.status_code == 200, job.text
        answer = http.get(f"/v1/jobs/{job.json()['id']}/result").json()
        lifted = http.post("/v1/reductions/R1/lift", json={"source": source, "solution": answer})
        assert lifted.status_code == 200, lifted.text
        assert lifted.json()["verified"] is True
        colour = lifted.json()["colour"]
        assert verify_colouring(graph, colour)


def test_bad_reduction_input_is_422_naming_the_field(server: Server) -> None:
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=60) as http:
        unknown = http.post("/v1/reductions/R9", json={})
        assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "reduction"
        bad = http.post("/v1/reductions/R1", json={"kind": "colouring", "n": 2, "edges": [[0, 5]], "k": 2})
        assert bad.status_code == 422 and "error" in bad.json()
        lift = http.post("/v1/reductions/R1/lift", json={"source": {"n": 1}, "solution": {}})
        assert lift.status_code == 422


def test_a_job_on_a_reduced_instance_reports_the_lifted_source_solution(server: Server) -> None:
    graph = mycielski(4, k=4)  # Grötzsch graph, χ = 4
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=60) as http:
        reduced = http.post("/v1/reductions/R1", json=graph.to_json_dict()).json()
        job = http.post("/v1/jobs?wait=30", json={"kind": "partition", "instance": reduced["target"]}).json()
        lifted = http.post(f"/v1/jobs/{job['id']}/lift", json={"reduction": "R1", "source": reduced["map"]["source"]})
        assert lifted.status_code == 200, lifted.text
        assert lifted.json()["verified"] is True
        assert verify_colouring(graph, lifted.json()["colour"])
        wrong = http.post(
            f"/v1/jobs/{job['id']}/lift", json={"reduction": "R1", "source": mycielski(3, 3).to_json_dict()}
        )
        assert wrong.status_code == 422  # the answer does not solve that source's target
