"""The seed paper's gradient-flow setting for the gradient baseline: N = 1000, K = I = 3, D = 2, S = 100,000.

For each seed it prints what the baseline recovers: the answer's status, the fraction of samples its partition
explains, the fraction of tokens in their planted class (best class matching per group), and exact recovery.
Both clusterings run: `embed` (k-means on the learned 2-d embeddings, as in the paper) and `response` (k-means on
each token's predicted label distribution over 64 sample contexts, the backend's default). Rerun with

    OMP_NUM_THREADS=1 python -m bench.gradient_paper --seeds 3
"""

from __future__ import annotations

import argparse
import itertools
import json
import time

import numpy as np

from problems.answers import SolveOptions
from problems.generate import planted_partition
from problems.verify import canonical_classes, constrained_mask
from solvers.pipeline import solve

VARIANTS = {"embed": "mlp:dim=2,probes=0", "response": "mlp:dim=2"}


def token_accuracy(found: list[list[int]], truth: list[list[int]], budgets: tuple[int, ...]) -> float:
    """Fraction of tokens in their planted class, under the best relabelling of each group's classes."""
    hits = 0
    for group, planted, k in zip(found, truth, budgets, strict=True):
        ours, theirs = np.asarray(group), np.asarray(planted)
        hits += max(int((perm_array[ours] == theirs).sum()) for perm_array in map(np.array, _perms(k)))
    return hits / sum(len(g) for g in truth)


def _perms(k: int) -> list[tuple[int, ...]]:
    return list(itertools.permutations(range(k)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--labels", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=600.0)
    args = parser.parse_args()
    for seed, (variant, solver) in itertools.product(range(args.seeds), VARIANTS.items()):
        instance, truth = planted_partition(3, args.size, 3, args.labels, n_samples=args.samples, seed=seed)
        start = time.perf_counter()
        answer = solve(instance, SolveOptions(backend="gradient", solver=solver, time_limit=args.time_limit, seed=seed))
        masks = constrained_mask(instance)
        row = {
            "seed": seed,
            "clustering": variant,
            "status": answer.status.value,
            "explained": answer.stats.get("explained_fraction", 1.0),
            "token_accuracy": round(token_accuracy(answer.classes or [], truth.classes, instance.budgets), 4),
            "exact": canonical_classes(answer.classes or [], masks) == canonical_classes(truth.classes, masks),
            "train_loss": answer.stats.get("train_loss"),
            "steps": answer.stats.get("steps"),
            "wall_s": round(time.perf_counter() - start, 1),
        }
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
