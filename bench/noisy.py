"""Noisy recovery bench: exact recovery against label noise ε, and the topic model against spectral co-clustering.

Every instance is built once and solved by each solver in this one process (imports and instance building are
paid once; the machine is shared). Each record carries the 1-minute load average at its start. Writes
`records.jsonl`, `table.md` and `recovery_vs_noise.png` to --out.

    OMP_NUM_THREADS=1 python -m bench.noisy --part sweep --seeds 5 --out bench/results/noisy
    OMP_NUM_THREADS=1 python -m bench.noisy --part topics --seeds 3 --out bench/results/noisy
    OMP_NUM_THREADS=1 python -m bench.noisy --part z --size 1000 --eps 0.01 --seeds 5 --solvers noisy
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from problems.answers import SolveOptions
from problems.generate import planted_partition
from problems.noisy_search import violated_mask
from problems.partition import PartitionInstance
from problems.topics import topic_instance
from problems.verify import canonical_classes, constrained_mask

EPSILONS = (0.0, 0.005, 0.01, 0.02, 0.05)
# name → (backend, extra options); rc2 is the pysat backend on "minimize" (RC2 on the weighted CNF)
SOLVERS: dict[str, dict[str, Any]] = {
    "noisy": {"backend": "noisy"},
    "noisy-noproof": {"backend": "noisy", "proof": False},
    "rc2": {"backend": "pysat"},
    "cpsat": {"backend": "cpsat", "num_workers": 2},
    "gradient": {"backend": "gradient"},
}
TOPIC_SIZES = ((300, 200, 3, 150), (1000, 500, 5, 300), (2000, 1000, 8, 600))  # vocabulary, documents, topics, L


def run_solver(instance: PartitionInstance, truth: list[list[int]], name: str, limit: float) -> dict[str, Any]:
    """One solve through the pipeline; recovery is judged on the verified answer's canonical classes."""
    from solvers.pipeline import solve

    load = os.getloadavg()[0]
    start = time.perf_counter()
    answer = solve(instance, SolveOptions(**SOLVERS[name], time_limit=limit))
    wall = time.perf_counter() - start
    masks = constrained_mask(instance)
    recovered = answer.classes is not None and answer.classes == canonical_classes(truth, masks)
    return {
        "solver": name, "status": answer.status.value, "violations": answer.violations, "recovered": recovered,
        "lower_bound": answer.lower_bound, "gap": answer.gap, "wall_s": round(wall, 2), "load": round(load, 2),
        "ari": _ari(answer.classes, truth), "bound_parts": answer.stats.get("bound_parts"),
    }  # fmt: skip


def _ari(classes: list[list[int]] | None, truth: list[list[int]]) -> list[float] | None:
    from sklearn.metrics import adjusted_rand_score

    if classes is None:
        return None
    return [round(float(adjusted_rand_score(t, c)), 4) for t, c in zip(truth, classes, strict=True)]


def spectral_coclustering(instance: PartitionInstance, occurrence: np.ndarray, topics: int, seed: int) -> dict:
    """scikit-learn's SpectralCoclustering on the documents × words matrix, scored like our answers."""
    from sklearn.cluster import SpectralCoclustering

    load = os.getloadavg()[0]
    start = time.perf_counter()
    model = SpectralCoclustering(n_clusters=topics, random_state=seed).fit(occurrence.astype(float) + 1e-9)
    classes = [np.asarray(model.row_labels_), np.asarray(model.column_labels_)]
    wall = time.perf_counter() - start
    canonical = canonical_classes(classes, constrained_mask(instance))
    violations = int(violated_mask(instance, [np.asarray(c) for c in canonical]).sum())
    return {"solver": "spectral-coclustering", "classes": canonical, "violations": violations,
            "wall_s": round(wall, 2), "load": round(load, 2)}  # fmt: skip


def sweep(args: argparse.Namespace, out: Path) -> None:
    for eps in args.eps or EPSILONS:
        for seed in range(args.seeds):
            instance, truth = planted_partition(3, args.size, 3, 2, factor=args.factor, seed=seed, noise=eps)
            instance = replace(instance, max_violations="minimize")
            for name in args.solvers:
                limit = args.baseline_limit if name in ("rc2", "cpsat") and args.baseline_limit else args.time_limit
                record = run_solver(instance, truth.classes, name, limit)
                record.update(part="sweep", size=args.size, eps=eps, seed=seed, flipped=len(truth.flipped))
                _append(out, record)


