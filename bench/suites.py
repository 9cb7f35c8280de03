"""Benchmark suites: named, extensible lists of instance specs, built reproducibly inside each run's child process.

A spec is a small JSON object (`{"kind": "planted", ...}`), so a record names exactly what was solved and a
rerun rebuilds the same instance byte for byte. Suites whose modules are not installed are skipped with a reason.
"""

from __future__ import annotations

import importlib
import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from problems.partition import PartitionInstance

if TYPE_CHECKING:
    from problems.lsa.instance import LsaInstance

Spec = dict[str, Any]


@dataclass(frozen=True)
class Suite:
    """A named family of instance specs; `requires` lists modules without which the suite is skipped."""

    name: str
    summary: str
    specs: Callable[[], list[Spec]]
    requires: tuple[str, ...] = ()
    files: tuple[Path, ...] = ()  # data folders the suite reads (public benchmark files beside the checkout)

    def missing(self) -> list[str]:
        """The required modules and folders that are not here (an empty list means the suite can run)."""
        absent = [str(path) for path in self.files if not path.exists()]
        for module in self.requires:
            try:
                importlib.import_module(module)
            except ImportError:
                absent.append(module)
        return absent


def planted_grid(
    groups: list[int], classes: list[int], labels: list[int | str], sizes: list[int], factors: list[float], seeds: int
) -> list[Spec]:
    """Every combination of the grids, `seeds` seeds each, smallest instances first."""
    specs = []
    for size, factor, i, k, v, seed in itertools.product(sizes, factors, groups, classes, labels, range(seeds)):
        specs.append(
            {"kind": "planted", "groups": i, "size": size, "classes": k, "labels": v, "factor": factor, "seed": seed}
        )
    return specs


def spec_id(spec: Spec) -> str:
    """A short stable name for a spec, e.g. `planted-I3-K3-V2-N100-c4-s0` (`-e0.01` with label noise)."""
    if spec["kind"] == "planted":
        noise = f"-e{spec['noise']:g}" if spec.get("noise") else ""
        return (
            f"planted-I{spec['groups']}-K{spec['classes']}-V{spec['labels']}-N{spec['size']}"
            f"-c{spec['factor']:g}-s{spec['seed']}{noise}"
        )
    if spec["kind"] == "topics":
        return f"topics-V{spec['vocabulary']}-D{spec['documents']}-T{spec['topics']}-L{spec['words']}-s{spec['seed']}"
    if spec["kind"] == "lsa" and spec["mode"] == "best-fit":
        return f"lsa-best-fit-d{spec['d']}-n{spec['n']}-p{spec['p'].replace('/', '_')}"
    if spec["kind"] == "lsa":
        return f"lsa-{spec['mode']}-d{spec['d']}-{spec['variant']}-s{spec['seed']}"
    return "-".join(str(v) for v in spec.values())


SUITES: dict[str, Suite] = {}


def register(suite: Suite) -> Suite:
    SUITES[suite.name] = suite
    return suite


