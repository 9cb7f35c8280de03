"""`/healthz` for load balancers and start-up scripts, and `/metrics` for Prometheus."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.deps import MetricsDep, PoolDep, StoreDep
from service.models import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz(store: StoreDep, pool: PoolDep) -> Health:
    """Healthy once the store answers and the worker pool runs."""
    return Health(ok=True, workers=pool.workers, busy=pool.busy, queued=store.queue_depth())


METRICS_RESPONSE = {200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "Prometheus text"}}


@router.get("/metrics", response_model=None, responses=METRICS_RESPONSE)
def metrics(metrics: MetricsDep) -> Response:
    """Prometheus exposition: jobs by state, queue depth, busy workers, submissions, solve seconds."""
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
