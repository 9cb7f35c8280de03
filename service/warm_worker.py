"""A warm worker: `python -m service.warm_worker FD PARENT_PID LOG_DIR MEMORY_MB`, started by `LocalExecutor`.

It imports the whole solver stack once, says ("ready", pid) on the socket FD, then solves each task it receives in
this process and sends back the outcome. It never decides when to stop: its supervisor kills it (cancel, time-out,
memory failure, retirement), and it dies with that supervisor (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import gc
import multiprocessing.connection
import os
import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    from solvers.child import die_with_parent

    fd, parent_pid, log_dir, memory_limit_mb = int(argv[0]), int(argv[1]), Path(argv[2]), int(argv[3])
    die_with_parent()
    if os.getppid() != parent_pid:  # the parent died before the line above: nobody would ever kill us
        return
    from service.task import Task, cap_memory, job_log, run_task, warm_up

    warm_up()
    # The ~115k objects imported so far live as long as the worker: out of the collector's reach, its full
    # collections no longer walk them (0.3-0.4 ms of CPU per small job otherwise).
    gc.collect()
    gc.freeze()
    cap_memory(memory_limit_mb)
    conn = multiprocessing.connection.Connection(fd)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            task: Task = conn.recv()
        except (EOFError, OSError):  # the supervisor closed the socket: nothing more to do
            return
        with job_log(str(log_dir / f"{task.job_id}.log")) as log:
            log(f"attempt {task.attempt}: starting")
            outcome = run_task(task, log)
        conn.send(outcome)


if __name__ == "__main__":
    main(sys.argv[1:])
