"""Reports from harness records: CSV, PAR-2 per solver, a cactus plot and recovery rate against samples."""

from __future__ import annotations

import csv
import statistics
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SOLVED = frozenset({"solved", "unique", "infeasible", "optimal"})


def is_solved(record: dict[str, Any]) -> bool:
    """A run counts as solved when it answered within its limit and the answer checked independently."""
    return (
        record.get("status") in SOLVED and record.get("verified") is True and record["wall_s"] <= record["time_limit"]
    )


def par2(records: Iterable[dict[str, Any]]) -> dict[str, float]:
    """PAR-2 per solver: the mean of wall time over runs, counting an unsolved run as twice its time limit."""
    scores: dict[str, list[float]] = defaultdict(list)
    for record in records:
        scores[record["solver"]].append(record["wall_s"] if is_solved(record) else 2 * record["time_limit"])
    return {solver: statistics.fmean(values) for solver, values in scores.items()}


def write_csv(records: list[dict[str, Any]], path: Path) -> None:
    columns: list[str] = []
    for record in records:
        columns += [key for key in record if key not in columns and key != "trace"]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(records)


def summary_rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per solver: runs, solved, verified, recovered, PAR-2."""
    by_solver: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        by_solver[record["solver"]].append(record)
    scores = par2(records)
    return [
        {
            "solver": solver,
            "runs": len(runs),
            "solved": sum(is_solved(r) for r in runs),
            "unique": sum(r.get("status") == "unique" for r in runs),
            "verified": sum(r.get("verified") is True for r in runs),
            "recovered": sum(r.get("recovered") is True for r in runs),
            "par2_s": round(scores[solver], 2),
        }
        for solver, runs in by_solver.items()
    ]


def recovery_rates(records: list[dict[str, Any]], size: int | None = None) -> dict[str, dict[float, float]]:
    """Per solver, c → fraction of planted runs (at N = size) whose answer equals the planted partition."""
    hits: dict[str, dict[float, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for record in records:
        if record.get("p_kind") != "planted" or (size is not None and record.get("p_size") != size):
            continue
        hits[record["solver"]][float(record["p_factor"])].append(record.get("recovered") is True)
    return {solver: {c: sum(v) / len(v) for c, v in sorted(by_c.items())} for solver, by_c in hits.items()}


def smallest_factor(rates: dict[float, float], threshold: float = 0.9) -> float | None:
    """The smallest c with a recovery rate ≥ threshold (None if no c reaches it)."""
    return next((c for c, rate in sorted(rates.items()) if rate >= threshold), None)


def cactus_plot(records: list[dict[str, Any]], path: Path) -> None:
    """Solved instances (x) against the time limit needed (y, log scale), one line per solver."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6, 4))
    times: dict[str, list[float]] = defaultdict(list)
    for record in records:
        solved = times[record["solver"]]  # every solver gets a line, even with nothing solved
        if is_solved(record):
            solved.append(record["wall_s"])
    for solver, values in sorted(times.items()):
        values.sort()
        axes.plot(range(1, len(values) + 1), values, marker="o", markersize=3, label=solver)
    axes.set(xlabel="instances solved", ylabel="wall seconds", yscale="log", title="cactus plot")
    if times:
        axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def recovery_plot(records: list[dict[str, Any]], path: Path) -> int | None:
    """Recovery rate against c (n = c·N ln N) per solver, at the most common planted N. Returns that N."""
    sizes = [r["p_size"] for r in records if r.get("p_kind") == "planted"]
    size = max(set(sizes), key=sizes.count) if sizes else None
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6, 4))
    for solver, rates in sorted(recovery_rates(records, size).items()):
        axes.plot(list(rates), list(rates.values()), marker="o", label=solver)
    axes.set(xlabel="c  (samples n = c·N ln N)", ylabel="exact recovery rate", ylim=(-0.05, 1.05))
    axes.set_title(f"recovery against samples, N = {size}")
    if sizes:
        axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return size


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only; no display on servers or in containers
    import matplotlib.pyplot as plt

    return plt


def recovery_rows(records: list[dict[str, Any]], threshold: float = 0.9) -> list[dict[str, Any]]:
    """Per (solver, N, c): runs and exact recovery rate, with the smallest c reaching `threshold` for that N."""
    sizes = sorted({r["p_size"] for r in records if r.get("p_kind") == "planted"})
    rows = []
    for size in sizes:
        runs = defaultdict(int)
        for r in records:
            if r.get("p_kind") == "planted" and r["p_size"] == size:
                runs[(r["solver"], float(r["p_factor"]))] += 1
        for solver, rates in sorted(recovery_rates(records, size).items()):
            first = smallest_factor(rates, threshold)
            for factor, rate in rates.items():
                rows.append(
                    {
                        "solver": solver,
                        "N": size,
                        "c": factor,
                        "runs": runs[(solver, factor)],
                        "rate": rate,
                        f"smallest_c_{threshold:g}": first,
                    }
                )
    return rows


def write_reports(records: list[dict[str, Any]], out_dir: Path) -> dict[str, Path]:
    """results.csv, summary.csv, recovery.csv, cactus.png and recovery.png in `out_dir`."""
    names = ("results.csv", "summary.csv", "recovery.csv", "cactus.png", "recovery.png")
    paths = {name: out_dir / name for name in names}
    write_csv(records, paths["results.csv"])
    write_csv(summary_rows(records), paths["summary.csv"])
    write_csv(recovery_rows(records), paths["recovery.csv"])
    cactus_plot(records, paths["cactus.png"])
    recovery_plot(records, paths["recovery.png"])
    return paths
