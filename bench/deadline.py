"""Does a solve return near its time limit when the encoding alone would outlast it? Wall time per backend.

Each (instance, backend) run is one `solvers.pipeline.solve` call in a fresh child process; `fast-fallback` is
the fast backend with its warm start switched off, so it takes the path that encodes the CNF in the parent.
`--overhead` times each encoder with and without a (far) deadline: the cost of the deadline checks alone.
Timings depend on the machine's load: say how many cores were shared when you quote them.

    python bench/deadline.py --limit 5                   # wall time of solve, three instances × three backends
    python bench/deadline.py --overhead --repeats 5      # encoding time with and without deadline checks
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench.fast_vs_direct import run_in_child
from problems.answers import SolveOptions
from problems.generate import planted_partition
from problems.partition import PartitionInstance
from solvers.child import ChildCrashed, ChildTimeout

FAR_DEADLINE = 1e12  # a perf_counter value that never comes: every check runs, none fires
HARD_KILL_S = 300.0  # a run still going this long after its limit is reported as "killed"
BACKENDS = ("pysat", "cpsat", "fast-fallback")
# (label, planted_partition arguments): I = 3 groups of N tokens, K = 3 classes, V labels, n = c·N ln N samples
INSTANCES: dict[str, dict[str, Any]] = {
    "N=1000 V=2 c=4": dict(groups=3, size=1000, classes=3, labels=2, factor=4),
    "N=3000 V=2 c=4": dict(groups=3, size=3000, classes=3, labels=2, factor=4),
    "N=1e5 generic c=0.1": dict(groups=3, size=100_000, classes=3, labels="generic", factor=0.1),
}


def instance(label: str) -> PartitionInstance:
    return planted_partition(**INSTANCES[label], seed=0)[0]


def timed_solve(inst: PartitionInstance, backend: str, limit: float) -> dict[str, Any]:
    """Runs in the child: one solve, summarised."""
    import solvers.pipeline as pipeline

    if backend == "fast-fallback":
        pipeline._warm_start = lambda *args, **kwargs: None  # type: ignore[assignment]
    start = time.perf_counter()
    answer = pipeline.solve(inst, SolveOptions(backend=backend.removesuffix("-fallback"), time_limit=limit))
    return {
        "wall_s": round(time.perf_counter() - start, 2),
        "status": answer.status.value,
        "encode_s": answer.stats.get("encode_s"),
        "message": answer.message or "",
    }


def wall_times(labels: list[str], backends: list[str], limit: float) -> None:
    print("| instance | samples | backend | limit s | wall s | status | encode s | message |")
    print("|---|---|---|---|---|---|---|---|")
    for label in labels:
        inst = instance(label)
        for backend in backends:
            try:
                row = run_in_child(timed_solve, (inst, backend, limit), limit + HARD_KILL_S)
            except ChildTimeout:
                row = {"wall_s": f"> {limit + HARD_KILL_S}", "status": "killed"}
            except ChildCrashed as exc:
                row = {"wall_s": "-", "status": f"crashed: {exc}"}
            print(
                f"| {label} | {inst.n_samples} | {backend} | {limit} | {row['wall_s']} | {row['status']} | "
                f"{row.get('encode_s', '')} | {row.get('message', '')} |",
                flush=True,
            )


def encoders() -> dict[str, Callable[[float | None], Any]]:
    from reductions.partition_to_cnf import PartitionToCnf
    from reductions.partition_to_cpsat import PartitionToCpSat
    from reductions.partition_to_fast_cnf import PartitionToFastCnf

    return {
        "PartitionToCnf": lambda deadline: PartitionToCnf(deadline=deadline),
        "PartitionToCpSat": lambda deadline: PartitionToCpSat(deadline=deadline),
        "PartitionToFastCnf": lambda deadline: PartitionToFastCnf(deadline=deadline),
    }


def encoding_overhead(labels: list[str], repeats: int) -> None:
    """Median encoding time without a deadline and with one that never passes, in alternating order (ABBA)."""
    print("| instance | encoder | no deadline s (median) | with deadline s (median) | overhead |")
    print("|---|---|---|---|---|")
    for label in labels:
        inst = instance(label)
        for name, make in encoders().items():
            plain: list[float] = []
            checked: list[float] = []
            runs = [(None, plain), (FAR_DEADLINE, checked)]
            for repeat in range(repeats):
                for deadline, times in runs if repeat % 2 == 0 else runs[::-1]:
                    gc.collect()  # the previous run's garbage is not charged to this one
                    start = time.perf_counter()
                    make(deadline).forward(inst)
                    times.append(time.perf_counter() - start)
            base, with_checks = statistics.median(plain), statistics.median(checked)
            print(
                f"| {label} | {name} | {base:.3f} | {with_checks:.3f} | {100 * (with_checks / base - 1):+.1f}% |",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=float, default=5.0, help="time_limit of each solve, seconds")
    parser.add_argument("--instances", default=",".join(INSTANCES), help="comma-separated labels of INSTANCES")
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--overhead", action="store_true", help="time the deadline checks instead")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    labels = args.instances.split(",")
    if args.overhead:
        encoding_overhead(labels, args.repeats)
    else:
        wall_times(labels, args.backends.split(","), args.limit)


if __name__ == "__main__":
    main()
