"""Request and response models of the `/v1` API, with the examples OpenAPI shows."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from problems.answers import SolveOptions
from service.store import JobRecord, JobState

EXAMPLE_INSTANCE = {
    "kind": "partition",
    "groups": [{"size": 3, "classes": 2}, {"size": 3, "classes": 2}],
    "samples": [[0, 1, 1], [2, 0, 0], [1, 1, 1]],
    "max_violations": 0,
}
EXAMPLE_ANSWER: dict[str, Any] = {
    "status": "solved",
    "classes": [[0, 1, 0], [0, 0, 0]],
    "table": [{"cell": [0, 0], "label": 0}, {"cell": [1, 0], "label": 1}],
    "unconstrained": [[], []],
    "violations": 0,
    "certificate": {"kind": "solution", "checked": True},
    "stats": {"backend": "pysat", "solver": "cadical195", "wall_s": 0.02},
}


class JobRequest(BaseModel):
    """A job: the problem kind (see `GET /v1/kinds`), the instance in that kind's JSON form, and solve options."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"kind": "partition", "instance": EXAMPLE_INSTANCE, "options": {"time_limit": 10}}]
        },
    )
    kind: str = Field(default="partition", description="a problem kind from `GET /v1/kinds`", examples=["partition"])
    instance: dict[str, Any] = Field(
        description="the instance, in the JSON schema of its kind", examples=[EXAMPLE_INSTANCE]
    )
    options: SolveOptions = Field(default_factory=SolveOptions, description="backend, solver, time limit, certificates")


class JobView(BaseModel):
    """A job's state (`queued`, `running`, `done`, `failed`, `cancelled`), apart from its answer's status."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "3f9c2b4e5d6a47b8a9c0d1e2f3a4b5c6",
                    "kind": "partition",
                    "state": "done",
                    "status": "solved",
                    "reason": None,
                    "message": None,
                    "attempts": 1,
                    "created_at": 1767225600.0,
                    "started_at": 1767225600.01,
                    "finished_at": 1767225600.05,
                    "options": {"backend": "pysat", "time_limit": 10.0},
                    "result": EXAMPLE_ANSWER,
                }
            ]
        }
    )
    id: str = Field(description="job id; `Location: /v1/jobs/{id}`")
    kind: str
    state: JobState = Field(description="the job's life: queued, running, done, failed, cancelled")
    status: str | None = Field(default=None, description="the answer's status when done (solved, unique, ...)")
    reason: str | None = Field(
        default=None, description="why it failed or stopped: memory, interrupted, invalid, crashed, error, cancelled"
    )
    message: str | None = None
    attempts: int = Field(description="times a worker started it (a crash re-queues it once)")
    n_samples: int | None = None
    created_at: float = Field(description="Unix seconds")
    started_at: float | None = None
    finished_at: float | None = None
    options: dict[str, Any]
    result: dict[str, Any] | None = Field(default=None, description="the answer, on `?wait=` once done")

    @classmethod
    def of(cls, record: JobRecord, result: dict[str, Any] | None = None) -> JobView:
        return cls(
            id=record.id,
            kind=record.kind,
            state=record.state,
            status=record.status,
            reason=record.reason,
            message=record.message,
            attempts=record.attempts,
            n_samples=record.n_samples,
            created_at=record.created_at,
            started_at=record.started_at,
            finished_at=record.finished_at,
            options=record.options,
            result=result,
        )


class JobPage(BaseModel):
    """One page of the caller's jobs, newest first; pass `next` as `after` for the following page."""

    jobs: list[JobView]
    next: int | None = Field(default=None, description="cursor for the next page, or null at the end")


class JobLog(BaseModel):
    """A slice of the job's log from byte `offset`; poll again from `next_offset` until `complete`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"offset": 0, "next_offset": 52, "text": "12:00:00 attempt 1: starting\n", "complete": False}]
        }
    )
    offset: int
    next_offset: int
    text: str
    complete: bool = Field(description="true once the job is over and the log will not grow")


class Cancelled(BaseModel):
    id: str
    state: JobState
    was: JobState | None = Field(default=None, description="the state the job had when the cancel arrived")


class SolverInfo(BaseModel):
    """A backend and its capabilities."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "pysat",
                    "default": True,
                    "available": True,
                    "accepts": ["cnf", "wcnf"],
                    "proofs": True,
                    "interrupt": True,
                    "native_cardinality": False,
                    "solvers": [{"name": "cadical195", "proofs": True, "native_cardinality": False, "default": True}],
                }
            ]
        }
    )
    name: str
    default: bool
    available: bool
    accepts: list[str] = Field(description="target kinds it solves (cnf, wcnf, cpsat)")
    proofs: bool = Field(description="can log DRUP proofs")
    interrupt: bool = Field(description="a running solve can be stopped at the time limit or on cancel")
    native_cardinality: bool = Field(description="cardinality constraints without a CNF encoding")
    solvers: list[dict[str, Any]] = Field(default_factory=list, description="sub-solvers, where the backend has them")


class KindInfo(BaseModel):
    """A problem kind and the JSON schema of its instances."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"name": "partition", "summary": "partition recovery", "schema": {"type": "object"}}]
        }
    )
    name: str
    summary: str
    json_schema: dict[str, Any] = Field(alias="schema", serialization_alias="schema")


class Health(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"ok": True, "workers": 2, "busy": 0, "queued": 0}]})
    ok: bool
    workers: int
    busy: int
    queued: int