register(
    Suite(
        "tiny",
        "smoke test: I=2, K=2, V=2, N ∈ {8, 12}, c=4, 2 seeds",
        lambda: planted_grid([2], [2], [2], [8, 12], [4], seeds=2),
    )
)
register(
    Suite(
        "sweep",
        "many small runs, to spread over workers (`bench --queue`): I=2, K=2, V=2, N ∈ {10, 20}, c=4, 50 seeds",
        lambda: planted_grid([2], [2], [2], [10, 20], [4], seeds=50),
    )
)
register(
    Suite(
        "planted",
        "planted grid: I ∈ {2,3}, K ∈ {2,3}, V ∈ {2,3}, N ∈ {50,100,200}, c ∈ {2,4,8}, 3 seeds",
        lambda: planted_grid([2, 3], [2, 3], [2, 3], [50, 100, 200], [2, 4, 8], seeds=3),
    )
)
register(
    Suite(
        "core",
        "issue 2 table: I=3, K=3, V=2, N ∈ {50,100,200,400}, c ∈ {4,8}, 3 seeds",
        lambda: planted_grid([3], [3], [2], [50, 100, 200, 400], [4, 8], seeds=3),
    )
)
register(
    Suite(
        "core-small",
        "the issue 2 table up to N=200: I=3, K=3, V=2, N ∈ {50,100,200}, c ∈ {4,8}, 3 seeds",
        lambda: planted_grid([3], [3], [2], [50, 100, 200], [4, 8], seeds=3),
    )
)
register(
    Suite(
        "t4",
        "T4: recovery against c at N=1000, I=K=3, V=2, c ∈ {2,3,4,5,6,8,16,32}, 10 seeds",
        lambda: planted_grid([3], [3], [2], [1000], [2, 3, 4, 5, 6, 8, 16, 32], seeds=10),
    )
)
register(
    Suite(
        "t4-c16",
        "T4 at one point: N=1000, I=K=3, V=2, c=16, 10 seeds",
        lambda: planted_grid([3], [3], [2], [1000], [16], seeds=10),
    )
)
register(
    Suite(
        "t4-c8",
        "T4 at one point: N=1000, I=K=3, V=2, c=8, 10 seeds",
        lambda: planted_grid([3], [3], [2], [1000], [8], seeds=10),
    )
)
register(
    Suite(
        "t4-small",
        "T4 at reduced size (the direct CNF cannot reach N=1000 on 2 cores): N=100, I=K=3, V=2, c ∈ {1,2,4,8,16,32}",
        lambda: planted_grid([3], [3], [2], [100], [1, 2, 4, 8, 16, 32], seeds=10),
    )
)
register(
    Suite(
        "frontier",
        "identifiability frontier (issue 14): I=K=3, V=2, N ∈ {200,500,1000,2000}, c ∈ {4,6,8,16,32}, 3 seeds",
        lambda: planted_grid([3], [3], [2], [200, 500, 1000, 2000], [4, 6, 8, 16, 32], seeds=3),
    )
)
register(
    Suite(
        "frontier-5000",
        "U3 of issue 14: I=K=3, V=2, N=5000, c=16, 2 seeds",
        lambda: planted_grid([3], [3], [2], [5000], [16], seeds=2),
    )
)
# the public files: the copy in tests/data/public (byte for byte the published ones), or LATENTSAT_DIMACS_COL
DIMACS_COL = Path(
    os.environ.get(
        "LATENTSAT_DIMACS_COL", Path(__file__).resolve().parents[1] / "tests" / "data" / "public" / "dimacs-col"
    )
)
DIMACS_CHROMATIC = {"myciel3": 4, "myciel4": 5, "myciel5": 6, "queen5_5": 5, "queen6_6": 7, "huck": 11, "jean": 10,
                    "david": 11, "anna": 11, "games120": 9, "miles250": 8, "homer": 13, "1-FullIns_3": 4,
                    "2-Insertions_3": 4, "3-Insertions_3": 4}  # χ as published (the folder's README)  # fmt: skip
register(
    Suite(
        "dimacs-col",
        "U5: R1 on the public DIMACS colouring files at K = χ − 1 (all infeasible)",
        lambda: [{"kind": "dimacs", "file": name, "colours": chi - 1} for name, chi in DIMACS_CHROMATIC.items()],
        requires=("reductions.colouring_to_partition", "problems.graph"),
        files=(DIMACS_COL,),
    )
)
register(
    Suite(
        "mycielski",
        "R1 on Mycielski graphs M3..M5 with K = χ-1 (infeasible) and K = χ (feasible)",
        lambda: [{"kind": "mycielski", "order": m, "colours": m + d} for m in (3, 4, 5) for d in (-1, 0)],
        requires=("reductions.colouring_to_partition", "problems.graph"),
    )
)
register(
    Suite(
        "3sat",
        "R1∘R2 on random 3-SAT at clause ratio 4.26, 10..30 variables, 3 seeds",
        lambda: [{"kind": "3sat", "variables": v, "ratio": 4.26, "seed": s} for v in (10, 20, 30) for s in range(3)],
        requires=("reductions.colouring_to_partition", "reductions.three_sat_to_colouring", "problems.graph"),
    )
)


