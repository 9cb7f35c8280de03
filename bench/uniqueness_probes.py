"""Probes of why uniqueness proofs get hard below the must-differ threshold (docs/fast_solver.md, section 5).

Each probe builds the fast CNF of a planted instance (I = K = 3, V = 2) plus the planted partition's blocking
clause, adds some of the planted truth as unit clauses, and reports CaDiCaL's conflicts to refute it within a
budget (None = not refuted). Knowing parts of the truth is not a proof, of course: the probes measure how much a
case split would have to fix for the rest to be easy.

    python -m bench.uniqueness_probes graph --size 1000 --factors 4,8,16,32
    python -m bench.uniqueness_probes table --size 1000 --factor 16       # the planted table g given, or not
    python -m bench.uniqueness_probes seeds --size 1000 --factor 16 --seeds-per-group 0,2,5,10,20
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from problems.generate import planted_partition
from problems.must_differ import largest_clique, must_differ_pairs
from problems.partition import PartitionInstance, PartitionSolution
from reductions.partition_to_fast_cnf import PartitionToImpliedCnf


def graph_stats(size: int, factor: float, seed: int) -> list[dict[str, Any]]:
    """Per group: must-differ edges, average degree, tokens without an edge, triangles, largest clique (≤ 4)."""
    import networkx as nx

    instance, _ = planted_partition(3, size, 3, 2, factor=factor, seed=seed)
    rows = []
    for group in range(3):
        pairs = must_differ_pairs(instance, group)
        graph = nx.Graph(zip(pairs.a.tolist(), pairs.b.tolist(), strict=True))
        degrees = np.bincount(np.concatenate([pairs.a, pairs.b]), minlength=size)
        rows.append(
            {"N": size, "c": factor, "group": group, "edges": len(pairs), "avg_degree": round(2 * len(pairs) / size, 2),
             "isolated": int((degrees == 0).sum()), "triangles": sum(nx.triangles(graph).values()) // 3,
             "clique": len(largest_clique(pairs, 4))}
        )  # fmt: skip
    return rows


def refute(instance: PartitionInstance, classes: list[list[int]], units: str, count: int, budget: int) -> dict:
    """Conflicts to refute CNF ∧ blocking(planted) ∧ the chosen units of the planted truth."""
    from pysat.solvers import Solver

    encoder = PartitionToImpliedCnf()
    cnf = encoder.forward(instance)
    blocking = encoder.blocking_clause(PartitionSolution(classes, {}))
    numbered = encoder.in_precedence_numbering(classes)
    extra: list[list[int]] = []
    if units == "table":  # every reached cell's label, in the precedence numbering of the classes
        cells = np.column_stack([numbered[i][instance.tokens[:, i]] for i in range(3)])
        extra = [[encoder.y(tuple(map(int, cell)), int(v))] for cell, v in zip(cells, instance.label_ids, strict=True)]
    elif units == "seeds":  # `count` random tokens per group (not in the precedence clique) with their classes
        rng = np.random.default_rng(5)
        for group, order in enumerate(encoder.constrained):
            pool = [int(t) for t in rng.permutation(order[3:])][:count]
            extra += [[encoder.x(group, t, int(numbered[group][t]))] for t in pool]
    with Solver(name="cadical195", bootstrap_with=[*cnf.clauses, blocking, *extra]) as solver:
        solver.conf_budget(budget)
        start = time.perf_counter()
        verdict = solver.solve_limited()
        seconds = round(time.perf_counter() - start, 2)
        conflicts = solver.accum_stats()["conflicts"]
    return {"units": units, "count": count, "refuted": verdict is False, "clauses": len(cnf.clauses),
            "conflicts": conflicts, "solve_s": seconds}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("probe", choices=["graph", "table", "seeds"])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--factor", type=float, default=16.0)
    parser.add_argument("--factors", default="4,8,16,32")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds-per-group", default="0,2,5,10,20")
    parser.add_argument("--budget", type=int, default=30_000, help="conflicts before giving up")
    args = parser.parse_args()
    if args.probe == "graph":
        for factor in (float(c) for c in args.factors.split(",")):
            for row in graph_stats(args.size, factor, args.seed):
                print(row, flush=True)
        return
    instance, truth = planted_partition(3, args.size, 3, 2, factor=args.factor, seed=args.seed)
    if args.probe == "table":
        for units in ("none", "table"):
            print(refute(instance, truth.classes, units, 0, args.budget), flush=True)
        return
    for count in (int(m) for m in args.seeds_per_group.split(",")):
        print(refute(instance, truth.classes, "seeds", count, args.budget), flush=True)


if __name__ == "__main__":
    main()
