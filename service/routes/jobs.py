"""`/v1/jobs`: submit (JSON or `.npz`), read state, result, certificate and log, cancel, list."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Header, Path, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field, ValidationError

from problems.answers import SolveOptions
from problems.errors import InvalidOptions, from_validation_error
from service.deps import MetricsDep, OwnerDep, PoolDep, SettingsDep, StoreDep
from service.errors import ERROR_RESPONSES, ErrorBody, IdempotencyConflict, NotAvailable, NotFound, NotReady, QueueFull
from service.formats import parse_instance, to_json
from service.metrics import Metrics
from service.models import Cancelled, JobLog, JobPage, JobRequest, JobView
from service.store import JobRecord, JobState, Store
from service.submit import canonical_json, prepare_job

router = APIRouter(prefix="/v1/jobs", tags=["jobs"], responses={**ERROR_RESPONSES})

# A JSON instance up to this size is validated and stored on the event loop (a few hundred microseconds); a larger
# one, or any `.npz` (a small archive may unpack to large arrays), in the thread pool, so that parsing it never
# holds up other requests.
INLINE_ACCEPT_MAX_BYTES = 64 * 1024
# Every path and query parameter is bounded, so no value of any of them can reach SQLite or a seek as an overflow.
MAX_INT64 = 2**63 - 1
JobId = Annotated[str, Path(min_length=1, max_length=64, description="job id")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key", max_length=200, description="a retried POST with the same key returns the same job"
    ),
]
Wait = Annotated[
    float | None,
    Query(ge=0, le=3600, description="block up to this many seconds; 200 with the result if the job finished"),
]
# OpenAPI links from a submitted job to every operation on it, for clients and for stateful API testing.
JOB_LINKS = {
    name: {"operationId": f"{operation}_v1_jobs__job_id_{suffix}", "parameters": {"job_id": "$response.body#/id"}}
    for name, operation, suffix in [
        ("GetJob", "get_job", "_get"),
        ("CancelJob", "cancel_job", "_delete"),
        ("GetResult", "get_result", "_result_get"),
        ("GetCertificate", "get_certificate", "_certificate_get"),
        ("GetProof", "get_proof", "_certificate_proof_get"),
        ("GetCnf", "get_cnf", "_certificate_cnf_get"),
        ("GetLog", "get_log", "_log_get"),
        ("LiftResult", "lift_result", "_lift_post"),
    ]
}
SUBMIT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "model": JobView,
        "description": "the job ended within `?wait=`; when `done`, `result` holds the answer",
        "links": JOB_LINKS,
    },
    202: {
        "model": JobView,
        "description": "accepted; poll `Location`",
        "headers": {"Location": {"schema": {"type": "string"}}},
        "links": JOB_LINKS,
    },
    409: {"model": ErrorBody, "description": "the Idempotency-Key was used with another request"},
    429: {
        "model": ErrorBody,
        "description": "queue full; retry after `Retry-After` seconds",
        "headers": {"Retry-After": {"schema": {"type": "string"}}},
    },
}
NOT_READY = {409: {"model": ErrorBody, "description": "the job has no result: not finished, failed or cancelled"}}


@router.post("", status_code=202, response_model=JobView, responses=SUBMIT_RESPONSES)
async def submit_job(
    request: JobRequest,
    owner: OwnerDep,
    settings: SettingsDep,
    store: StoreDep,
    pool: PoolDep,
    metrics: MetricsDep,
    wait: Wait = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Queue a job `{kind, instance, options}`; the job is committed to the store before this answers."""
    blob = canonical_json(request.instance)
    job = Submission(owner, request.kind, "json", blob, request.options, idempotency_key, request.instance)
    return await _submit(job, settings, store, pool, metrics, wait)


