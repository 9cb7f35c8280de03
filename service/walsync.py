"""Group commit for SQLite in WAL mode: durable writes that share their fsyncs."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from pathlib import Path


class WalSync:
    """Group commit: one fsync of the WAL file makes every commit made before it durable.

    SQLite's `synchronous=FULL` fsyncs the WAL at each commit, under the write lock: ~5 ms each on a virtual disk,
    so writes queue up behind one another. Here commits run with `NORMAL` (SQLite still syncs at checkpoints and at
    WAL reuse) and each durable commit waits, outside the lock, for an fsync of the WAL that began after it; one
    fsync serves every commit that waits at that moment. The caller is answered only after its fsync, as with FULL.

    A thread waits with `wait`, doing the fsync itself when no other is under way. The event loop awaits
    `wait_async`: its tickets are served by a syncer thread, so a request needs no thread of its own to be durable.
    """

    def __init__(self, wal: Path) -> None:
        self._fd = os.open(wal, os.O_RDONLY | os.O_CREAT, 0o644)
        self._cond = threading.Condition()
        self._committed = self._synced = 0
        self._syncing = False
        self._closed = False
        self._pending: list[tuple[int, asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._syncer = threading.Thread(target=self._serve_async, name="latentsat-walsync", daemon=True)
        self._syncer.start()

    def committed(self) -> int:
        """Count a commit (call under the store's write lock, right after COMMIT); its ticket for `wait`."""
        with self._cond:
            self._committed += 1
            return self._committed

    def latest(self) -> int:
        """A ticket covering every commit counted so far (to wait for one that another request made)."""
        with self._cond:
            return self._committed

    def wait(self, ticket: int) -> None:
        """Return once the commit with this ticket is on disk."""
        with self._cond:
            while self._synced < ticket:
                if self._syncing:
                    self._cond.wait()
                    continue
                self._sync_locked()

    async def wait_async(self, ticket: int) -> None:
        """`wait` for the event loop: resolved by the syncer thread once the commit is on disk."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._cond:
            if self._synced >= ticket:
                return
            self._pending.append((ticket, loop, future))
            self._cond.notify_all()
        await future

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._syncer.join(timeout=5)
        os.close(self._fd)

    def _sync_locked(self) -> None:
        """One fsync covering every commit counted so far (called holding `_cond`, which it releases meanwhile)."""
        self._syncing, target = True, self._committed
        self._cond.release()
        try:
            os.fsync(self._fd)
        finally:
            self._cond.acquire()
            self._syncing = False
            self._cond.notify_all()
        self._synced = max(self._synced, target)

    def _serve_async(self) -> None:
        with self._cond:
            while not self._closed:
                if not self._pending:
                    self._cond.wait()
                    continue
                if self._syncing:  # a thread's fsync is under way: it may cover the pending tickets
                    self._cond.wait()
                elif self._synced < max(ticket for ticket, _, _ in self._pending):
                    self._sync_locked()
                done = [item for item in self._pending if item[0] <= self._synced]
                self._pending = [item for item in self._pending if item[0] > self._synced]
                for _, loop, future in done:
                    with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits any more
                        loop.call_soon_threadsafe(_resolve, future)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
