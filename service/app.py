"""The FastAPI application: `create_app(settings)` wires the store, the worker pool, the routes and the limits."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from service.config import Settings
from service.errors import install_error_handlers
from service.limits import BodySizeLimit
from service.metrics import Metrics
from service.routes import health, jobs, kinds, plots, reductions, solvers, ui
from service.store import Store
from service.workers import WorkerPool

logger = logging.getLogger("latentsat.service")

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
        pool = WorkerPool(
            store, settings.workers, settings.memory_limit_mb, settings.log_dir(), settings.hard_kill_grace_s
        )
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

    app = FastAPI(title="latentsat", version="1", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.keys = frozenset(settings.keys())
    install_error_handlers(app, settings.retry_after_s)
    for module in (jobs, plots, solvers, kinds, reductions, health, ui):
        app.include_router(module.router)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app


def _log_auth_mode(keys: frozenset[str]) -> None:
    if keys:
        logger.warning("auth: %d API key(s); every /v1/jobs request needs `Authorization: Bearer <key>`", len(keys))
    else:
        logger.warning("auth: OPEN MODE, no API keys configured; anyone who can reach this port can submit jobs")
