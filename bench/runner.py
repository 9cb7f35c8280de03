"""The harness: each (instance, solver) job runs in a fresh child process under wall-time and memory limits.

Records are appended to `results.jsonl` as soon as a job ends, so an interrupted run loses at most one job and a
rerun skips every job already recorded (same suite, instance, solver and time limit).
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.configs import solver_config
from bench.suites import SUITES, Spec, applies, spec_id
from bench.tree import TreeUsage
from solvers.child import PR_SET_PDEATHSIG

RESULTS_FILE = "results.jsonl"
POLL_S = 0.05
# Numeric libraries must not start one thread per core on shared machines; CP-SAT's workers are set per config.
CHILD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


@dataclass(frozen=True)
class RunLimits:
    """Per job: the solve's wall-time limit, a hard kill time (the limit plus proof checking), and RLIMIT_AS."""

    time_limit: float = 60.0
    memory_mb: int = 8192
    grace: float = 2.0  # hard kill at grace · time_limit + slack: proofs are checked after the solve's deadline
    slack: float = 30.0

    @property
    def kill_after(self) -> float:
        return self.grace * self.time_limit + self.slack


@dataclass(frozen=True)
class Job:
    suite: str
    instance: Spec
    solver: str
    time_limit: float
    code: Path | None = None  # another checkout of latentsat whose worker runs this job (a baseline), or None

    @property
    def key(self) -> str:
        key = f"{self.suite}|{spec_id(self.instance)}|{self.solver}|{self.time_limit:g}"
        return key if self.code is None else f"{key}|{self.code_label}"

    @property
    def code_label(self) -> str | None:
        return None if self.code is None else self.code.name


def jobs_from(jobs: list[Job], code: Path) -> list[Job]:
    """The same jobs, run by the worker of the checkout at `code` (e.g. `git worktree add ../base main`)."""
    return [Job(job.suite, job.instance, job.solver, job.time_limit, code) for job in jobs]


def jobs_for(suite: str, solvers: list[str], time_limit: float) -> list[Job]:
    """Instance-major order, so that partial results cover whole instances for all solvers.

    A solver whose backend or sub-solver cannot take an instance's kind (e.g. `cpsat` on an LSA best-fit, or
    `gradient-embed`, whose `mlp:` settings are for partitions, on any LSA instance) gets no job there.
    """
    options = {solver: solver_config(solver).options for solver in solvers}
    return [
        Job(suite, spec, solver, time_limit)
        for spec in SUITES[suite].specs()
        for solver in solvers
        if applies(spec, options[solver].get("backend", "pysat"), options[solver].get("solver"))
    ]


def load_records(out_dir: Path) -> list[dict[str, Any]]:
    path = out_dir / RESULTS_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def run_jobs(
    jobs: list[Job], out_dir: Path, limits: RunLimits, on_done: Callable[[Job, dict[str, Any] | None], None]
) -> int:
    """Run every job not yet recorded in `out_dir`; `on_done(job, record)` after each (record None if skipped)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    done = {record["key"] for record in load_records(out_dir)}
    ran = 0
    with (out_dir / RESULTS_FILE).open("a") as sink:
        for job in jobs:
            if job.key in done:
                on_done(job, None)
                continue
            record = run_job(job, limits)
            sink.write(json.dumps(record) + "\n")
            sink.flush()
            done.add(job.key)
            ran += 1
            on_done(job, record)
    return ran


def run_job(job: Job, limits: RunLimits) -> dict[str, Any]:
    """One job in a fresh `python -m bench.worker` process; wall, CPU and peak RSS measured from outside."""
    with tempfile.TemporaryDirectory(prefix="latentsat-bench-") as scratch:
        result_path = Path(scratch) / "result.json"
        payload = {"instance": job.instance, "solver": job.solver, "time_limit": job.time_limit}
        command = [sys.executable, "-m", "bench.worker", json.dumps(payload), str(result_path)]
        code_env = {} if job.code is None else {"PYTHONPATH": str(job.code.resolve())}  # its modules come first
        start = time.perf_counter()
        with (Path(scratch) / "stderr.txt").open("w+") as stderr:
            process = subprocess.Popen(
                command,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env={**os.environ, **CHILD_ENV, **code_env},
                cwd=job.code,
                preexec_fn=_prepare_child(limits.memory_mb),
                start_new_session=True,  # its own process group, so a kill reaches the solver's children too
            )
            tree = TreeUsage()
            exit_status, usage, killed = _wait(process, limits.kill_after, tree)
            wall = time.perf_counter() - start
            stderr.seek(0)
            stderr_tail = stderr.read()[-2000:]
        record = json.loads(result_path.read_text()) if result_path.exists() else {}
    if not record:
        record = {"status": "memout" if "MemoryError" in stderr_tail else "crashed", "error": stderr_tail or None}
    if killed:
        record.update(status="unknown", error=f"killed after {limits.kill_after:g} s")
    record.update(
        key=job.key,
        suite=job.suite,
        instance=spec_id(job.instance),
        **{f"p_{k}": v for k, v in job.instance.items()},
        solver=job.solver if job.code is None else f"{job.solver}@{job.code_label}",
        time_limit=job.time_limit,
        code=job.code_label,
        wall_s=round(wall, 4),
        cpu_s=round(usage.ru_utime + usage.ru_stime, 4),
        peak_rss_mb=round(usage.ru_maxrss / 1024, 1),
        **tree.record(usage.ru_utime + usage.ru_stime),
        exit_status=exit_status,
    )
    return record


def _prepare_child(memory_mb: int) -> Callable[[], None]:
    """In the run's process before exec: cap its address space, and let it die with this harness.

    prctl is looked up here, in the parent: a dlopen between fork and exec could deadlock on a lock that another
    thread (e.g. the progress bar's) held at the fork.
    """
    prctl = ctypes.CDLL(None).prctl

    def apply() -> None:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)

    return apply


def _wait(
    process: subprocess.Popen[bytes], kill_after: float, tree: TreeUsage
) -> tuple[int, resource.struct_rusage, bool]:
    """Reap the child with wait4 (for its resource usage), killing its process group at the hard deadline.

    The tree is sampled before each wait4, while the child still exists to be looked under.
    """
    deadline = time.perf_counter() + kill_after
    killed = False
    while True:
        tree.sample(process.pid)
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline and not killed:
            os.killpg(process.pid, signal.SIGKILL)
            killed = True
        time.sleep(POLL_S)
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here; keep Popen from waiting again
    return process.returncode, usage, killed


def run_suite(
    jobs: list[Job],
    out: Path,
    limits: RunLimits,
    on_done: Callable[[Job, dict[str, Any] | None], None] | None = None,
    queue: str | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Path]]:
    """Run the jobs not yet recorded in `out` (here, or on the `latentsat worker`s of the Redis at `queue`), then
    write the reports of all of them: (their records, the report paths). `latentsat bench` and the table scripts
    call this; showing progress is the caller's business."""
    from bench.report import write_reports

    report_done = on_done or (lambda job, record: None)
    if queue:
        from bench.remote import run_jobs_remote

        run_jobs_remote(jobs, out, limits, report_done, queue)
    else:
        run_jobs(jobs, out, limits, report_done)
    keys = {job.key for job in jobs}
    records = [r for r in load_records(out) if r["key"] in keys]
    paths = write_reports(records, out)
    if any(job.suite.startswith("frontier") for job in jobs):  # the heat map and table of issue 14
        from bench.frontier import write_frontier

        paths.update(write_frontier(records, out))
    return records, paths
