"""Durability: `kill -9` the server with 20 jobs queued or running, restart it on the same DB, lose none."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.store import JobState, NewJob, Store
from tests.service.server import running_server, start_server, stop_server


def states(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT id, state FROM jobs").fetchall())


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_kill_9_loses_no_acknowledged_job(
    tmp_path: Path, small_instance: dict[str, Any], long_instance: dict[str, Any]
) -> None:
    db = tmp_path / "jobs.db"
    server = start_server(db, workers=2)
    try:
        bodies = [{"instance": long_instance, "options": {"backend": "pysat", "time_limit": 3}}] * 2
        bodies += [{"instance": small_instance, "options": {"time_limit": 20}}] * 18
        ids = [httpx.post(server.url + "/v1/jobs", json=body, timeout=30).json()["id"] for body in bodies]
        time.sleep(1.0)
        os.kill(server.process.pid, signal.SIGKILL)  # the server alone, as a crash would
        server.process.wait(timeout=10)
        deadline = time.monotonic() + 10  # the fork server sees its parent go, and the jobs die with it
        while group_alive(server.process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not group_alive(server.process.pid), "job processes outlived the killed server"
    finally:
        stop_server(server)
    at_crash = states(db)
    assert set(ids) <= set(at_crash)
    assert sum(state != "done" for state in at_crash.values()) >= 2, at_crash
    with running_server(db, workers=2) as restarted, httpx.Client(base_url=restarted.url, timeout=30) as client:
        deadline = time.monotonic() + 60
        jobs = {}
        while time.monotonic() < deadline:
            jobs = {job_id: client.get(f"/v1/jobs/{job_id}").json() for job_id in ids}
            if all(job["state"] == "done" for job in jobs.values()):
                break
            time.sleep(0.2)
    assert all(job["state"] == "done" for job in jobs.values()), jobs
    assert {jobs[i]["status"] for i in ids[:2]} == {"unknown"}
    assert {jobs[i]["status"] for i in ids[2:]} == {"solved"}
    assert all(job["attempts"] <= 2 for job in jobs.values())


def test_a_job_interrupted_twice_fails_as_interrupted(tmp_path: Path) -> None:
    store = Store(tmp_path / "jobs.db")
    job, _ = store.create(NewJob("owner", "partition", "json", b"{}", {}, "sha"))
    assert store.claim_next() is not None
    assert store.recover() == {"requeued": 1, "failed": 0}  # first crash: run it again
    assert store.get(job.id).state is JobState.QUEUED
    assert store.claim_next().attempts == 2
    assert store.recover() == {"requeued": 0, "failed": 1}  # second crash: give up
    failed = store.get(job.id)
    assert failed.state is JobState.FAILED and failed.reason == "interrupted"
    store.close()


def test_acknowledged_jobs_are_committed(tmp_path: Path) -> None:
    store = Store(tmp_path / "jobs.db")
    job, created = store.create(NewJob("owner", "partition", "json", b"{}", {}, "sha", idempotency_key="k"))
    again, created_again = store.create(NewJob("owner", "partition", "json", b"{}", {}, "sha", idempotency_key="k"))
    assert created and not created_again and again.id == job.id
    # A second connection (another process, after a crash) sees the row without any close or checkpoint.
    assert states(tmp_path / "jobs.db") == {job.id: "queued"}
    store.close()


def test_a_commit_awaited_on_the_event_loop_is_answered_after_an_fsync_begun_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import service.walsync

    store = Store(tmp_path / "jobs.db")
    sync = store._sync
    assert sync is not None
    commits_at_fsync: list[int] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        commits_at_fsync.append(sync.latest())
        real_fsync(fd)

    monkeypatch.setattr(service.walsync.os, "fsync", recording_fsync)

    async def submit(n: int) -> list[int]:
        tickets = [store.create_pending(NewJob("owner", "partition", "json", b"{}", {}, "sha"))[2] for _ in range(n)]
        await asyncio.gather(*(store.durable(ticket) for ticket in tickets))
        return tickets

    tickets = asyncio.run(submit(5))
    assert commits_at_fsync and max(commits_at_fsync) >= max(tickets)  # the syncer's fsync covered every commit
    assert len(commits_at_fsync) <= len(tickets)  # and they shared it (usually one fsync for all five)
    store.close()
