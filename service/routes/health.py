"""`/healthz` for load balancers and start-up scripts, and `/metrics` for Prometheus."""

from __future__ import annotations

from fastapi import APIRouter

from service.deps import PoolDep, StoreDep
from service.models import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz(store: StoreDep, pool: PoolDep) -> Health:
    """Healthy once the store answers and the worker pool runs."""
    return Health(ok=True, workers=pool.workers, busy=pool.busy, queued=store.queue_depth())
