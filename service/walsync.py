"""Group commit for SQLite in WAL mode: durable writes that share their fsyncs."""

from __future__ import annotations

import os
import threading
from pathlib import Path


class WalSync:
    """Group commit: one fsync of the WAL file makes every commit made before it durable.

    SQLite's `synchronous=FULL` fsyncs the WAL at each commit, under the write lock: ~5 ms each on a virtual disk,
    so writes queue up behind one another. Here commits run with `NORMAL` (SQLite still syncs at checkpoints and at
    WAL reuse) and each durable commit waits, outside the lock, for an fsync of the WAL that began after it; one
    fsync serves every commit that waits at that moment. The caller is answered only after its fsync, as with FULL.
    """

    def __init__(self, wal: Path) -> None:
        self._fd = os.open(wal, os.O_RDONLY | os.O_CREAT, 0o644)
        self._cond = threading.Condition()
        self._committed = self._synced = 0
        self._syncing = False

    def committed(self) -> int:
        """Count a commit (call under the store's write lock, right after COMMIT); its ticket for `wait`."""
        with self._cond:
            self._committed += 1
            return self._committed

    def wait(self, ticket: int) -> None:
        """Return once the commit with this ticket is on disk."""
        with self._cond:
            while self._synced < ticket:
                if self._syncing:
                    self._cond.wait()
                    continue
                self._syncing, target = True, self._committed
                self._cond.release()
                try:
                    os.fsync(self._fd)
                finally:
                    self._cond.acquire()
                    self._syncing = False
                    self._cond.notify_all()
                self._synced = max(self._synced, target)

    def close(self) -> None:
        os.close(self._fd)