def noisy_grid(size: int, factor: float, noises: list[float], seeds: int) -> list[Spec]:
    """Planted I=K=3, V=2 instances with label noise ε, solved as "minimize"."""
    return [
        {"kind": "planted", "groups": 3, "size": size, "classes": 3, "labels": 2, "factor": factor, "seed": seed,
         "noise": noise, "max_violations": "minimize"}
        for noise in noises
        for seed in range(seeds)
    ]  # fmt: skip


register(
    Suite(
        "noisy",
        "issue 13: N=1000, I=K=3, V=2, c=8, label noise ε ∈ {0, 0.5%, 1%, 2%, 5%}, 5 seeds, minimize",
        lambda: noisy_grid(1000, 8, [0.0, 0.005, 0.01, 0.02, 0.05], seeds=5),
    )
)
register(
    Suite(
        "noisy-small",
        "smoke test of noisy recovery: N=30, c=8, ε ∈ {0.01, 0.05}, 2 seeds, minimize",
        lambda: noisy_grid(30, 8, [0.01, 0.05], seeds=2),
    )
)
register(
    Suite(
        "topics",
        "issue 13: the topic model at 3 sizes (vocabulary, documents, topics, words per document), 3 seeds",
        lambda: [
            {"kind": "topics", "vocabulary": v, "documents": d, "topics": t, "words": w, "seed": s}
            for v, d, t, w in ((300, 200, 3, 150), (1000, 500, 5, 300), (2000, 1000, 8, 600))
            for s in range(3)
        ],
    )
)


def lsa_grid(grid_ds: list[int], real_ds: list[int], fit_ds: list[int], seeds: int) -> list[Spec]:
    """LSA recovery specs: exact-grid (a planted grid point, and the same X perturbed in one entry), real (a
    planted X, ε = 0, 4 bits of b over [-4, 4]) and best-fit (the Markov optimum X*(d, n = 100, p = 1/2))."""
    specs: list[Spec] = [
        {"kind": "lsa", "mode": "exact-grid", "d": d, "variant": variant, "seed": seed}
        for d in grid_ds
        for variant in ("planted", "perturbed")
        for seed in range(seeds)
    ]
    specs += [{"kind": "lsa", "mode": "real", "d": d, "variant": "planted", "seed": 0} for d in real_ds]
    specs += [{"kind": "lsa", "mode": "best-fit", "d": d, "n": 100, "p": "1/2"} for d in fit_ds]
    return specs


register(
    Suite(
        "lsa",
        "LSA recovery: exact-grid d ∈ {1,2,3} planted and perturbed, 2 seeds; real d ∈ {1,2}; best-fit d ∈ {1,2,3}",
        lambda: lsa_grid([1, 2, 3], [1, 2], [1, 2, 3], seeds=2),
        requires=("problems.lsa.instance", "solvers.strategies.lsa_grid"),
    )
)
register(
    Suite(
        "lsa-tiny",
        "LSA smoke test: exact-grid d=2 planted and perturbed (infeasible), best-fit d=1",
        lambda: lsa_grid([2], [], [1], seeds=1),
        requires=("problems.lsa.instance", "solvers.strategies.lsa_grid"),
    )
)


def applies(spec: Spec, backend: str, solver: str | None = None) -> bool:
    """Whether a backend (or named strategy), with its sub-solver if one is named, can solve the spec's kind (and
    LSA mode); the harness runs no job that cannot apply. One name may serve both kinds with different sub-solvers:
    `gradient` takes `mlp:...` settings for partitions and only `adam` for LSA. An uninstalled backend is not
    judged here: the CLI skips it, with a reason, before making jobs."""
    from problems.answers import SolveOptions
    from problems.errors import InvalidOptions, UnknownBackend
    from solvers.registry import check_backend
    from solvers.strategies import LSA_STRATEGIES, check_options, choices

    if backend not in choices():
        return False
    try:
        if spec["kind"] == "lsa":
            strategy = LSA_STRATEGIES[spec["mode"]]
            if backend not in strategy.backends:
                return False
            check_backend(backend, solver, strategy.targets)
        else:
            check_options("partition", SolveOptions(backend=backend, solver=solver))
    except InvalidOptions:
        return False
    except UnknownBackend:
        return True
    return True


