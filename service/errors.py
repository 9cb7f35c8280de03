"""Errors → HTTP in one place: the status of every exception, and the one error body `{error: {code, message, field?}}`.

Lower layers raise the `LatentsatError` family and never learn about HTTP.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from problems.errors import (
    InstanceTooLarge,
    InvalidCertificate,
    InvalidInstance,
    InvalidOptions,
    LatentsatError,
    UnknownBackend,
    UnknownKind,
    VerificationFailed,
    field_path,
)

logger = logging.getLogger("latentsat.service")


class NotFound(LatentsatError):
    """Nothing by that name is visible to the caller (a job that does not exist or that another key owns)."""

    code = "not_found"


class NotReady(LatentsatError):
    """The job has no result (yet): it is queued or running, or it failed or was cancelled."""

    code = "not_ready"


class QueueFull(LatentsatError):
    """The queue holds as many jobs as the server allows; retry later."""

    code = "queue_full"


class Unauthorized(LatentsatError):
    """The request carries no valid `Authorization: Bearer` key."""

    code = "unauthorized"


class IdempotencyConflict(LatentsatError):
    """An `Idempotency-Key` was reused with a different request body."""

    code = "idempotency_conflict"


class BodyTooLarge(LatentsatError):
    """The request body exceeds the configured size limit."""

    code = "body_too_large"


HTTP_STATUS: dict[type[LatentsatError], int] = {
    InvalidInstance: 422,
    InvalidOptions: 422,
    UnknownBackend: 422,
    UnknownKind: 422,
    InvalidCertificate: 422,
    InstanceTooLarge: 413,
    BodyTooLarge: 413,
    NotFound: 404,
    NotReady: 409,
    IdempotencyConflict: 409,
    QueueFull: 429,
    Unauthorized: 401,
    VerificationFailed: 500,  # our bug, never the caller's
}


class ErrorDetail(BaseModel):
    code: str = Field(description="stable machine-readable code", examples=["invalid_instance"])
    message: str = Field(description="what went wrong, for people", examples=["token 7 out of range for group 0"])
    field: str | None = Field(
        default=None, description="path of the offending field", examples=["instance.samples[3][0]"]
    )


class ErrorBody(BaseModel):
    """The one shape of every error response."""

    error: ErrorDetail


def error_response(status: int, code: str, message: str, field: str | None = None, **headers: str) -> JSONResponse:
    detail: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        detail["field"] = field
    return JSONResponse(status_code=status, content={"error": detail}, headers=headers or None)


def http_status(exc: LatentsatError) -> int:
    for cls in type(exc).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return 500


def latentsat_error_response(exc: LatentsatError, retry_after: int | None = None) -> JSONResponse:
    status = http_status(exc)
    if status >= 500:
        logger.error("internal error: %s", exc, exc_info=exc)
    message = Exception.__str__(exc)  # without the "field: " prefix; the field has its own key
    headers: dict[str, str] = {}
    if isinstance(exc, QueueFull) and retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    return error_response(status, exc.code, message, exc.field, **headers)


def validation_field(loc: tuple[Any, ...] | list[Any]) -> str:
    """`("body", "options", "time_limit")` → `options.time_limit`; `("query", "wait")` → `wait`."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return field_path(parts)


def install_error_handlers(app: FastAPI, retry_after: int) -> None:
    @app.exception_handler(LatentsatError)
    async def _latentsat(_: Request, exc: LatentsatError) -> JSONResponse:
        return latentsat_error_response(exc, retry_after)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        return error_response(422, "validation_error", str(first["msg"]), validation_field(first["loc"]))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        field = "body" if exc.status_code == 400 else None  # a 400 is a body that could not be read at all
        return error_response(exc.status_code, code, str(exc.detail), field, **(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _internal(_: Request, exc: Exception) -> JSONResponse:
        logger.error("unhandled error", exc_info=exc)
        return error_response(500, "internal", "internal server error")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in {
        400: "malformed body that cannot be read at all (e.g. broken multipart)",
        401: "missing or unknown API key",
        404: "no such job for this key",
        413: "body or instance too large",
        422: "invalid request; `field` names the offending path",
    }.items()
}


class NotAvailable(LatentsatError):
    """The job's answer has no such part (e.g. no proof: a `solved` answer's certificate is the solution)."""

    code = "not_available"


HTTP_STATUS[NotAvailable] = 404
