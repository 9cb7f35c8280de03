"""Turning a submission into a stored job: check kind, options and limits, parse the instance, hash the request."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from problems.answers import SolveOptions
from problems.errors import InvalidOptions
from service.config import Settings
from service.formats import parse_decoded, parse_instance, sample_count
from service.store import NewJob
from solvers.kinds import get_kind
from solvers.strategies import check_options, default_backend, select_strategy


def granted_options(options: SolveOptions, settings: Settings, kind: str = "partition") -> SolveOptions:
    """Fill the server's default time limit, refuse one above the maximum, and check the backend (or strategy)
    and its sub-solver exist here and serve this kind."""
    if "time_limit" not in options.model_fields_set:
        options = options.model_copy(update={"time_limit": min(settings.default_time_limit, settings.max_time_limit)})
    if options.time_limit > settings.max_time_limit:
        raise InvalidOptions(
            f"time limit {options.time_limit} s exceeds this server's maximum of {settings.max_time_limit} s",
            "options.time_limit",
        )
    check_options(kind, options)  # raises naming options.backend / options.solver; builds nothing
    return options


def prepare_job(
    owner: str,
    kind: str,
    fmt: str,
    blob: bytes,
    options: SolveOptions,
    settings: Settings,
    idempotency_key: str | None,
    decoded: Any = None,
) -> tuple[NewJob, Any]:
    """Validate everything that can be checked before solving, so bad input is a 4xx now, not a failed job later.

    Returns the job to store and the parsed instance. `decoded`: the JSON instance as the request body already
    decoded it (`blob` is its canonical form), parsed from there rather than decoded again.
    """
    get_kind(kind)  # a kind we read but do not solve is refused naming the way (solvers.kinds.NOT_SOLVED_HERE)
    options = granted_options(options, settings, kind)
    if decoded is not None and fmt == "json":
        parsed = parse_decoded(kind, decoded, settings)
    else:
        parsed = parse_instance(kind, fmt, blob, settings)  # every size limit, before any array is built
    if options.backend is None:  # the default is a per-instance choice: recorded with the job, as it will run
        options = options.model_copy(update={"backend": default_backend(parsed)})
    select_strategy(parsed, options, shortcuts=False)  # what depends on the instance (a mode's backends, ...)
    n_samples = sample_count(parsed)
    option_data = options.model_dump(mode="json")
    job = NewJob(
        owner=owner,
        kind=kind,
        format=fmt,
        instance=blob,
        options=option_data,
        request_sha256=request_hash(kind, fmt, blob, option_data),
        n_samples=n_samples,
        idempotency_key=idempotency_key,
    )
    return job, parsed


def request_hash(kind: str, fmt: str, blob: bytes, options: dict[str, Any]) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps([kind, fmt, options], sort_keys=True).encode())
    digest.update(blob)
    return digest.hexdigest()


def canonical_json(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
