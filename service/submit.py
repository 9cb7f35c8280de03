"""Turning a submission into a stored job: check kind, options and limits, parse the instance, hash the request."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from problems.answers import SolveOptions
from problems.errors import InstanceTooLarge, InvalidOptions
from service.config import Settings
from service.formats import parse_instance, sample_count
from service.store import NewJob
from solvers.base import get_backend
from solvers.pipeline import get_kind


def granted_options(options: SolveOptions, settings: Settings) -> SolveOptions:
    """Fill the server's default time limit, refuse one above the maximum, and check the backend exists here."""
    if "time_limit" not in options.model_fields_set:
        options = options.model_copy(update={"time_limit": min(settings.default_time_limit, settings.max_time_limit)})
    if options.time_limit > settings.max_time_limit:
        raise InvalidOptions(
            f"time limit {options.time_limit} s exceeds this server's maximum of {settings.max_time_limit} s",
            "options.time_limit",
        )
    get_backend(options.backend, options.solver)  # raises naming options.backend / options.solver
    return options


def prepare_job(
    owner: str,
    kind: str,
    fmt: str,
    blob: bytes,
    options: SolveOptions,
    settings: Settings,
    idempotency_key: str | None,
) -> NewJob:
    """Validate everything that can be checked before solving, so bad input is a 4xx now, not a failed job later."""
    get_kind(kind)
    options = granted_options(options, settings)
    parsed = parse_instance(kind, fmt, blob)
    n_samples = sample_count(parsed)
    if n_samples is not None and n_samples > settings.max_samples:
        raise InstanceTooLarge(
            f"{n_samples} samples exceed this server's limit of {settings.max_samples}", "instance.samples"
        )
    option_data = options.model_dump(mode="json", exclude_unset=True)  # unset stays unset: no backend → the default
    return NewJob(
        owner=owner,
        kind=kind,
        format=fmt,
        instance=blob,
        options=option_data,
        request_sha256=request_hash(kind, fmt, blob, option_data),
        n_samples=n_samples,
        idempotency_key=idempotency_key,
    )


def request_hash(kind: str, fmt: str, blob: bytes, options: dict[str, Any]) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps([kind, fmt, options], sort_keys=True).encode())
    digest.update(blob)
    return digest.hexdigest()


def canonical_json(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
