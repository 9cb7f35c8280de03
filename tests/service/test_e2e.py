"""End to end: the real server over HTTP: submit, wait, result, certificate, log, cancel, time limit, errors."""

from __future__ import annotations

import io
import time
from typing import Any

import httpx
import numpy as np
import pytest

from problems.answers import Answer
from problems.generate import planted_partition
from problems.partition import dump_npz, instance_from_dict
from service.client import ApiError, Client
from solvers.certificates import check_answer
from tests.service.server import KEY_A, Server, alive, children_of, job_pid

AUTH = {"Authorization": f"Bearer {KEY_A}"}


def http(server: Server) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers=AUTH, timeout=60)


def submit(client: httpx.Client, instance: dict[str, Any], wait: float | None = None, **options: Any) -> httpx.Response:
    params = {"wait": wait} if wait is not None else {}
    return client.post("/v1/jobs", json={"kind": "partition", "instance": instance, "options": options}, params=params)


def wait_state(client: httpx.Client, job_id: str, states: set[str], timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job["state"] in states:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} not in {states} after {timeout} s")


def client_for(server: Server) -> Client:
    return Client(server.url, api_key=KEY_A)


def test_submit_wait_result_and_certificate(server: Server, unique_instance: dict[str, Any]) -> None:
    with client_for(server) as client:
        job = client.submit(unique_instance, options={"unique": True, "time_limit": 30})
        assert job["state"] in ("queued", "running", "done")
        job = client.wait(job["id"], timeout=30)
        assert job["state"] == "done" and job["status"] == "unique"
        result = client.result(job["id"])
        assert result["status"] == "unique" and result["certificate"]["kind"] == "drup"
        data = client.certificate(job["id"])
        assert data["answer"] == result
        report = check_answer(instance_from_dict(data["instance"]), Answer.model_validate(data["answer"]))
        assert report.ok, report.reason
        proof = client.http.get(f"/v1/jobs/{job['id']}/certificate/proof")
        cnf = client.http.get(f"/v1/jobs/{job['id']}/certificate/cnf")
        assert "attachment" in proof.headers["Content-Disposition"]
        assert proof.headers["content-type"].startswith("text/plain")
        assert proof.text == result["certificate"]["proof"]
        assert cnf.text.startswith("p cnf") and cnf.text == result["certificate"]["cnf"]


def test_wait_param_answers_200_with_the_result(server: Server, small_instance: dict[str, Any]) -> None:
    with http(server) as client:
        response = submit(client, small_instance, wait=30, time_limit=30)
        assert response.status_code == 200, response.text
        job = response.json()
        assert response.headers["Location"] == f"/v1/jobs/{job['id']}"
        assert job["state"] == "done" and job["status"] == "solved" and job["result"]["classes"]


def test_the_all_option_lists_solutions_over_http(server: Server) -> None:
    """HTTP option `all: M` (`solutions`, `count_exact`, `ambiguous`); `all: 0` is a 422 naming the field."""
    from problems.generate import planted_partition

    instance, _ = planted_partition(3, 8, 2, 2, factor=1.5, seed=1)  # 31 solutions (brute force)
    with http(server) as client:
        response = submit(client, instance.to_json_dict(), wait=60, time_limit=30, all=40)
        assert response.status_code == 200, response.text
        result = response.json()["result"]
        assert len(result["solutions"]) == 31 and result["count_exact"] is True and result["ambiguous"]
        refused = submit(client, instance.to_json_dict(), all=0)
        assert refused.status_code == 422 and "all" in refused.json()["error"]["field"]
        wrong = submit(client, instance.to_json_dict(), all=2, backend="cpsat")
        assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "options.all"


def test_accepted_then_polled(server: Server, small_instance: dict[str, Any]) -> None:
    with http(server) as client:
        response = submit(client, small_instance, time_limit=30)
        assert response.status_code == 202
        job = wait_state(client, response.json()["id"], {"done"})
        assert job["status"] == "solved" and job["attempts"] == 1