def topics(args: argparse.Namespace, out: Path) -> None:
    for vocabulary, documents, count, words in TOPIC_SIZES[: args.topic_sizes]:
        for seed in range(args.seeds):
            instance, truth = topic_instance(vocabulary, documents, count, words, seed=seed)
            instance = replace(instance, max_violations="minimize")
            meta = {"part": "topics", "vocabulary": vocabulary, "documents": documents, "topics": count, "seed": seed}
            planted = int(violated_mask(instance, [np.asarray(c) for c in truth.classes]).sum())
            peer = spectral_coclustering(instance, truth.occurrence, count, seed)
            peer.update(meta, recovered=peer["classes"] == truth.classes, ari=_ari(peer.pop("classes"), truth.classes))
            _append(out, {**peer, "planted_violations": planted})
            for name in args.solvers:
                record = run_solver(instance, truth.classes, name, args.time_limit)
                _append(out, {**record, **meta, "planted_violations": planted})


def _append(out: Path, record: dict[str, Any]) -> None:
    print(json.dumps(record), flush=True)
    with (out / "records.jsonl").open("a") as handle:
        handle.write(json.dumps(record) + "\n")


def report(out: Path) -> str:
    """Recovery rate per (part, ε or size, solver) as a markdown table, and the recovery-vs-noise plot."""
    records = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines() if line.strip()]
    groups: dict[tuple, list[dict]] = {}
    for r in records:
        key = (r["part"], r.get("size") or r.get("vocabulary"), r.get("eps"), r["solver"])
        groups.setdefault(key, []).append(r)
    lines = ["| part | N or V | ε | solver | runs | recovered | median violations | median LB | median wall s "
             "| median load |", "|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for (part, size, eps, solver), rows in sorted(groups.items(), key=lambda kv: tuple(map(str, kv[0]))):
        rec = sum(bool(r.get("recovered")) for r in rows)
        viol = _median([r.get("violations") for r in rows])
        bound = _median([r.get("lower_bound") for r in rows])
        wall, load = _median([r["wall_s"] for r in rows]), _median([r["load"] for r in rows])
        noise = eps if eps is not None else "-"
        lines.append(f"| {part} | {size} | {noise} | {solver} | {len(rows)} | {rec}/{len(rows)} "
                     f"| {viol} | {bound} | {wall} | {load} |")  # fmt: skip
    table = "\n".join(lines) + "\n"
    (out / "table.md").write_text(table)
    _plot(out, groups)
    return table


def _median(values: list[Any]) -> Any:
    present = [v for v in values if v is not None]
    return float(np.median(present)) if present else "-"


def _plot(out: Path, groups: dict[tuple, list[dict]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 4))
    solvers = sorted({key[3] for key in groups if key[0] == "sweep"})
    for solver in solvers:
        points = sorted((key[2], rows) for key, rows in groups.items() if key[0] == "sweep" and key[3] == solver)
        if points:
            eps = [100 * p[0] for p in points]
            rate = [np.mean([bool(r["recovered"]) for r in p[1]]) for p in points]
            axis.plot(eps, rate, marker="o", label=solver)
    axis.set(xlabel="label noise ε (%)", ylabel="exact recovery rate", title="N=1000, I=K=3, V=2, c=8")
    axis.legend()
    figure.tight_layout()
    figure.savefig(out / "recovery_vs_noise.png", dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["sweep", "topics", "z", "report"], default="sweep")
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--factor", type=float, default=8.0)
    parser.add_argument("--eps", type=float, nargs="*", default=None)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--solvers", nargs="+", default=["noisy", "rc2", "cpsat", "gradient"])
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--baseline-limit", type=float, default=None, help="time limit for rc2 and cpsat")
    parser.add_argument("--topic-sizes", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench/results/noisy"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.part in ("sweep", "z"):
        sweep(args, args.out)
    elif args.part == "topics":
        topics(args, args.out)
    print(report(args.out))


if __name__ == "__main__":
    main()
