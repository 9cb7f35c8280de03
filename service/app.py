"""The FastAPI application: `create_app(settings)` wires the store, the worker pool, the routes and the limits."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from service.config import Settings
from service.dispatch import Dispatcher, Executor
from service.errors import install_error_handlers
from service.limits import BodySizeLimit
from service.metrics import Metrics
from service.routes import health, jobs, kinds, plots, reductions, solvers, ui
from service.store import Store
from service.workers import LocalExecutor

logger = logging.getLogger("latentsat.service")
YOUNG_GC_THRESHOLD = 10_000  # allocations between collections of the youngest generation (CPython's default: 700)

DESCRIPTION = """Submit problems (`POST /v1/jobs` with `{kind, instance, options}`), follow their state, and fetch
verified answers with certificates. The job state (`queued`, `running`, `done`, `failed`, `cancelled`) is separate
from the answer's status (`solved`, `unique`, `infeasible`, `optimal`, `unknown`). Every error body is
`{"error": {"code", "message", "field"?}}`."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service; the store opens and the workers start when the app starts (its lifespan)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = Store(settings.db, settings.sqlite_synchronous)
        recovered = store.recover()
        if any(recovered.values()):
            logger.warning("recovered after an unclean stop: %s", recovered)
        pool = Dispatcher(store, make_executor(settings), settings.log_dir(), settings.memory_limit_mb)
        app.state.store, app.state.pool = store, pool
        app.state.metrics = Metrics(store, pool)
        pool.on_finish = app.state.metrics.job_finished
        pool.start(asyncio.get_running_loop())
        _log_auth_mode(app.state.keys)
        try:
            yield
        finally:
            pool.stop()
            store.close()

    # Swagger UI and ReDoc from assets that fastapi-offline ships, so /docs works without internet (no CDN).
    app = FastAPIOffline(title="latentsat", version="1", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.keys = frozenset(settings.keys())
    install_error_handlers(app, settings.retry_after_s)
    for module in (jobs, plots, solvers, kinds, reductions, health, ui):
        app.include_router(module.router)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app


def settle_heap() -> None:
    """For a server process (`latentsat serve`, not an app inside tests): everything imported so far, out of the
    garbage collector's reach (it lives as long as the server), and a young generation sized for a server's
    allocation rate: a request allocates a few thousand objects (a JSON instance), and with CPython's threshold
    (700) a collection ran every few requests, walking every in-flight request's objects each time (~0.1 ms of CPU
    per small job)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_GC_THRESHOLD, *gc.get_threshold()[1:])


def make_executor(settings: Settings) -> Executor:
    """Local warm workers (or a process per job) by default; RQ workers on Redis with `queue`."""
    if settings.queue:
        from service.queue import RedisExecutor

        return RedisExecutor(settings.queue, settings.hard_kill_grace_s, settings.log_dir())
    return LocalExecutor(
        settings.workers, settings.memory_limit_mb, settings.log_dir(), settings.hard_kill_grace_s,
        settings.pool, settings.max_jobs_per_worker,
    )  # fmt: skip


def _log_auth_mode(keys: frozenset[str]) -> None:
    if keys:
        logger.warning("auth: %d API key(s); every /v1/jobs request needs `Authorization: Bearer <key>`", len(keys))
    else:
        logger.warning("auth: OPEN MODE, no API keys configured; anyone who can reach this port can submit jobs")