def build_instance(spec: Spec) -> tuple[PartitionInstance, list[list[int]] | None]:
    """The instance a spec names, and the planted class maps when there are any."""
    builders: dict[str, Callable[[Spec], tuple[PartitionInstance, list[list[int]] | None]]] = {
        "planted": _build_planted,
        "topics": _build_topics,
        "mycielski": _build_mycielski,
        "dimacs": _build_dimacs,
        "3sat": _build_3sat,
    }
    if spec["kind"] not in builders:
        raise ValueError(f"no builder for instance kind {spec['kind']!r}")
    return builders[spec["kind"]](spec)


def build_lsa_instance(spec: Spec) -> LsaInstance:
    """The `LsaInstance` an `lsa` spec names. Planted points have b, A uniform on {-2..2} (seeded); `perturbed`
    adds 1 to X[1][0] (usually infeasible on the grid; the records say which)."""
    from fractions import Fraction

    import numpy as np

    from problems.lsa.instance import lsa_from_dict
    from problems.lsa.phi import phi

    d = spec["d"]
    data: dict[str, Any] = {"kind": "lsa", "d": d, "mode": spec["mode"]}
    if spec["mode"] == "best-fit":
        return lsa_from_dict({**data, "markov": {"n": spec["n"], "p": spec["p"]}})
    rng = np.random.default_rng(spec["seed"] + 1000 * d)
    b = [Fraction(int(v)) for v in rng.integers(-2, 3, d + 1)]
    a = [[Fraction(int(v)) for v in rng.integers(-2, 3, d)] for _ in range(d + 1)]
    x = phi(b, a)
    if spec["variant"] == "perturbed":
        x[1][0] += 1
    data["x"] = [[str(v) for v in row] for row in x]
    if spec["mode"] == "real":
        data.update(box=[-4, 4], bits=4, epsilon=0)
    else:
        data["grid"] = [-2, -1, 0, 1, 2]
    return lsa_from_dict(data)


def _build_planted(spec: Spec) -> tuple[PartitionInstance, list[list[int]] | None]:
    from problems.generate import planted_partition

    instance, truth = planted_partition(
        spec["groups"], spec["size"], spec["classes"], spec["labels"], factor=spec["factor"], seed=spec["seed"],
        noise=spec.get("noise", 0.0),
    )  # fmt: skip
    if "max_violations" in spec:
        instance = replace(instance, max_violations=spec["max_violations"])
    return instance, truth.classes


def _build_topics(spec: Spec) -> tuple[PartitionInstance, list[list[int]] | None]:
    from problems.topics import topic_instance

    instance, truth = topic_instance(
        spec["vocabulary"], spec["documents"], spec["topics"], spec["words"], seed=spec["seed"]
    )
    return replace(instance, max_violations="minimize"), truth.classes


def _build_mycielski(spec: Spec) -> tuple[PartitionInstance, list[list[int]] | None]:
    """R1 on the Mycielski graph M_order (χ = order) with `colours` colours."""
    from problems.hard_instances import mycielski
    from reductions.colouring_to_partition import ColouringToPartition

    return ColouringToPartition().forward(mycielski(spec["order"], spec["colours"])), None


def _build_dimacs(spec: Spec) -> tuple[PartitionInstance, list[list[int]] | None]:
    """R1 on a DIMACS `.col` file of the public folder with `colours` colours."""
    from problems.graph import parse_dimacs_col
    from reductions.colouring_to_partition import ColouringToPartition

    graph = parse_dimacs_col((DIMACS_COL / f"{spec['file']}.col").read_text(), spec["colours"])
    return ColouringToPartition().forward(graph), None


def _build_3sat(spec: Spec) -> tuple[PartitionInstance, list[list[int]] | None]:
    """R1∘R2 on a random 3-SAT formula at the given clause/variable ratio."""
    from problems.hard_instances import random_3sat
    from reductions.registry import get_reduction

    formula = random_3sat(spec["variables"], spec["ratio"], seed=spec["seed"])
    return get_reduction("R1R2").build().forward(formula), None
