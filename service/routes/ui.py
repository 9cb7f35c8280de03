"""`/ui`: server-rendered HTML pages (Jinja2, no script, no external asset): the caller's jobs, and one job with its
plot, certificate summary, log and a cancel button.

Auth in a browser: with API keys on, `/ui/login` takes a key in a form and keeps it in a cookie (`HttpOnly`,
`SameSite=Strict`, path `/ui`, `Secure` over HTTPS) that these pages read the way `/v1` reads
`Authorization: Bearer`: a page shows only the jobs of that key, and another key's job is a 404. `SameSite=Strict`
keeps other sites from posting the cancel form with the cookie. Without keys (open mode) no login is asked.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from service.deps import OPEN_OWNER, PoolDep, StoreDep, owner_of
from service.routes.jobs import cancel_job
from service.store import JobRecord, JobState

router = APIRouter(prefix="/ui", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")

COOKIE = "latentsat_key"
LOG_TAIL_BYTES = 64 * 1024
PAGE_SIZE = 50


def _owner(request: Request) -> str | None:
    """The caller's owner id from the cookie (None: log in first); the open owner when the server has no keys."""
    keys: frozenset[str] = request.app.state.keys
    if not keys:
        return OPEN_OWNER
    key = request.cookies.get(COOKIE)
    return owner_of(key) if key is not None and key in keys else None


def _to_login() -> RedirectResponse:
    return RedirectResponse("/ui/login", status_code=303)


def _page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("auth", bool(request.app.state.keys))
    return templates.TemplateResponse(request, name, context, status_code=status_code)


@router.get("", response_class=HTMLResponse)
def jobs_page(
    request: Request,
    store: StoreDep,
    after: Annotated[int | None, Query(ge=0)] = None,
    state: Annotated[JobState | None, Query()] = None,
) -> Response:
    """The caller's jobs, newest first; the page reloads itself while one of them is queued or running."""
    owner = _owner(request)
    if owner is None:
        return _to_login()
    records = store.list(owner, PAGE_SIZE, after, state)
    older = records[-1].seq if len(records) == PAGE_SIZE else None
    rows = [_job_row(record) for record in records]
    active = any(not record.terminal for record in records)
    return _page(request, "jobs.html", jobs=rows, older=older, state=state, refresh=3 if active else None)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return _page(request, "login.html", error=None)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, key: Annotated[str, Form(max_length=500)]) -> Response:
    """Check the key, then keep it in the page cookie; a wrong key is a 401 with the form again."""
    if request.app.state.keys and key.strip() not in request.app.state.keys:
        return _page(request, "login.html", status_code=401, error="This key is not accepted.")
    response = RedirectResponse("/ui", status_code=303)
    secure = request.url.scheme == "https"
    response.set_cookie(COOKIE, key.strip(), httponly=True, samesite="strict", path="/ui", secure=secure)
    return response


@router.post("/logout")
def logout() -> Response:
    response = _to_login()
    response.delete_cookie(COOKIE, path="/ui")
    return response


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: str, store: StoreDep, pool: PoolDep) -> Response:
    """One job: state, answer summary, certificate summary, plot (when done), log tail, cancel button."""
    owner = _owner(request)
    if owner is None:
        return _to_login()
    record = store.get(job_id, owner)
    if record is None:
        return _page(request, "missing.html", status_code=404, job_id=job_id)
    answer = store.result(record.id) if record.state is JobState.DONE else None
    return _page(
        request,
        "job.html",
        job=_job_row(record),
        answer=_answer_rows(answer) if answer is not None else [],
        certificate=_certificate_rows(answer),
        has_plot=answer is not None,
        log=_log_tail(pool.log_dir / f"{record.id}.log"),
        refresh=None if record.terminal else 1,
    )


@router.get("/jobs/{job_id}/plot.png")
async def job_plot(request: Request, job_id: str, store: StoreDep) -> Response:
    """The same picture as `/v1/jobs/{id}/plot.png`, authenticated by the page cookie."""
    from service.routes.plots import job_plot_png

    owner = _owner(request)
    record = store.get(job_id, owner) if owner is not None else None
    if record is None or record.state is not JobState.DONE:
        return Response("no plot: no such finished job", status_code=404, media_type="text/plain")
    png = await run_in_threadpool(job_plot_png, store, record)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


@router.post("/jobs/{job_id}/cancel")
def cancel(request: Request, job_id: str, store: StoreDep, pool: PoolDep) -> Response:
    """The cancel button: the same effect as `DELETE /v1/jobs/{id}`, then back to the job page."""
    owner = _owner(request)
    if owner is None:
        return _to_login()
    if store.get(job_id, owner) is not None:
        cancel_job(job_id, owner, store, pool)  # the DELETE route itself, so both cancel alike
    return RedirectResponse(f"/ui/jobs/{job_id}", status_code=303)


def _job_row(record: JobRecord) -> dict[str, Any]:
    ended = record.finished_at or (None if record.terminal else time.time())
    began = record.started_at
    return {
        "id": record.id,
        "kind": record.kind,
        "state": record.state.value,
        "status": record.status or "",
        "reason": record.reason or "",
        "message": record.message or "",
        "backend": record.options.get("backend", ""),
        "samples": record.n_samples if record.n_samples is not None else "",
        "created": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(record.created_at)),
        "seconds": f"{ended - began:.1f}" if began is not None and ended is not None else "",
        "terminal": record.terminal,
    }


def _answer_rows(answer: dict[str, Any]) -> list[tuple[str, str]]:
    rows = [("status", str(answer.get("status")))]
    for key in ("violations", "mode", "residual", "loss_excess", "lower_bound", "gap", "message"):
        if answer.get(key) is not None:
            rows.append((key, str(answer[key])))
    if answer.get("alternative") is not None:
        rows.append(("alternative", "a second verified partition exists (see the JSON result)"))
    stats = answer.get("stats") or {}
    for key in ("backend", "solver", "wall_s", "unique_check", "winner"):
        if stats.get(key) is not None:
            rows.append((f"stats.{key}", str(stats[key])))
    return rows


def _certificate_rows(answer: dict[str, Any] | None) -> list[tuple[str, str]]:
    from latentsat.view.pretty import certificate_summary

    certificate = (answer or {}).get("certificate")
    return certificate_summary(certificate) if certificate else []


def _log_tail(path: Path) -> str:
    """The last LOG_TAIL_BYTES of the job log (the whole log is `GET /v1/jobs/{id}/log`)."""
    if not path.exists():
        return ""
    with open(path, "rb") as log:
        size = log.seek(0, 2)
        log.seek(max(0, size - LOG_TAIL_BYTES))
        text = log.read().decode(errors="replace")
    return ("… (earlier lines cut)\n" if size > LOG_TAIL_BYTES else "") + text
