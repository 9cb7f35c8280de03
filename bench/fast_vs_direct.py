"""The fast backend against the direct CNF (CaDiCaL) on planted instances: targets T1, T2, T3 and T5 of issue 6.

Each (instance, solver) run is one `solvers.pipeline.solve` call in a fresh child process under a wall limit.
Prints a markdown table and appends JSON lines to --out. Timings depend on the machine's load: say how many cores
were shared when you quote them.

    python bench/fast_vs_direct.py --parts t1,t2,t3          # everything (about half an hour on 2 cores)
    python bench/fast_vs_direct.py --parts t2 --sizes 50,100 # a quick look
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from problems.answers import AnswerStatus, SolveOptions
from problems.generate import planted_partition
from problems.partition import PartitionInstance, load_npz
from solvers.child import ChildCrashed, ChildTimeout
from solvers.pipeline import solve
from solvers.registry import preload_solvers

MARGIN_S = 15.0  # the child's own limit is the solve limit plus this (decoding, verification, proof checking)


def run_in_child(func: Any, args: tuple[Any, ...], seconds: float) -> Any:
    """`func(*args)` in a forked, non-daemonic child (the pipeline forks its own solver processes), killed at
    the deadline; the solver grandchildren die with it (they ask Linux for that)."""
    import multiprocessing
    import os
    import signal

    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def target() -> None:
        try:
            sender.send(("ok", func(*args)))
        except BaseException as exc:
            sender.send(("error", f"{type(exc).__name__}: {exc}"))

    process = context.Process(target=target, daemon=False)
    process.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            raise ChildTimeout(f"no answer within {seconds} s")
        try:
            kind, payload = receiver.recv()
        except EOFError as exc:
            raise ChildCrashed("the run died") from exc
    finally:
        if process.is_alive():
            os.kill(process.pid, signal.SIGKILL)
        process.join()
    if kind == "error":
        raise ChildCrashed(payload)
    return payload


def run_one(
    instance: PartitionInstance, truth: list[list[int]], backend: str, limit: float, unique: bool = True
) -> dict[str, Any]:
    """One solve in a child process; status 'timeout' if even the margin ran out."""
    start = time.perf_counter()
    args = (instance, truth, backend, limit, unique)
    try:
        row: dict[str, Any] = run_in_child(_solve_and_summarise, args, limit + MARGIN_S)
    except ChildTimeout:
        row = {"status": "timeout"}
    except ChildCrashed as exc:
        row = {"status": "crashed", "error": str(exc)}
    label = backend if unique else f"{backend} (no --unique)"
    row.update(backend=label, limit_s=limit, outer_wall_s=round(time.perf_counter() - start, 3))
    return row


def _solve_and_summarise(
    instance: PartitionInstance, truth: list[list[int]], backend: str, limit: float, unique: bool
) -> dict:
    start = time.perf_counter()
    answer = solve(instance, SolveOptions(backend=backend, unique=unique, time_limit=limit))
    wall = time.perf_counter() - start
    check_s = answer.certificate.check_s if answer.certificate and answer.certificate.check_s else 0.0
    return {
        "status": answer.status.value,
        "wall_s": round(wall, 3),
        "check_s": round(check_s, 3),
        "solve_s": round(wall - check_s, 3),
        "checker": answer.certificate.checker if answer.certificate else None,
        "recovered": answer.classes == truth if answer.classes is not None else False,
        "settled": _settled(answer, unique),
        "clauses": answer.stats.get("clauses"),
    }


def _settled(answer: Any, unique: bool) -> bool:
    """The question asked was answered: with --unique, `unique`, `infeasible`, or `solved` with a rival found."""
    if answer.status in (AnswerStatus.UNIQUE, AnswerStatus.INFEASIBLE):
        return True
    return answer.status is AnswerStatus.SOLVED and (not unique or answer.alternative is not None)


def planted(size: int, factor: float, seed: int, labels: int | str = 2) -> tuple[PartitionInstance, list[list[int]]]:
    instance, truth = planted_partition(3, size, 3, labels, factor=factor, seed=seed)
    return instance, truth.classes


def part_t1(args: argparse.Namespace, out: list[dict]) -> None:
    for seed in args.seeds:
        instance, truth = planted(1000, 4, seed)
        fast, direct = args.fast_timeout, args.direct_timeout
        runs = (("fast", fast, False), ("fast", fast, True), ("pysat", direct, True))
        for backend, limit, unique in runs:
            row = run_one(instance, truth, backend, limit, unique)
            out.append({"part": "T1", "N": 1000, "c": 4, "seed": seed, **row})
            print(json.dumps(out[-1]), flush=True)


def part_t2(args: argparse.Namespace, out: list[dict]) -> None:
    direct_gave_up = False
    for size in args.sizes:
        for seed in args.seeds:
            instance, truth = planted(size, 4, seed)
            runs = [("fast", args.fast_timeout)]
            if not direct_gave_up:
                runs.append(("pysat", args.direct_timeout))
            for backend, limit in runs:
                out.append({"part": "T2", "N": size, "c": 4, "seed": seed, **run_one(instance, truth, backend, limit)})
                print(json.dumps(out[-1]), flush=True)
        direct = [r for r in out if r["part"] == "T2" and r["N"] == size and r["backend"] == "pysat"]
        direct_gave_up = direct_gave_up or all(r["status"] in ("unknown", "timeout") for r in direct)


def part_t3(args: argparse.Namespace, out: list[dict]) -> None:
    path = Path(tempfile.gettempdir()) / f"latentsat_t3_{args.t3_size}.npz"
    if not path.exists():
        instance, _ = planted(args.t3_size, 2, 0, "generic")
        np.savez(
            path, tokens=instance.tokens, labels=instance.raw_labels, sizes=instance.sizes, classes=instance.budgets
        )
    row = run_in_child(_t3_in_child, (path,), 900.0)
    out.append({"part": "T3", "N": args.t3_size, "c": 2, "seed": 0, "backend": "fast", **row})
    print(json.dumps(out[-1]), flush=True)


def _t3_in_child(path: Path) -> dict[str, Any]:
    import resource

    start = time.perf_counter()
    instance = load_npz(path.read_bytes())
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    answer = solve(instance, SolveOptions(backend="fast", unique=True, time_limit=600))
    wall = time.perf_counter() - start
    check_s = answer.certificate.check_s if answer.certificate and answer.certificate.check_s else 0.0
    return {
        "status": answer.status.value,
        "samples": instance.n_samples,
        "load_validate_s": round(load_s, 3),
        "wall_s": round(wall, 3),
        "check_s": round(check_s, 3),
        "solve_s": round(wall - check_s, 3),
        "ratio_to_load": round(wall / load_s, 2),
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2),
    }


def summarise(rows: list[dict]) -> str:
    lines = [
        "| part | N | seed | backend | status | settled | wall s | check s | recovered |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['part']} | {r['N']} | {r['seed']} | {r['backend']} | {r['status']} | {r.get('settled', '-')} | "
            f"{r.get('wall_s', '-')} | {r.get('check_s', '-')} | {r.get('recovered', '-')} |"
        )
    lines.append("")
    lines.extend(_speedups(rows))
    lines.extend(_t5(rows))
    return "\n".join(lines)


def _speedups(rows: list[dict]) -> list[str]:
    out = []
    for part in ("T1", "T2"):
        for size in sorted({r["N"] for r in rows if r["part"] == part}):
            times = {}
            for backend in ("fast", "pysat"):
                mine = [r for r in rows if r["part"] == part and r["N"] == size and r["backend"] == backend]
                finished = [r["wall_s"] for r in mine if r.get("settled")]
                times[backend] = statistics.median(finished) if len(finished) == len(mine) and mine else None
            ratio = f"{times['pysat'] / times['fast']:.1f}x" if times["fast"] and times["pysat"] else "n/a"
            out.append(
                f"{part} N={size}: median wall fast {times['fast']} s, direct {times['pysat']} s, speed-up {ratio}"
            )
    return out


def _t5(rows: list[dict]) -> list[str]:
    ratios = [r["check_s"] / r["solve_s"] for r in rows if r.get("check_s") and r.get("solve_s")]
    if not ratios:
        return []
    return [
        f"T5: proof check / solve time over {len(ratios)} checked runs: max {max(ratios):.2f}, median "
        f"{statistics.median(ratios):.2f}"
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", default="t1,t2,t3")
    parser.add_argument("--seeds", default="0,1,2", type=lambda s: [int(v) for v in s.split(",")])
    parser.add_argument("--sizes", default="50,100,200,400", type=lambda s: [int(v) for v in s.split(",")])
    parser.add_argument("--fast-timeout", type=float, default=30.0)
    parser.add_argument("--direct-timeout", type=float, default=120.0)
    parser.add_argument("--t3-size", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("bench/results/fast_vs_direct.jsonl"))
    args = parser.parse_args()
    preload_solvers()  # once here, not in every forked run (see solvers.registry.SOLVER_MODULES)
    rows: list[dict] = []
    parts = {"t1": part_t1, "t2": part_t2, "t3": part_t3}
    for name in args.parts.split(","):
        parts[name](args, rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("a") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
    print(summarise(rows))


if __name__ == "__main__":
    main()
