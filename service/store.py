"""The job store: one SQLite file in WAL mode; every job and result is committed before the client hears of it."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from service.errors import IdempotencyConflict
from service.walsync import WalSync

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    owner TEXT NOT NULL,
    idempotency_key TEXT,
    request_sha256 TEXT NOT NULL,
    kind TEXT NOT NULL,
    format TEXT NOT NULL,
    instance BLOB NOT NULL,
    options TEXT NOT NULL,
    n_samples INTEGER,
    state TEXT NOT NULL,
    status TEXT,
    reason TEXT,
    message TEXT,
    result TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL
);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_idempotency ON jobs (owner, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, seq);
CREATE INDEX IF NOT EXISTS jobs_owner ON jobs (owner, seq);
"""

# A job that was running when the server died runs once more; after a second interruption it fails.
MAX_ATTEMPTS = 2


class JobState(StrEnum):
    """Where a job is in its life; separate from the answer's status (SPEC §1 table)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


TERMINAL = frozenset({JobState.DONE, JobState.FAILED, JobState.CANCELLED})


@dataclass(frozen=True)
class NewJob:
    """What a submission carries into the store."""

    owner: str
    kind: str
    format: str
    instance: bytes
    options: dict[str, Any]
    request_sha256: str
    n_samples: int | None = None
    idempotency_key: str | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    """The id the job gets if this submission creates it (known before the insert, so the API can keep the parsed
    instance for the worker under it before any dispatcher can claim the job)."""


@dataclass(frozen=True)
class JobRecord:
    """One stored job, without its instance bytes."""

    seq: int
    id: str
    owner: str
    kind: str
    format: str
    options: dict[str, Any]
    request_sha256: str
    n_samples: int | None
    state: JobState
    status: str | None
    reason: str | None
    message: str | None
    attempts: int
    created_at: float
    started_at: float | None
    finished_at: float | None
    has_result: bool

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL


_COLUMNS = (
    "seq, id, owner, kind, format, options, request_sha256, n_samples, state, status, reason, message, "
    "attempts, created_at, started_at, finished_at, result IS NOT NULL"
)


def _record(row: tuple[Any, ...]) -> JobRecord:
    (seq, id_, owner, kind, fmt, options, sha, n, state, status, reason, message, attempts, c, s, f, has) = row
    return JobRecord(
        seq, id_, owner, kind, fmt, json.loads(options), sha, n, JobState(state), status, reason, message,
        attempts, c, s, f, bool(has),
    )  # fmt: skip


class Store:
    """Thread-safe access to the jobs table through one connection (statements are short; a lock serialises).

    `synchronous="FULL"`: a write returns only once it is on disk (an acknowledged job survives power loss), by
    group commit (`WalSync`); `"NORMAL"`: it survives a crash of this process but may be lost with the machine.
    """

    def __init__(self, path: Path, synchronous: str = "FULL") -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)  # creates the WAL file, which stays while this connection is open
        self._sync = WalSync(path.with_name(path.name + "-wal")) if synchronous == "FULL" else None
        self._batching = False

    def close(self) -> None:
        with self._lock:
            self._db.close()
            if self._sync is not None:
                self._sync.close()

    @contextmanager
    def _transaction(self, durable: bool = True, ticket: list[int] | None = None) -> Iterator[sqlite3.Connection]:
        """One write transaction; with `durable`, return only once it is on disk. Inside `batch()`, a savepoint.
        `ticket` receives the commit's group-commit ticket (for `durable_async`)."""
        with self._lock:
            if self._batching:
                self._db.execute("SAVEPOINT one")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK TO one")
                    raise
                finally:
                    self._db.execute("RELEASE one")
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            number = self._sync.committed() if self._sync is not None else 0
        if ticket is not None:
            ticket.append(number)
        if durable and self._sync is not None:
            self._sync.wait(number)

    @contextmanager
    def batch(self, durable: bool = True) -> Iterator[None]:
        """Several writes in one transaction (with `durable`, one fsync); a write that raises undoes itself alone."""
        with self._transaction(durable):
            self._batching = True
            try:
                yield
            finally:
                self._batching = False

    # ------------------------------------------------------------ submission and reads

    def create(self, job: NewJob) -> tuple[JobRecord, bool]:
        """Insert a queued job and commit; with an idempotency key already used by this owner, return that job.

        The look-up of the key and the insert are one transaction, so two concurrent requests under one key
        cannot both insert. Raises `IdempotencyConflict` when the key's job was made from a different request.
        """
        record, created, ticket = self.create_pending(job)
        if self._sync is not None:
            self._sync.wait(ticket)
        return record, created

    def latest_ticket(self) -> int:
        """A ticket for `durable` covering every commit made so far (say, another request's insert of a job)."""
        return self._sync.latest() if self._sync is not None else 0

    async def durable(self, ticket: int) -> None:
        """Return once the commit with this ticket (from `create_pending`) is on disk, without a thread."""
        if self._sync is not None:
            await self._sync.wait_async(ticket)

    def create_pending(self, job: NewJob) -> tuple[JobRecord, bool, int]:
        """`create`, committed but not yet waited to disk: also the ticket to pass to `durable` before the job is
        acknowledged (the existing job of a reused key too: its own commit may still be on its way to disk)."""
        ticket: list[int] = []
        with self._transaction(durable=False, ticket=ticket) as db:
            row = None
            if job.idempotency_key is not None:
                row = db.execute(
                    f"SELECT {_COLUMNS} FROM jobs WHERE owner = ? AND idempotency_key = ?",
                    (job.owner, job.idempotency_key),
                ).fetchone()
            if row is not None:
                existing, created = _record(row), False
                if existing.request_sha256 != job.request_sha256:
                    raise IdempotencyConflict(
                        "this Idempotency-Key was used for a different request", "Idempotency-Key"
                    )
            else:
                db.execute(
                    "INSERT INTO jobs (id, owner, idempotency_key, request_sha256, kind, format, instance, options, "
                    "n_samples, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        job.id, job.owner, job.idempotency_key, job.request_sha256, job.kind, job.format,
                        job.instance, json.dumps(job.options), job.n_samples, JobState.QUEUED.value, time.time(),
                    ),
                )  # fmt: skip
                row = db.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job.id,)).fetchone()
                existing, created = _record(row), True
        return existing, created, ticket[0] if ticket else 0

    def get(self, job_id: str, owner: str | None = None) -> JobRecord | None:
        """The job, or None when it does not exist or belongs to another owner (callers answer 404 either way)."""
        with self._lock:
            row = self._db.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            return None
        record = _record(row)
        return record if owner is None or record.owner == owner else None

    def get_by_key(self, owner: str, idempotency_key: str) -> JobRecord | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM jobs WHERE owner = ? AND idempotency_key = ?", (owner, idempotency_key)
            ).fetchone()
        return None if row is None else _record(row)

    def instance(self, job_id: str) -> bytes:
        with self._lock:
            row = self._db.execute("SELECT instance FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return bytes(row[0])

    def result(self, job_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT result FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return json.loads(row[0]) if row and row[0] is not None else None

    def list(self, owner: str, limit: int, after: int | None = None, state: JobState | None = None) -> list[JobRecord]:
        """The owner's jobs, newest first, `limit` at a time; `after` is the `seq` cursor of the previous page."""
        query = f"SELECT {_COLUMNS} FROM jobs WHERE owner = ?"
        params: list[Any] = [owner]
        if after is not None:
            query += " AND seq < ?"
            params.append(after)
        if state is not None:
            query += " AND state = ?"
            params.append(state.value)
        query += " ORDER BY seq DESC LIMIT ?"
        params.append(limit)
        with self._lock:
            rows = self._db.execute(query, params).fetchall()
        return [_record(row) for row in rows]

    def count_by_state(self) -> dict[JobState, int]:
        with self._lock:
            rows = self._db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall()
        counts = dict.fromkeys(JobState, 0)
        counts.update({JobState(state): n for state, n in rows})
        return counts

    def queue_depth(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT COUNT(*) FROM jobs WHERE state = ?", (JobState.QUEUED.value,)).fetchone()
        return int(row[0])

    # ------------------------------------------------------------ state transitions

    def claim_next(self) -> JobRecord | None:
        """Move the oldest queued job to `running` (one more attempt) and return it.

        Not waited to disk: after a power loss the job is simply queued again.
        """
        with self._transaction(durable=False) as db:
            row = db.execute(
                "SELECT id FROM jobs WHERE state = ? ORDER BY seq LIMIT 1", (JobState.QUEUED.value,)
            ).fetchone()
            if row is None:
                return None
            db.execute(
                "UPDATE jobs SET state = ?, attempts = attempts + 1, started_at = ? WHERE id = ?",
                (JobState.RUNNING.value, time.time(), row[0]),
            )
            found = db.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (row[0],)).fetchone()
        return _record(found)

    def finish(
        self,
        job_id: str,
        state: JobState,
        status: str | None = None,
        result: dict[str, Any] | None = None,
        reason: str | None = None,
        message: str | None = None,
    ) -> bool:
        """Record the end of a running job; False if it was no longer running (e.g. cancelled meanwhile)."""
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE jobs SET state = ?, status = ?, result = ?, reason = ?, message = ?, finished_at = ? "
                "WHERE id = ? AND state = ?",
                (
                    state.value, status, None if result is None else json.dumps(result), reason, message,
                    time.time(), job_id, JobState.RUNNING.value,
                ),
            )  # fmt: skip
        return cursor.rowcount == 1

    def cancel(self, job_id: str) -> JobState | None:
        """Mark a queued or running job cancelled; return the state it had (None if it was already over)."""
        with self._transaction() as db:
            row = db.execute("SELECT state FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None or JobState(row[0]) in TERMINAL:
                return None
            db.execute(
                "UPDATE jobs SET state = ?, reason = ?, message = ?, finished_at = ? WHERE id = ?",
                (JobState.CANCELLED.value, "cancelled", "cancelled by the client", time.time(), job_id),
            )
        return JobState(row[0])

    def requeue(self, job_id: str) -> None:
        """Put a running job back in the queue without spending an attempt (a clean shutdown interrupted it)."""
        with self._transaction() as db:
            db.execute(
                "UPDATE jobs SET state = ?, attempts = MAX(attempts - 1, 0), started_at = NULL "
                "WHERE id = ? AND state = ?",
                (JobState.QUEUED.value, job_id, JobState.RUNNING.value),
            )

    def interrupt(self, job_id: str, message: str) -> JobState:
        """A running job lost its worker: back to the queue, or `failed` as `interrupted` after MAX_ATTEMPTS."""
        with self._transaction() as db:
            row = db.execute("SELECT state, attempts FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None or row[0] != JobState.RUNNING.value:
                return JobState(row[0]) if row else JobState.FAILED
            if row[1] >= MAX_ATTEMPTS:
                db.execute(
                    "UPDATE jobs SET state = ?, reason = ?, message = ?, finished_at = ? WHERE id = ?",
                    (JobState.FAILED.value, "interrupted", f"interrupted twice; last: {message}", time.time(), job_id),
                )
                return JobState.FAILED
            db.execute("UPDATE jobs SET state = ?, started_at = NULL WHERE id = ?", (JobState.QUEUED.value, job_id))
            return JobState.QUEUED

    def recover(self) -> dict[str, int]:
        """After a crash: jobs left `running` run once more, or fail as `interrupted` after MAX_ATTEMPTS."""
        with self._transaction() as db:
            failed = db.execute(
                "UPDATE jobs SET state = ?, reason = ?, message = ?, finished_at = ? "
                "WHERE state = ? AND attempts >= ?",
                (
                    JobState.FAILED.value, "interrupted", "the server stopped twice while this job ran",
                    time.time(), JobState.RUNNING.value, MAX_ATTEMPTS,
                ),
            ).rowcount  # fmt: skip
            requeued = db.execute(
                "UPDATE jobs SET state = ?, started_at = NULL WHERE state = ?",
                (JobState.QUEUED.value, JobState.RUNNING.value),
            ).rowcount
        return {"requeued": requeued, "failed": failed}
