"""The identifiability frontier: time to a settled uniqueness question (`unique`, or a verified rival) over N × c.

Reads harness records of the `frontier` suite (I = K = 3, V = 2, planted, 3 seeds per point) and writes
`frontier.md` (one table per solver: per seed, U = unique or R = rival found, with wall seconds; — = not settled
in the limit) and `frontier.png` (one heat map per solver: median seconds to settle, unsettled runs counted at
twice the limit, cells annotated with settled/runs).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

RIVAL_CHECKS = frozenset({"satisfiable", "one-move rival"})  # `unique_check` values that mean "another solution"


def outcome(record: dict[str, Any]) -> str | None:
    """'U' (unique, checked), 'R' (a verified rival), or None (unsettled, wrong, or past the limit)."""
    if record.get("verified") is not True or record["wall_s"] > record["time_limit"] + 2:
        return None
    if record.get("status") == "unique":
        return "U"
    if record.get("status") == "solved" and (record.get("rival") or record.get("unique_check") in RIVAL_CHECKS):
        return "R"
    return None


def frontier_cells(records: list[dict[str, Any]]) -> dict[str, dict[tuple[int, float], list[dict[str, Any]]]]:
    """solver → (N, c) → that point's records, by seed."""
    cells: dict[str, dict[tuple[int, float], list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for record in records:
        if record.get("p_kind") == "planted":
            cells[record["solver"]][(int(record["p_size"]), float(record["p_factor"]))].append(record)
    for by_point in cells.values():
        for runs in by_point.values():
            runs.sort(key=lambda r: r.get("p_seed", 0))
    return cells


def settle_seconds(record: dict[str, Any]) -> float:
    """Wall seconds to settle, or twice the limit when unsettled (PAR-2)."""
    return float(record["wall_s"]) if outcome(record) else 2.0 * float(record["time_limit"])


def frontier_markdown(records: list[dict[str, Any]]) -> str:
    """One table per solver: rows N, columns c, each cell the seeds' outcomes with wall seconds."""
    out = []
    for solver, by_point in sorted(frontier_cells(records).items()):
        sizes = sorted({n for n, _ in by_point})
        factors = sorted({c for _, c in by_point})
        limit = next(iter(by_point.values()))[0]["time_limit"]
        out.append(f"### {solver} (limit {limit:g} s; U = unique, R = rival found, — = not settled; wall s)\n")
        out.append("| N | " + " | ".join(f"c={c:g}" for c in factors) + " |")
        out.append("|---|" + "---|" * len(factors))
        for size in sizes:
            row = [_cell_text(by_point.get((size, c), [])) for c in factors]
            out.append(f"| {size} | " + " | ".join(row) + " |")
        out.append("")
    return "\n".join(out)


def _cell_text(runs: list[dict[str, Any]]) -> str:
    if not runs:
        return ""
    parts = []
    for run in runs:
        mark = outcome(run)
        parts.append(f"{mark} {run['wall_s']:.1f}" if mark else "—")
    return ", ".join(parts)


def frontier_heatmap(records: list[dict[str, Any]], path: Path) -> None:
    """Median seconds to settle per (N, c), one panel per solver, on a shared log colour scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.colors import LogNorm

    cells = frontier_cells(records)
    solvers = sorted(cells)
    figure, axes = plt.subplots(1, max(len(solvers), 1), figsize=(4.2 * max(len(solvers), 1), 3.6), squeeze=False)
    values = [settle_seconds(r) for by_point in cells.values() for runs in by_point.values() for r in runs]
    norm = LogNorm(vmin=max(min(values, default=0.1), 0.1), vmax=max(values, default=1.0))
    image = None
    for axis, solver in zip(axes[0], solvers, strict=False):
        by_point = cells[solver]
        sizes = sorted({n for n, _ in by_point})
        factors = sorted({c for _, c in by_point})
        grid = np.full((len(sizes), len(factors)), np.nan)
        for (size, factor), runs in by_point.items():
            i, j = sizes.index(size), factors.index(factor)
            grid[i, j] = statistics.median(settle_seconds(r) for r in runs)
            settled = sum(outcome(r) is not None for r in runs)
            axis.text(j, i, f"{settled}/{len(runs)}\n{grid[i, j]:.3g}s", ha="center", va="center", fontsize=7)
        image = axis.imshow(grid, norm=norm, cmap="viridis_r", origin="lower", aspect="auto")
        axis.set_xticks(range(len(factors)), [f"{c:g}" for c in factors])
        axis.set_yticks(range(len(sizes)), [str(n) for n in sizes])
        axis.set(xlabel="c  (n = c·N ln N)", ylabel="N", title=solver)
    if image is not None:
        figure.colorbar(image, ax=axes[0].tolist(), label="median s to settle (unsettled: 2× limit)")
    figure.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(figure)


def write_frontier(records: list[dict[str, Any]], out_dir: Path) -> dict[str, Path]:
    """frontier.md and frontier.png in `out_dir`."""
    paths = {"frontier.md": out_dir / "frontier.md", "frontier.png": out_dir / "frontier.png"}
    paths["frontier.md"].write_text(frontier_markdown(records))
    frontier_heatmap(records, paths["frontier.png"])
    return paths