@router.post("/upload", status_code=202, response_model=JobView, responses=SUBMIT_RESPONSES)
async def submit_upload(
    file: Annotated[UploadFile, File(description="the instance as `.npz` (partition: tokens, labels, sizes, classes)")],
    owner: OwnerDep,
    settings: SettingsDep,
    store: StoreDep,
    pool: PoolDep,
    metrics: MetricsDep,
    kind: Annotated[str, Form(description="a problem kind with a binary form")] = "partition",
    options: Annotated[str, Form(description="solve options as a JSON object")] = "{}",
    wait: Wait = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Queue a job whose instance is a binary `.npz` upload (multipart), for instances too large for JSON."""
    job = Submission(owner, kind, "npz", await file.read(), _form_options(options), idempotency_key)
    return await _submit(job, settings, store, pool, metrics, wait)


def _form_options(text: str) -> SolveOptions:
    try:
        return SolveOptions.model_validate_json(text or "{}")
    except ValidationError as exc:
        raise from_validation_error(exc, InvalidOptions, "options") from exc


@dataclass(frozen=True)
class Submission:
    """One submitted job as received: whose, which kind, in which form (`json` or `npz`), with which options;
    `decoded` is a JSON instance as the request body already decoded it (`blob` is its canonical form)."""

    owner: str
    kind: str
    fmt: str
    blob: bytes
    options: SolveOptions
    idempotency_key: str | None
    decoded: Any = None


async def _submit(
    job: Submission, settings: Any, store: Store, pool: Any, metrics: Metrics, wait: float | None
) -> JSONResponse:
    if job.fmt == "json" and len(job.blob) <= INLINE_ACCEPT_MAX_BYTES:  # well under a millisecond: no thread hop
        record, created, ticket = _accept(job, settings, store, pool)
    else:
        record, created, ticket = await run_in_threadpool(_accept, job, settings, store, pool)
    if created:
        pool.notify()  # it starts now if a worker is free, while its commit goes to disk
        metrics.submitted.labels(job.kind).inc()
    if wait:
        await pool.wait(record.id, min(wait, settings.max_wait))
        record = store.get(record.id) or record
        if record.terminal:  # its outcome too: a later ticket, whose fsync covers every commit before it
            ticket = max(ticket, store.latest_ticket())
    await store.durable(ticket)  # the job (and its outcome, if any) is on disk before the client hears of it
    location = {"Location": f"/v1/jobs/{record.id}"}
    if record.terminal:
        result = store.result(record.id) if record.state is JobState.DONE else None
        view = JobView.of(record, None if result is None else _served(result, record, settings))
        return JSONResponse(view.model_dump(mode="json"), status_code=200, headers=location)
    return JSONResponse(JobView.of(record).model_dump(mode="json"), status_code=202, headers=location)


def _accept(submission: Submission, settings: Any, store: Store, pool: Any) -> tuple[JobRecord, bool, int]:
    """Validate and commit the job (or find the one its idempotency key made); the commit's ticket for
    `store.durable`, which the caller awaits before answering.

    The parsed instance is handed to the dispatcher under the new job's id before the job is committed, so the
    worker gets it with the task instead of parsing the stored bytes again.
    """
    owner, key = submission.owner, submission.idempotency_key
    job, parsed = prepare_job(
        owner, submission.kind, submission.fmt, submission.blob, submission.options, settings, key, submission.decoded
    )
    existing = store.get_by_key(owner, key) if key else None
    if existing is not None:
        if existing.request_sha256 != job.request_sha256:
            raise IdempotencyConflict("this Idempotency-Key was used for a different request", "Idempotency-Key")
        return existing, False, store.latest_ticket()  # its own commit may still be on its way to disk
    if store.queue_depth() >= settings.max_queue:
        raise QueueFull(f"the queue holds {settings.max_queue} jobs, the most this server allows")
    pool.keep_parsed(job.id, parsed, len(submission.blob))
    created = False
    try:
        record, created, ticket = store.create_pending(job)
    finally:
        if not created:  # a race on the idempotency key found another job, or the insert failed
            pool.drop_parsed(job.id)
    return record, created, ticket


@router.get("", response_model=JobPage)
def list_jobs(
    owner: OwnerDep,
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=500, description="jobs per page")] = 50,
    after: Annotated[
        int | None, Query(ge=0, le=MAX_INT64, description="the `next` cursor of the previous page")
    ] = None,
    state: Annotated[JobState | None, Query(description="only jobs in this state")] = None,
) -> JobPage:
    """The caller's jobs, newest first, one page at a time."""
    records = store.list(owner, limit, after, state)
    cursor = records[-1].seq if len(records) == limit else None
    return JobPage(jobs=[JobView.of(r) for r in records], next=cursor)


def owned_job(store: Store, job_id: str, owner: str) -> JobRecord:
    record = store.get(job_id, owner)
    if record is None:
        raise NotFound(f"no job {job_id!r}", "id")
    return record


@router.get("/{job_id}", response_model=JobView)
def get_job(job_id: JobId, owner: OwnerDep, store: StoreDep) -> JobView:
    """The job's state, and the answer's status once it is done."""
    return JobView.of(owned_job(store, job_id, owner))


def job_answer(store: Store, record: JobRecord) -> dict[str, Any]:
    if record.state is not JobState.DONE:
        why = f" ({record.reason}: {record.message})" if record.reason else ""
        raise NotReady(f"job {record.id} is {record.state.value}{why}; it has no answer", "id")
    answer = store.result(record.id)
    assert answer is not None  # a done job always has one (Store.finish writes both together)
    return answer


@router.get("/{job_id}/result", responses=NOT_READY)
def get_result(job_id: JobId, owner: OwnerDep, store: StoreDep, settings: SettingsDep) -> dict[str, Any]:
    """The answer (SPEC §3), certificate included; a proof or CNF over `LATENTSAT_INLINE_PROOF_MAX_BYTES` is named
    (`proof_file`, `proof_sha256`, `cnf_file`) and served at `/certificate/proof` and `/certificate/cnf`."""
    record = owned_job(store, job_id, owner)
    return _served(job_answer(store, record), record, settings)


def _served(answer: dict[str, Any], record: JobRecord, settings: Any) -> dict[str, Any]:
    """The answer as served: long texts replaced by the names of their download endpoints' files."""
    from solvers.proof_files import externalise

    return externalise(answer, record.id, settings.inline_proof_max_bytes)[0]


@router.get("/{job_id}/certificate", responses=NOT_READY)
def get_certificate(job_id: JobId, owner: OwnerDep, store: StoreDep, settings: SettingsDep) -> JSONResponse:
    """A downloadable bundle `{instance, answer}` that `latentsat check` re-verifies from scratch (a long proof is
    named in it: save `/certificate/proof` beside the bundle under that name, or pass `check --proof`)."""
    record = owned_job(store, job_id, owner)
    answer = _served(job_answer(store, record), record, settings)
    parsed = parse_instance(record.kind, record.format, store.instance(record.id))
    bundle = {"job": record.id, "kind": record.kind, "instance": to_json(parsed), "answer": answer}
    disposition = {"Content-Disposition": f'attachment; filename="{record.id}-certificate.json"'}
    return JSONResponse(bundle, headers=disposition)


class LiftToSource(BaseModel):
    """Which reduction produced this job's instance, and its source (the `map.source` of `POST /v1/reductions`)."""

    reduction: str = Field(description="the reduction's name or alias, e.g. R1 or R1R2", examples=["R1"])
    source: dict[str, Any] = Field(description="the source instance the reduction was run on")


@router.post("/{job_id}/lift", responses=NOT_READY)
def lift_result(
    job_id: JobId, owner: OwnerDep, store: StoreDep, settings: SettingsDep, request: LiftToSource
) -> dict[str, Any]:
    """The job's answer mapped back through a hardness reduction: a source solution verified on the source (an
    infeasible target lifts with its certificate, re-checkable by `latentsat check --instance MAP`)."""
    from service.routes.reductions import lift_guarded

    record = owned_job(store, job_id, owner)
    return _served(lift_guarded(request.reduction, request.source, job_answer(store, record)), record, settings)


TEXT_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "the text"},
    **NOT_READY,
}


