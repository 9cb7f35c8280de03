"""Run a solver call in a forked child process that is killed at the deadline (CaDiCaL cannot be interrupted)."""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import multiprocessing.connection
import os
import signal
import time
from collections.abc import Callable
from typing import Any

PR_SET_PDEATHSIG = 1


class ChildTimeout(Exception):
    """The child did not answer before the deadline and was killed."""


class ChildCrashed(Exception):
    """The child died without answering (a signal, a memory cap, a native crash)."""


def die_with_parent() -> None:
    """Ask Linux to kill this child when its parent dies, so a killed job never leaves a solver running."""
    try:
        libc = ctypes.CDLL(None)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the parent's kill at the deadline still applies
        pass


def _child_main(conn: multiprocessing.connection.Connection, func: Callable[..., Any], args: tuple[Any, ...]) -> None:
    die_with_parent()
    try:
        conn.send(("ok", func(*args)))
    except BaseException as exc:  # report every failure to the parent instead of dying silently
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def run_in_child(func: Callable[..., Any], args: tuple[Any, ...], seconds: float) -> Any:
    """`func(*args)` in a forked child; raise `ChildTimeout` after `seconds`, `ChildCrashed` if it dies."""
    context = multiprocessing.get_context("fork")
    parent_conn, child_conn = context.Pipe(duplex=False)
    process = context.Process(target=_child_main, args=(child_conn, func, args), daemon=True)
    process.start()
    child_conn.close()
    try:
        if not parent_conn.poll(max(seconds, 0.0)):
            raise ChildTimeout(f"no answer within {seconds:.2f} s")
        try:
            kind, payload = parent_conn.recv()
        except EOFError as exc:
            raise ChildCrashed(f"solver process died (exit code {_exit_code(process)})") from exc
    finally:
        if process.is_alive():
            os.kill(process.pid, signal.SIGKILL)
        process.join()
        parent_conn.close()
    if kind == "error":
        raise ChildCrashed(payload)
    return payload


def _exit_code(process: multiprocessing.process.BaseProcess) -> int | None:
    process.join(timeout=1.0)
    return process.exitcode


def _streaming_child_main(
    conn: multiprocessing.connection.Connection, func: Callable[..., Any], args: tuple[Any, ...]
) -> None:
    die_with_parent()
    try:
        conn.send(("ok", func(lambda partial: conn.send(("partial", partial)), *args)))
    except BaseException as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def run_in_child_streaming(
    func: Callable[..., Any], args: tuple[Any, ...], seconds: float
) -> tuple[Any | None, list[Any]]:
    """`func(report, *args)` in a forked child that may `report(x)` partial results before it returns.

    Returns (final result or None on timeout, the partial results received); a partial result survives the
    child's kill at the deadline, so a first model is kept when a later proof runs out of time.
    """
    context = multiprocessing.get_context("fork")
    parent_conn, child_conn = context.Pipe(duplex=False)
    process = context.Process(target=_streaming_child_main, args=(child_conn, func, args), daemon=True)
    process.start()
    child_conn.close()
    partials: list[Any] = []
    deadline = time.monotonic() + max(seconds, 0.0)
    try:
        while parent_conn.poll(max(deadline - time.monotonic(), 0.0)):
            try:
                kind, payload = parent_conn.recv()
            except EOFError as exc:
                raise ChildCrashed(f"solver process died (exit code {_exit_code(process)})") from exc
            if kind == "partial":
                partials.append(payload)
                continue
            if kind == "error":
                raise ChildCrashed(payload)
            return payload, partials
        return None, partials
    finally:
        if process.is_alive():
            os.kill(process.pid, signal.SIGKILL)
        process.join()
        parent_conn.close()


Outcome = tuple[str, Any]  # ("ok", result), ("error", message), ("crashed", message) or ("killed", None)


def _own_group(pid: int) -> None:
    """Make `pid` lead its own process group (called by both sides of the fork, so it holds before either goes on)."""
    with contextlib.suppress(PermissionError, ProcessLookupError):  # the child got there first, or has exited
        os.setpgid(pid, pid)


def _race_child_main(
    conn: multiprocessing.connection.Connection, func: Callable[..., Any], args: tuple[Any, ...]
) -> None:
    _own_group(0)  # so that one killpg reaches the solver processes this call forks in turn
    _child_main(conn, func, args)


def race(
    calls: list[tuple[Callable[..., Any], tuple[Any, ...]]], seconds: float, settled: Callable[[Any], bool]
) -> list[Outcome]:
    """Run each `func(*args)` in its own forked child; stop at the first result that `settled` accepts.

    Each child leads a process group and dies with this process (PR_SET_PDEATHSIG). On return, every group still
    alive is killed with SIGKILL (the children and whatever they forked: solver processes, proof checkers) and
    every child is reaped. One outcome per call, in order; "killed" if it had not answered by then.
    """
    context = multiprocessing.get_context("fork")
    outcomes: list[Outcome] = [("killed", None)] * len(calls)
    processes: list[multiprocessing.process.BaseProcess] = []
    waiting: dict[multiprocessing.connection.Connection, int] = {}
    deadline = time.monotonic() + max(seconds, 0.0)
    try:
        for index, (func, args) in enumerate(calls):
            parent_conn, child_conn = context.Pipe(duplex=False)
            # not a daemon: a member forks its own solver children, which daemonic processes may not do
            process = context.Process(target=_race_child_main, args=(child_conn, func, args))
            process.start()
            _own_group(process.pid)
            child_conn.close()
            processes.append(process)
            waiting[parent_conn] = index
        while waiting:
            ready = multiprocessing.connection.wait(list(waiting), max(deadline - time.monotonic(), 0.0))
            if not ready:
                break
            for conn in ready:
                index = waiting.pop(conn)  # type: ignore[call-overload]
                outcomes[index] = _receive(conn, processes[index])
                if outcomes[index][0] == "ok" and settled(outcomes[index][1]):
                    return outcomes
    finally:
        for conn in waiting:
            conn.close()
        for process in processes:
            _kill_group(process)
    return outcomes


def _receive(conn: multiprocessing.connection.Connection, process: multiprocessing.process.BaseProcess) -> Outcome:
    try:
        outcome: Outcome = conn.recv()
    except EOFError:
        outcome = ("crashed", f"died without answering (exit code {_exit_code(process)})")
    conn.close()
    return outcome


def _kill_group(process: multiprocessing.process.BaseProcess) -> None:
    """SIGKILL the child's whole process group, then reap the child (its pid cannot be reused before that)."""
    assert process.pid is not None
    with contextlib.suppress(ProcessLookupError):  # an empty group: the child and its children have all exited
        os.killpg(process.pid, signal.SIGKILL)
    process.join()
