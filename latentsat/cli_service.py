"""`latentsat serve` (the HTTP service on an embedded default) and `latentsat submit` (a client of it)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import typer


def serve(
    host: Annotated[str | None, typer.Option(help="address to bind [default: 127.0.0.1]")] = None,
    port: Annotated[int | None, typer.Option(help="port [default: 8000]")] = None,
    workers: Annotated[int | None, typer.Option(help="jobs solved at once, one process each [default: 2]")] = None,
    db: Annotated[Path | None, typer.Option(help="SQLite job store [default: ./latentsat.db]")] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "info",
) -> None:
    """Run the HTTP service: SQLite job store, local worker processes, no external server. Other settings come
    from LATENTSAT_* environment variables (see service/config.py)."""
    import uvicorn

    from service.app import create_app
    from service.config import Settings

    overrides: dict[str, Any] = {"host": host, "port": port, "workers": workers, "db": db}
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(message)s")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level=log_level)


def submit(
    instance_path: Annotated[Path, typer.Argument(metavar="FILE", help="instance file (.json, any kind; or .npz)")],
    server: Annotated[str, typer.Option(help="service URL", envvar="LATENTSAT_SERVER")] = "http://127.0.0.1:8000",
    api_key: Annotated[
        str | None, typer.Option(help="bearer key", envvar="LATENTSAT_API_KEY", show_default="none (open server)")
    ] = None,
    kind: Annotated[
        str | None, typer.Option(help="problem kind", show_default="the file's `kind`, else partition")
    ] = None,
    backend: Annotated[
        str | None, typer.Option(help="as for `solve`", show_default="chosen per instance")
    ] = None,
    solver: Annotated[
        str | None, typer.Option(help="sub-solver, e.g. cadical195", show_default="the backend's own")
    ] = None,
    time_limit: Annotated[float | None, typer.Option(help="wall seconds", show_default="the server's")] = None,
    unique: Annotated[bool, typer.Option(help="also prove the solution unique up to relabelling")] = False,
    proof: Annotated[bool, typer.Option(help="log and check DRUP proofs")] = True,
    wait: Annotated[bool, typer.Option(help="wait and print the answer; --no-wait prints the queued job")] = True,
) -> None:
    """Submit an instance to a running `latentsat serve` and print the answer as JSON (like `solve`)."""
    import json
    import sys

    from service.client import ApiError, Client, JobNotDone

    options: dict[str, Any] = {"unique": unique, "proof": proof}
    if backend is not None:
        options["backend"] = backend
    if solver is not None:
        options["solver"] = solver
    if time_limit is not None:
        options["time_limit"] = time_limit
    try:
        with Client(server, api_key, timeout=120) as client:
            output = _submit_file(client, instance_path, kind, options, wait)
    except ApiError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2 if exc.status in (413, 422) else 1) from exc
    except (JobNotDone, OSError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    sys.stdout.write(json.dumps(output, separators=(",", ":")) + "\n")


def _submit_file(client: Any, path: Path, kind: str | None, options: dict[str, Any], wait: bool) -> dict[str, Any]:
    import json

    if path.suffix == ".npz":
        job = client.submit_npz(path.read_bytes(), kind or "partition", options)
        if not wait:
            return job  # type: ignore[no-any-return]
        from service.client import JobNotDone

        job = client.wait(job["id"])
        if job["state"] != "done":
            raise JobNotDone(job)
        return client.result(job["id"])  # type: ignore[no-any-return]
    instance = json.loads(path.read_text())
    if not wait:
        return client.submit(instance, kind, options)  # type: ignore[no-any-return]
    return client.solve(instance, kind, options)  # type: ignore[no-any-return]