@router.get("/{job_id}/certificate/proof", response_model=None, responses=TEXT_RESPONSE)
def get_proof(job_id: JobId, owner: OwnerDep, store: StoreDep) -> PlainTextResponse:
    """The DRUP proof as text (for `drup cnf proof`)."""
    return _certificate_text(store, owned_job(store, job_id, owner), "proof", "drup")


@router.get("/{job_id}/certificate/cnf", response_model=None, responses=TEXT_RESPONSE)
def get_cnf(job_id: JobId, owner: OwnerDep, store: StoreDep) -> PlainTextResponse:
    """The refuted DIMACS CNF as text."""
    return _certificate_text(store, owned_job(store, job_id, owner), "cnf", "cnf")


def _certificate_text(store: Store, record: JobRecord, part: str, suffix: str) -> PlainTextResponse:
    certificate = job_answer(store, record).get("certificate") or {}
    text = certificate.get(part)
    if not text:
        raise NotAvailable(f"the certificate of job {record.id} has no {part}", "id")
    disposition = {"Content-Disposition": f'attachment; filename="{record.id}.{suffix}"'}
    return PlainTextResponse(text, headers=disposition)


@router.get("/{job_id}/log", response_model=JobLog)
def get_log(
    job_id: JobId,
    owner: OwnerDep,
    store: StoreDep,
    pool: PoolDep,
    offset: Annotated[
        int, Query(ge=0, le=MAX_INT64, description="byte offset: the `next_offset` of the previous call")
    ] = 0,
) -> JobLog:
    """The job's log from `offset` on, as NEOS serves it: poll with the returned `next_offset`."""
    record = owned_job(store, job_id, owner)
    path = pool.log_dir / f"{record.id}.log"
    data = b""
    if path.exists():
        with open(path, "rb") as log:
            size = log.seek(0, os.SEEK_END)
            log.seek(min(offset, size))  # past the end there is nothing yet; seek() would overflow at 2^63
            data = log.read(1 << 20)
    return JobLog(
        offset=offset,
        next_offset=offset + len(data),
        text=data.decode(errors="replace"),
        complete=record.terminal and len(data) < (1 << 20),
    )


@router.delete("/{job_id}", response_model=Cancelled)
def cancel_job(job_id: JobId, owner: OwnerDep, store: StoreDep, pool: PoolDep) -> Cancelled:
    """Cancel: a queued job never runs; a running one is killed at once. A finished job is left as it is."""
    record = owned_job(store, job_id, owner)
    was = store.cancel(record.id)
    if was is JobState.RUNNING:
        pool.cancel(record.id)
    pool.finished(record.id)
    current = store.get(record.id)
    return Cancelled(id=record.id, state=current.state if current else record.state, was=was)
