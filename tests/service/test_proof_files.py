"""Over HTTP, a proof above `LATENTSAT_INLINE_PROOF_MAX_BYTES` is named in the answer and served beside it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from latentsat.cli import app
from service.client import Client
from tests.service.server import KEY_A, Server, running_server


@pytest.fixture(scope="module")
def small_inline_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    db = tmp_path_factory.mktemp("inline") / "jobs.db"
    env = {"LATENTSAT_API_KEYS": KEY_A, "LATENTSAT_INLINE_PROOF_MAX_BYTES": "200"}
    with running_server(db, env, workers=1) as running:
        yield running


def test_the_proof_is_served_beside_the_answer_and_checks(
    small_inline_server: Server, unique_instance: dict[str, Any], tmp_path: Path
) -> None:
    with Client(small_inline_server.url, api_key=KEY_A) as client:
        job = client.wait(client.submit(unique_instance, options={"unique": True, "time_limit": 30})["id"], timeout=60)
        assert job["status"] == "unique"
        result = client.result(job["id"])
        certificate = result["certificate"]
        assert certificate["proof"] is None and certificate["proof_file"] == f"{job['id']}.drup"
        proof = client.http.get(f"/v1/jobs/{job['id']}/certificate/proof")
        assert hashlib.sha256(proof.content).hexdigest() == certificate["proof_sha256"]
        assert f'filename="{certificate["proof_file"]}"' in proof.headers["Content-Disposition"]
        bundle = client.certificate(job["id"])
        assert bundle["answer"] == result
    (tmp_path / "bundle.json").write_text(json.dumps(bundle))
    (tmp_path / certificate["proof_file"]).write_bytes(proof.content)
    checked = CliRunner().invoke(app, ["check", str(tmp_path / "bundle.json")])
    assert checked.exit_code == 0 and json.loads(checked.stdout)["ok"], checked.output
