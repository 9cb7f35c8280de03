"""`GET /v1/jobs/{id}/plot.png`: the recovered structure of a finished job as a PNG (latentsat/view/plots.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from service.deps import OwnerDep, StoreDep
from service.errors import ERROR_RESPONSES, ErrorBody
from service.formats import parse_instance
from service.store import JobRecord, Store

router = APIRouter(prefix="/v1/jobs", tags=["jobs"], responses={**ERROR_RESPONSES})

PNG_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {}}, "description": "the picture"},
    409: {"model": ErrorBody, "description": "the job has no answer: not finished, failed or cancelled"},
}


def job_plot_png(store: Store, record: JobRecord) -> bytes:
    """Render a done job's answer with its instance (binned, so bounded for any instance size)."""
    from latentsat.view.plots import render_png
    from service.routes.jobs import job_answer

    answer = job_answer(store, record)
    instance = parse_instance(record.kind, record.format, store.instance(record.id))
    return render_png(record.kind, answer, instance)


@router.get("/{job_id}/plot.png", response_class=Response, responses=PNG_RESPONSE)
async def get_plot(job_id: str, owner: OwnerDep, store: StoreDep) -> Response:
    """The answer as a picture: per pair of groups the samples' labels with tokens ordered by class, and the
    table g (partition); X beside φ(b, A) (LSA)."""
    from service.routes.jobs import owned_job

    png = await run_in_threadpool(job_plot_png, store, owned_job(store, job_id, owner))
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})
