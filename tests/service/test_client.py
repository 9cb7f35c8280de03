"""The Python client (sync and async) and `latentsat submit`, against the live server."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from latentsat.cli import app
from problems.partition import dump_npz, instance_from_dict
from service.client import ApiError, AsyncClient, Client, _polls
from tests.service.server import KEY_A, Server


def test_solve_returns_the_answer(server: Server, small_instance: dict[str, Any]) -> None:
    with Client(server.url, KEY_A) as client:
        answer = client.solve(small_instance, options={"time_limit": 20}, timeout=60)
    assert answer["status"] == "solved" and answer["violations"] == 0


def test_async_client(server: Server, small_instance: dict[str, Any], long_instance: dict[str, Any]) -> None:
    async def scenario() -> tuple[list[dict[str, Any]], dict[str, Any]]:
        async with AsyncClient(server.url, KEY_A) as client:
            answers = await asyncio.gather(*(client.solve(small_instance, timeout=60) for _ in range(3)))
            job = await client.submit(long_instance, options={"backend": "pysat", "time_limit": 60})
            await client.cancel(job["id"])
            noisy = {**small_instance, "max_violations": 1}  # uniqueness is for exact recovery only: a 422 now
            with pytest.raises(ApiError) as refused:
                await client.solve(noisy, options={"unique": True}, timeout=60)
            assert (refused.value.status, refused.value.field) == (422, "options.unique")
            return answers, await client.wait(job["id"], timeout=10)

    answers, cancelled = asyncio.run(scenario())
    assert [a["status"] for a in answers] == ["solved"] * 3
    assert cancelled["state"] == "cancelled"


def test_errors_carry_code_and_field(server: Server) -> None:
    with Client(server.url, KEY_A) as client:
        with pytest.raises(ApiError) as error:
            client.submit({"groups": [{"size": 2, "classes": 1}], "samples": [[7, 1]]})
        assert (error.value.status, error.value.code, error.value.field) == (
            422,
            "invalid_instance",
            "instance.samples[0][0]",
        )
        with pytest.raises(ApiError) as missing:
            client.job("nope")
        assert missing.value.status == 404


def test_wait_times_out(server: Server, long_instance: dict[str, Any]) -> None:
    with Client(server.url, KEY_A) as client:
        job = client.submit(long_instance, options={"backend": "pysat", "time_limit": 60})
        with pytest.raises(TimeoutError):
            client.wait(job["id"], timeout=0.3)
        client.cancel(job["id"])


def test_polling_backs_off() -> None:
    delays = []
    for delay in _polls(timeout=None):
        delays.append(delay)
        if len(delays) == 12:
            break
    assert delays[0] == 0.05 and delays[-1] == 2.0 and delays == sorted(delays)


def test_cli_submit(server: Server, small_instance: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "inst.json"
    path.write_text(json.dumps(small_instance))
    runner = CliRunner()
    args = ["submit", "--server", server.url, "--api-key", KEY_A, "--time-limit", "20"]
    result = runner.invoke(app, [*args, str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "solved"
    npz = tmp_path / "inst.npz"
    npz.write_bytes(dump_npz(instance_from_dict(small_instance)))
    assert json.loads(runner.invoke(app, [*args, str(npz)]).stdout)["status"] == "solved"
    path.write_text(json.dumps({"groups": []}))
    bad = runner.invoke(app, [*args, str(path)])
    assert bad.exit_code == 2 and "instance.groups" in bad.stderr
    unauthorised = runner.invoke(app, ["submit", "--server", server.url, str(npz)])
    assert unauthorised.exit_code == 1
