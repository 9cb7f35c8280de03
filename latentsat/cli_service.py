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
