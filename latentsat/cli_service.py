"""`latentsat serve` (the HTTP service on an embedded default) and `latentsat submit` (a client of it)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import typer

LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")  # uvicorn's `--log-level` choices


def serve(
    host: Annotated[str, typer.Option(help="address to bind", envvar="LATENTSAT_HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port", envvar="LATENTSAT_PORT", min=0, max=65535)] = 8000,
    workers: Annotated[
        int, typer.Option(help="local worker processes (unused with --queue)", envvar="LATENTSAT_WORKERS")
    ] = 2,
    db: Annotated[Path, typer.Option(help="SQLite job store", envvar="LATENTSAT_DB")] = Path("latentsat.db"),
    pool: Annotated[
        str, typer.Option(help="warm: long-lived workers; process: a fresh process per job", envvar="LATENTSAT_POOL")
    ] = "warm",
    queue: Annotated[
        str | None,
        typer.Option(
            help="redis://HOST:PORT/DB: queue jobs on Redis for `latentsat worker`s",
            envvar="LATENTSAT_QUEUE",
            show_default="none: solve on this machine",
        ),
    ] = None,
    log_level: Annotated[str, typer.Option(help=f"uvicorn log level: {', '.join(LOG_LEVELS)}")] = "info",
) -> None:
    """Run the HTTP service: a SQLite job store and warm local workers, with no external server; or, with --queue,
    jobs on Redis for `latentsat worker` processes on any machine. Other settings come from LATENTSAT_* environment
    variables (see service/config.py)."""
    import uvicorn
    from pydantic import ValidationError

    from service.app import create_app, settle_heap
    from service.config import Settings

    if log_level not in LOG_LEVELS:
        typer.echo(f"error: --log-level: no level {log_level!r}; use {', '.join(LOG_LEVELS)}", err=True)
        raise typer.Exit(2)
    try:
        settings = Settings(host=host, port=port, workers=workers, db=db, pool=pool, queue=queue)
    except ValidationError as exc:
        first = exc.errors()[0]
        typer.echo(f"error: --{first['loc'][0]}: {first['msg']}", err=True)
        raise typer.Exit(2) from exc
    if settings.queue:
        _check_queue(settings.queue)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(message)s")
    app = create_app(settings)
    settle_heap()
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=log_level)


def worker(
    queue: Annotated[
        str, typer.Option(help="the Redis of `latentsat serve --queue`: redis://HOST:PORT/DB", envvar="LATENTSAT_QUEUE")
    ],
    name: Annotated[str | None, typer.Option(help="worker name in RQ", show_default="RQ's unique name")] = None,
    burst: Annotated[bool, typer.Option(help="exit when both queues are empty")] = False,
) -> None:
    """Run jobs from Redis on this machine: service jobs and `bench --queue` runs, one at a time. Start one per
    core you want to give; each imports every backend once and forks a process per job, which a cancel or a time
    limit kills."""
    from service.queue import run_worker

    _check_queue(queue)
    run_worker(queue, name, burst)


def _check_queue(url: str) -> None:
    """Exit 2 on a malformed `--queue`, 1 when its Redis does not answer; one line either way."""
    from service.queue import QueueUnreachable, check_reachable

    try:
        check_reachable(url)
    except ValueError as exc:
        typer.echo(f"error: --queue: {exc}", err=True)
        raise typer.Exit(2) from exc
    except QueueUnreachable as exc:
        typer.echo(f"error: --queue: {exc}", err=True)
        raise typer.Exit(1) from exc


def submit(
    instance_path: Annotated[
        Path,
        typer.Argument(metavar="FILE", help="instance file (.json, any kind; or .npz)", exists=True, dir_okay=False),
    ],
    server: Annotated[str, typer.Option(help="service URL", envvar="LATENTSAT_SERVER")] = "http://127.0.0.1:8000",
    api_key: Annotated[
        str | None, typer.Option(help="bearer key", envvar="LATENTSAT_API_KEY", show_default="none (open server)")
    ] = None,
    kind: Annotated[
        str | None, typer.Option(help="problem kind", show_default="the file's `kind`, else partition")
    ] = None,
    backend: Annotated[str | None, typer.Option(help="as for `solve`", show_default="chosen per instance")] = None,
    solver: Annotated[
        str | None, typer.Option(help="sub-solver, e.g. cadical195", show_default="the backend's own")
    ] = None,
    time_limit: Annotated[float | None, typer.Option(help="wall seconds", show_default="the server's")] = None,
    unique: Annotated[bool, typer.Option(help="also prove the solution unique up to relabelling")] = False,
    all_solutions: Annotated[
        int | None,
        typer.Option(
            "--all", metavar="M", help="up to M solutions, the count proven when fewer exist", show_default="none"
        ),
    ] = None,
    proof: Annotated[bool, typer.Option(help="log and check DRUP proofs")] = True,
    wait: Annotated[bool, typer.Option(help="wait and print the answer; --no-wait prints the queued job")] = True,
) -> None:
    """Submit an instance to a running `latentsat serve` and print the answer as JSON (like `solve`)."""
    import json
    import sys

    import httpx

    from problems.answers import SolveOptions
    from service.client import ApiError, Client, JobNotDone

    options: dict[str, Any] = {"unique": unique, "proof": proof}
    if backend is not None:
        options["backend"] = backend
    if solver is not None:
        options["solver"] = solver
    if all_solutions is not None:
        options["all"] = all_solutions
    if time_limit is not None:
        options["time_limit"] = time_limit
    SolveOptions.model_validate(options)  # a bad option is exit 2 here, before any connection
    try:
        with Client(server, api_key, timeout=120) as client:
            output = _submit_file(client, instance_path, kind, options, wait)
    except ApiError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2 if exc.status in (413, 422) else 1) from exc
    except httpx.TransportError as exc:  # no server there, or the connection broke: one line, not a traceback
        typer.echo(f"error: cannot reach the server at {server}: {exc}", err=True)
        raise typer.Exit(1) from exc
    except (JobNotDone, OSError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    sys.stdout.write(json.dumps(output, separators=(",", ":")) + "\n")


def _submit_file(client: Any, path: Path, kind: str | None, options: dict[str, Any], wait: bool) -> dict[str, Any]:
    from problems.npz_arrays import is_npz
    from problems.partition import read_input_file, read_json

    blob = read_input_file(path, "FILE")
    if is_npz(blob):  # told by content, not by the suffix
        job = client.submit_npz(blob, kind or "partition", options)
        if not wait:
            return job  # type: ignore[no-any-return]
        from service.client import JobNotDone

        job = client.wait(job["id"])
        if job["state"] != "done":
            raise JobNotDone(job)
        return client.result(job["id"])  # type: ignore[no-any-return]
    instance = read_json(blob, "FILE")  # bad JSON is exit 2, before any connection
    if not wait:
        return client.submit(instance, kind, options)  # type: ignore[no-any-return]
    return client.solve(instance, kind, options)  # type: ignore[no-any-return]
