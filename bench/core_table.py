"""Issue 2's table: time to `solved` and to `unique`, proof size and check time, direct CNF against CP-SAT.

Instances: I=3, K=3, V=2, N ∈ {50, 100, 200, 400}, c ∈ {4, 8}, 3 seeds; 120 s per run; each run in a fresh
process (the harness). Resumable: rerunning skips recorded runs. Rerun with

    python -m bench.core_table --out bench/results/core

"Time to solved" is encoding plus the first solve; "time to unique" is the whole run up to the checked uniqueness
proof (the CP-SAT configuration proves uniqueness on the CNF, as the pipeline does for every backend).
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path
from typing import Any

SOLVERS = ["pysat-unique", "cpsat-unique"]
COLUMNS = ["N", "c", "n", "solver", "solved", "t_solved_s", "unique", "t_unique_s", "proof_kb", "check_s", "checker"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench/results/core"))
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--report-only", action="store_true", help="print the table from recorded runs")
    args = parser.parse_args()
    if not args.report_only:
        from bench.runner import RunLimits, jobs_for, run_suite

        run_suite(jobs_for("core", SOLVERS, args.time_limit), args.out, RunLimits(args.time_limit, memory_mb=8192))
    table = markdown_table(rows(args.out))
    (args.out / "core_table.md").write_text(table)
    print(table)


def rows(out: Path) -> list[dict[str, Any]]:
    """One row per (N, c, solver): medians over the seeds that reached the status, and counts out of the seeds."""
    from bench.runner import load_records

    groups: dict[tuple[int, float, str], list[dict[str, Any]]] = {}
    for record in load_records(out):
        if record["suite"] == "core":
            groups.setdefault((record["p_size"], record["p_factor"], record["solver"]), []).append(record)
    table = []
    for (size, factor, solver), runs in sorted(groups.items()):
        solved = [r for r in runs if r.get("status") in ("solved", "unique") and r.get("verified")]
        unique = [r for r in solved if r["status"] == "unique"]
        table.append(
            {
                "N": size,
                "c": factor,
                "n": runs[0].get("n_samples"),
                "solver": solver.removesuffix("-unique"),
                "solved": f"{len(solved)}/{len(runs)}",
                "t_solved_s": _median([(r["encode_s"] or 0) + (r["solve_s"] or 0) for r in solved]),
                "unique": f"{len(unique)}/{len(runs)}",
                "t_unique_s": _median([r["pipeline_wall_s"] for r in unique]),
                "proof_kb": _median([r["proof_bytes"] / 1024 for r in unique if r.get("proof_bytes")]),
                "check_s": _median([r["check_s"] for r in unique if r.get("check_s") is not None]),
                "checker": ",".join(sorted({r.get("checker") or "-" for r in unique})) or "-",
            }
        )
    return table


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):.2f}" if values else "-"


def markdown_table(table: list[dict[str, Any]]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(str(row[c]) for c in COLUMNS) + " |" for row in table]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
