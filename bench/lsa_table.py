"""LSA recovery benchmark: X* realisability, time per mode and backend, best-fit vs Adam, for d = 1..D.

Run:  .venv/bin/python bench/lsa_table.py --max-d 6 --n 100 --p 1/2 --time-limit 60
Instances (seeded): `planted` is X = φ(b, A) with b, A uniform on {-2..2}; `perturbed` adds 1 to X_(0,1),0 (checked
infeasible on the grid by every backend, or the row says otherwise); `X*` is the exact Markov optimum.
Times are wall seconds of the whole solve path (encoding, solving, exact verification, proof checking); the X*
column is its exact computation, which best-fit then reuses (cached).
"""

from __future__ import annotations

import argparse
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from problems.answers import SolveOptions
from problems.lsa.markov import x_star_cached
from problems.lsa.phi import phi
from problems.lsa.structure import realise_over_reals
from solvers.pipeline import solve_json

GRID = [-2, -1, 0, 1, 2]


def planted(d: int, seed: int) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    b = [Fraction(int(v)) for v in rng.integers(-2, 3, d + 1)]
    a = [[Fraction(int(v)) for v in rng.integers(-2, 3, d)] for _ in range(d + 1)]
    return [[str(v) for v in row] for row in phi(b, a)]


def timed(data: dict[str, Any], **options: Any) -> tuple[str, float, Any]:
    start = time.perf_counter()
    answer = solve_json(data, SolveOptions(**options))
    return answer.status.value, time.perf_counter() - start, answer


def cell(status: str, seconds: float) -> str:
    return f"{status[:5]} {seconds:6.2f}"


def run(max_d: int, n: int, p: str, limit: float) -> None:
    header = ["d", "X* s", "X* real?", "structure s"]
    grid_cols = [f"grid {b}" for b in ("pysat", "cpsat", "structure")]
    pert_cols = [f"pert {b}" for b in ("pysat", "cpsat", "structure")]
    real_cols = ["real scip", "real highs", "real X* highs"]
    fit_cols = ["varpro s", "varpro excess", "adam s", "adam excess"]
    print(" | ".join(header + grid_cols + pert_cols + real_cols + fit_cols))
    for d in range(1, max_d + 1):
        row: list[str] = [str(d)]
        start = time.perf_counter()
        optimum = x_star_cached(d, n, Fraction(p))
        row.append(f"{time.perf_counter() - start:.2f}")
        start = time.perf_counter()
        real = realise_over_reals(optimum.x, d)
        row += [real.status, f"{time.perf_counter() - start:.3f}"]
        x = planted(d, seed=d)
        for backend in ("pysat", "cpsat", "structure"):
            row.append(
                cell(*timed({"kind": "lsa", "d": d, "x": x, "grid": GRID}, backend=backend, time_limit=limit)[:2])
            )
        bad = [list(r) for r in x]
        bad[1][0] = str(Fraction(bad[1][0]) + 1)
        for backend in ("pysat", "cpsat", "structure"):
            row.append(
                cell(*timed({"kind": "lsa", "d": d, "x": bad, "grid": GRID}, backend=backend, time_limit=limit)[:2])
            )
        box = {"kind": "lsa", "d": d, "x": x, "mode": "real", "box": [-4, 4], "bits": 4}
        for solver in ("gscip", "highs"):
            row.append(cell(*timed(box, backend="mathopt", solver=solver, time_limit=limit)[:2]))
        xstar_real = {"kind": "lsa", "d": d, "markov": {"n": n, "p": p}, "mode": "real", "bits": 4}
        row.append(cell(*timed(xstar_real, backend="mathopt", solver="highs", time_limit=limit)[:2]))
        fit = {"kind": "lsa", "d": d, "markov": {"n": n, "p": p}, "mode": "best-fit"}
        for backend in ("varpro", "gradient"):
            _, seconds, answer = timed(fit, backend=backend, time_limit=limit)
            row += [f"{seconds:.2f}", f"{answer.loss_excess_float:.6g}"]
        print(" | ".join(row), flush=True)


def realisability(max_d: int, p: str) -> None:
    """Is X*(d, n, p) exactly φ(b, A) for some real (b, A)? (the structure algorithm; exact)"""
    print(f"\nX* realisable over the reals (p = {p}); rows n, columns d = 1..{max_d}")
    for n in (1, 10, 100, 1000):
        statuses = [realise_over_reals(x_star_cached(d, n, Fraction(p)).x, d).status for d in range(1, max_d + 1)]
        print(f"n = {n:5d}: " + " | ".join(statuses))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-d", type=int, default=4)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--p", default="1/2")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--realisability-only", action="store_true", help="only the X* realisability table (d ≤ 4)")
    args = parser.parse_args()
    if not args.realisability_only:
        run(args.max_d, args.n, args.p, args.time_limit)
    realisability(min(args.max_d, 4), args.p)


if __name__ == "__main__":
    main()
