"""Service configuration: one `Settings` object, read from `LATENTSAT_*` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from problems.limits import InputLimits
from solvers.proof_files import DEFAULT_INLINE_MAX_BYTES


class Settings(InputLimits):
    """Every knob of the service; `LATENTSAT_WORKERS=4` sets `workers`, and so on. The input size limits
    (`max_body_bytes`, `max_samples`, `max_cells`, ...) are `problems.limits.InputLimits`, shared with the CLI."""

    model_config = SettingsConfigDict(env_prefix="LATENTSAT_", env_file=None, extra="ignore")

    host: str = Field(default="127.0.0.1", description="address to bind")
    port: int = Field(default=8000, ge=0, le=65535, description="port to bind")
    db: Path = Field(default=Path("latentsat.db"), description="SQLite job store (WAL mode)")
    workers: int = Field(
        default=2, ge=1, le=256, description="local worker processes: jobs solved at once (unused with `queue`)"
    )
    pool: Literal["warm", "process"] = Field(
        default="warm",
        description="warm: long-lived worker processes with every backend imported; process: a fresh process per "
        "job (the earlier design, kept for comparison)",
    )
    max_jobs_per_worker: int = Field(
        default=5000,
        ge=1,
        description="a warm worker retires after this many jobs (its successor imports meanwhile); each retirement "
        "costs ~1 s of CPU for the imports, and a worker's memory grows by a few kB per job",
    )
    queue: str | None = Field(
        default=None,
        description="redis://HOST:PORT/DB: put jobs on Redis for `latentsat worker` processes on any machine; "
        "none = solve on this machine",
    )
    sqlite_synchronous: Literal["FULL", "NORMAL"] = Field(
        default="FULL", description="FULL fsyncs every commit, so an acknowledged job survives power loss"
    )

    default_time_limit: float = Field(default=60.0, gt=0, description="seconds, when a job names none")
    max_time_limit: float = Field(default=3600.0, gt=0, description="the largest time limit the server grants")
    memory_limit_mb: int = Field(default=4096, ge=0, description="RLIMIT_AS of each job process; 0 = no cap")
    max_queue: int = Field(default=1000, ge=1, description="queued jobs before POST answers 429")
    max_wait: float = Field(default=60.0, ge=0, description="the longest `?wait=` a request may block")
    retry_after_s: int = Field(default=5, ge=1, description="the Retry-After hint of a 429")
    inline_proof_max_bytes: int = Field(
        default=DEFAULT_INLINE_MAX_BYTES,
        ge=0,
        description="a longer proof or CNF is left out of /result and /certificate, which name it (proof_file, "
        "proof_sha256) and serve it at /certificate/proof and /certificate/cnf",
    )
    hard_kill_grace_s: float = Field(
        default=5.0, ge=0, description="a job still running this long past its limit is killed"
    )

    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="accepted bearer keys, comma-separated; none and no file = open mode"
    )
    api_keys_file: Path | None = Field(default=None, description="a file of bearer keys, one per line")

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        """`LATENTSAT_API_KEYS=a,b` is a comma-separated list, not JSON."""
        return value.split(",") if isinstance(value, str) else value

    def keys(self) -> list[str]:
        """The accepted keys from the variable and the file; an empty list means open mode."""
        keys = [k.strip() for k in self.api_keys if k.strip()]
        if self.api_keys_file is not None:
            lines = self.api_keys_file.read_text().splitlines()
            keys += [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
        return keys

    def log_dir(self) -> Path:
        return self.db.with_name(self.db.name + ".logs")