def test_log_is_served_incrementally(server: Server, small_instance: dict[str, Any]) -> None:
    with client_for(server) as client:
        job = client.submit(small_instance, wait=30)
        first = client.log(job["id"])
        assert first["offset"] == 0 and "solving with backend=fast" in first["text"] and first["complete"]
        rest = client.log(job["id"], first["next_offset"])
        assert rest == {
            "offset": first["next_offset"],
            "next_offset": first["next_offset"],
            "text": "",
            "complete": True,
        }
        assert client.log(job["id"], 5)["text"] == first["text"][5:]


def test_cancel_kills_a_running_solve_within_a_second(server: Server, long_instance: dict[str, Any]) -> None:
    with client_for(server) as client:
        job = client.submit(long_instance, options={"backend": "pysat", "time_limit": 120})
        pid = job_pid(client, job["id"])
        deadline = time.monotonic() + 30  # the solver grandchild starts after encoding
        while not children_of(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        solver_pids = children_of(pid)
        assert solver_pids, "the solve never started"
        start = time.monotonic()
        cancelled = client.cancel(job["id"])
        assert cancelled["was"] == "running" and cancelled["state"] == "cancelled"
        while (alive(pid) or any(map(alive, solver_pids))) and time.monotonic() - start < 5:
            time.sleep(0.01)
        assert not alive(pid) and not any(map(alive, solver_pids))
        assert time.monotonic() - start <= 1.0
        assert client.job(job["id"])["state"] == "cancelled"
        with pytest.raises(ApiError) as error:
            client.result(job["id"])
        assert error.value.status == 409 and error.value.code == "not_ready"


def test_time_limit_is_honoured(server: Server, long_instance: dict[str, Any]) -> None:
    with client_for(server) as client:
        job = client.submit(long_instance, options={"backend": "pysat", "time_limit": 3})
        job = client.wait(job["id"], timeout=30)
        assert job["state"] == "done" and job["status"] == "unknown"
        assert job["finished_at"] - job["started_at"] <= 3 + 1
        assert client.result(job["id"])["status"] == "unknown"


def test_an_encoding_longer_than_the_time_limit_ends_the_job_as_unknown(server: Server) -> None:
    """60,808 samples: encoding the CNF takes over a second of CPU (1.7M clauses; 27,632 samples took ~0.5 s once the
    warm workers stopped walking their imports at each garbage collection, too close to the limit); the job stops at
    its 0.5 s limit with a clear answer."""
    instance, _ = planted_partition(3, 2000, 3, 2, factor=4, seed=0)
    with client_for(server) as client:
        options = {"time_limit": 0.5, "backend": "pysat"}  # the direct CNF (the default, fast, warm-starts first)
        job = client.wait(client.submit_npz(dump_npz(instance), options=options)["id"], timeout=30)
        assert job["state"] == "done" and job["status"] == "unknown"
        assert job["finished_at"] - job["started_at"] <= 0.5 + 2
        assert "ran out during encoding" in client.result(job["id"])["message"]


def test_npz_upload(server: Server, small_instance: dict[str, Any]) -> None:
    blob = dump_npz(instance_from_dict(small_instance))
    with http(server) as client:
        files = {"file": ("inst.npz", io.BytesIO(blob), "application/octet-stream")}
        response = client.post(
            "/v1/jobs/upload", files=files, data={"options": '{"time_limit": 20}'}, params={"wait": 30}
        )
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "solved"
        bad = client.post(
            "/v1/jobs/upload", files={"file": ("x.npz", io.BytesIO(b"not npz"), "application/octet-stream")}
        )
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_instance"


def test_idempotency_key_returns_the_same_job(server: Server, small_instance: dict[str, Any]) -> None:
    with http(server) as client:
        body = {"kind": "partition", "instance": small_instance, "options": {"time_limit": 20}}
        key = {"Idempotency-Key": f"retry-{time.time_ns()}"}
        first = client.post("/v1/jobs", json=body, headers=key)
        second = client.post("/v1/jobs", json=body, headers=key)
        assert first.json()["id"] == second.json()["id"]
        other = client.post("/v1/jobs", json={**body, "options": {"time_limit": 21}}, headers=key)
        assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_conflict"


def test_list_is_paginated(server: Server, small_instance: dict[str, Any]) -> None:
    with http(server) as client:
        ids = [submit(client, small_instance, time_limit=20).json()["id"] for _ in range(3)]
        page = client.get("/v1/jobs", params={"limit": 2}).json()
        assert [j["id"] for j in page["jobs"]] == ids[::-1][:2]
        rest = client.get("/v1/jobs", params={"limit": 2, "after": page["next"]}).json()
        assert rest["jobs"][0]["id"] == ids[0]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "nonsense", "instance": {}}, "kind"),
        ({"kind": "partition", "instance": {"groups": []}}, "instance.groups"),
        (
            {"kind": "partition", "instance": {"groups": [{"size": 2, "classes": 1}], "samples": [[5, 0]]}},
            "instance.samples[0][0]",
        ),
        ({"kind": "partition", "instance": {}, "options": {"time_limit": -1}}, "options.time_limit"),
        ({"kind": "partition", "instance": {}, "options": {"backend": "nope"}}, "options.backend"),
        (
            {"instance": {"groups": [{"size": 2, "classes": 1}], "samples": [[0, 0]]}, "options": {"solver": "x"}},
            "options.solver",
        ),
        ({"kind": "partition"}, "instance"),
    ],
)
def test_bad_input_is_422_naming_the_field(server: Server, body: dict[str, Any], field: str) -> None:
    with http(server) as client:
        response = client.post("/v1/jobs", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field


def test_error_bodies_share_one_shape(server: Server) -> None:
    with http(server) as client:
        for response in (
            client.get("/v1/jobs/does-not-exist"),
            client.post("/v1/jobs", content=b"{not json", headers={"content-type": "application/json"}),
            client.get("/nowhere"),
            client.get("/v1/jobs", params={"limit": 0}),
        ):
            assert response.status_code in (404, 422)
            error = response.json()["error"]
            assert set(error) <= {"code", "message", "field"} and error["code"] and error["message"]


def test_solvers_and_kinds(server: Server) -> None:
    with http(server) as client:
        solvers = client.get("/v1/solvers").json()
        kinds = client.get("/v1/kinds").json()
        one = client.get("/v1/kinds/partition").json()
    assert solvers[0]["name"] == "pysat" and not solvers[0]["default"] and solvers[0]["proofs"]
    assert [s["name"] for s in solvers if s["default"]] == ["fast"]  # the exact default (issue 14)
    assert any(s["name"] == "cadical195" and s["default"] for s in solvers[0]["solvers"])
    assert "partition" in [k["name"] for k in kinds]
    assert one["schema"]["properties"]["samples"]


def test_npz_helper_round_trip(small_instance: dict[str, Any]) -> None:
    arrays = np.load(io.BytesIO(dump_npz(instance_from_dict(small_instance))))
    assert arrays["tokens"].shape[0] == len(small_instance["samples"])


def test_metrics(server: Server, small_instance: dict[str, Any]) -> None:
    with client_for(server) as client:
        client.solve(small_instance, timeout=60)
        text = client.http.get("/metrics").text
    samples = {line.split(" ")[0]: float(line.split(" ")[1]) for line in text.splitlines() if not line.startswith("#")}
    assert samples['latentsat_jobs{state="done"}'] >= 1
    assert "latentsat_queue_depth" in samples and samples["latentsat_workers"] == 2
    assert samples['latentsat_jobs_submitted_total{kind="partition"}'] >= 1
    assert samples['latentsat_solve_seconds_count{kind="partition"}'] >= 1
    assert samples['latentsat_jobs_finished_total{kind="partition",state="done",status="solved"}'] >= 1


def test_a_noisy_job_with_no_backend_named_runs_the_noisy_strategy(server: Server) -> None:
    from problems.generate import planted_partition

    instance, _ = planted_partition(2, 6, 2, 2, n_samples=40, seed=4, noise=0.1)
    noisy = {**instance.to_json_dict(), "max_violations": "minimize"}
    with http(server) as client:
        unnamed = submit(client, noisy, wait=60, time_limit=20).json()
        named = submit(client, noisy, wait=60, time_limit=20, backend="pysat").json()
    assert unnamed["result"]["stats"]["backend"] == "noisy" and unnamed["result"]["violated"] is not None
    assert named["result"]["stats"]["backend"] == "pysat"
    assert unnamed["result"]["violations"] == named["result"]["violations"]
