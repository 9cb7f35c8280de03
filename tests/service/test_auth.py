"""Auth: bearer keys; a job is visible only to the key that created it (others get 404); open mode is logged."""

from __future__ import annotations

from typing import Any

import httpx

from tests.service.server import KEY_A, KEY_B, Server


def as_key(server: Server, key: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url=server.url, headers=headers, timeout=30)


def test_key_b_cannot_see_fetch_or_cancel_key_a_job(server: Server, small_instance: dict[str, Any]) -> None:
    with as_key(server, KEY_A) as a, as_key(server, KEY_B) as b:
        body = {"kind": "partition", "instance": small_instance, "options": {"time_limit": 20}}
        job = a.post("/v1/jobs", json=body, params={"wait": 20}).json()
        for path in ("", "/result", "/certificate", "/log", "/certificate/proof"):
            response = b.get(f"/v1/jobs/{job['id']}{path}")
            assert response.status_code == 404, path
            assert response.json()["error"]["code"] == "not_found"
        assert b.delete(f"/v1/jobs/{job['id']}").status_code == 404
        assert job["id"] not in [j["id"] for j in b.get("/v1/jobs").json()["jobs"]]
        # A's view is untouched by B's attempts.
        assert a.get(f"/v1/jobs/{job['id']}").json()["state"] == "done"
        assert job["id"] in [j["id"] for j in a.get("/v1/jobs").json()["jobs"]]


def test_idempotency_keys_are_per_api_key(server: Server, small_instance: dict[str, Any]) -> None:
    with as_key(server, KEY_A) as a, as_key(server, KEY_B) as b:
        body = {"kind": "partition", "instance": small_instance, "options": {"time_limit": 20}}
        headers = {"Idempotency-Key": "shared-key-name"}
        assert (
            a.post("/v1/jobs", json=body, headers=headers).json()["id"]
            != b.post("/v1/jobs", json=body, headers=headers).json()["id"]
        )


def test_missing_or_unknown_key_is_401(server: Server) -> None:
    for key in (None, "not-a-key"):
        with as_key(server, key) as client:
            response = client.get("/v1/jobs")
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.json()["error"]["code"] == "unauthorized"


def test_public_endpoints_need_no_key(server: Server) -> None:
    with as_key(server, None) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/v1/kinds").status_code == 200


def test_keys_come_from_the_environment_and_a_file(tmp_path, monkeypatch) -> None:
    from service.config import Settings

    key_file = tmp_path / "keys.txt"
    key_file.write_text("# team keys\nfile-key-1\n\n  file-key-2  \n")
    monkeypatch.setenv("LATENTSAT_API_KEYS", "env-a, env-b")
    monkeypatch.setenv("LATENTSAT_API_KEYS_FILE", str(key_file))
    assert Settings().keys() == ["env-a", "env-b", "file-key-1", "file-key-2"]
    monkeypatch.delenv("LATENTSAT_API_KEYS")
    monkeypatch.delenv("LATENTSAT_API_KEYS_FILE")
    assert Settings().keys() == []
