"""Source-instance generators for the hardness reductions: random 3-SAT, Mycielski graphs, random point sets.

They feed the benchmarks and tests of R1, R2 and R3 (docs/reductions.md).
"""

from __future__ import annotations

import numpy as np

from problems.cnf_formula import CnfFormula
from problems.graph import Colouring
from problems.separability import SeparabilityInstance

THRESHOLD_RATIO = 4.26  # clauses per variable near the random 3-SAT satisfiability threshold


def random_3sat(n_vars: int, ratio: float = THRESHOLD_RATIO, seed: int = 0, n_clauses: int | None = None) -> CnfFormula:
    """Uniform random 3-SAT: round(ratio · n) clauses, each on 3 distinct variables with random signs.

    >>> f = random_3sat(10, seed=1)
    >>> len(f.clauses), all(len({abs(v) for v in c}) == 3 for c in f.clauses)
    (43, True)
    """
    if n_vars < 3:
        raise ValueError(f"random 3-SAT needs at least 3 variables, got {n_vars}")
    rng = np.random.default_rng(seed)
    count = round(ratio * n_vars) if n_clauses is None else n_clauses
    clauses = []
    for _ in range(count):
        variables = rng.choice(n_vars, size=3, replace=False) + 1
        signs = rng.choice((-1, 1), size=3)
        clauses.append([int(v * s) for v, s in zip(variables, signs, strict=True)])
    return CnfFormula(n_vars=n_vars, clauses=clauses)


def mycielski(level: int, k: int) -> Colouring:
    """The Mycielski graph M_level (networkx numbering: M_2 = K_2, M_3 = C_5, M_4 = Grötzsch), χ = level.

    Triangle-free for every level, so cliques give no lower bound: a standard hard colouring family.

    >>> g = mycielski(4, k=3)
    >>> g.n, g.n_edges
    (11, 20)
    """
    import networkx as nx

    if level < 1:
        raise ValueError(f"the Mycielski level must be >= 1, got {level}")
    graph = nx.mycielski_graph(level)
    return Colouring(n=graph.number_of_nodes(), edges=[(int(u), int(w)) for u, w in graph.edges()], k=k)


def random_graph(n: int, edge_probability: float, k: int, seed: int = 0) -> Colouring:
    """An Erdős–Rényi graph G(n, p) as a k-colouring instance."""
    rng = np.random.default_rng(seed)
    edges = [(u, w) for u in range(n) for w in range(u + 1, n) if rng.random() < edge_probability]
    return Colouring(n=n, edges=edges, k=k)


def random_point_sets(
    dim: int, n_positive: int, n_negative: int, spread: int = 3, seed: int = 0
) -> SeparabilityInstance:
    """P and Q with distinct integer coordinates drawn uniformly from [-spread, spread]^dim.

    >>> inst = random_point_sets(2, 3, 4, seed=0)
    >>> len(inst.positive), len(inst.negative), inst.dim
    (3, 4, 2)
    """
    side = 2 * spread + 1
    if n_positive + n_negative > side**dim:
        raise ValueError(f"{n_positive + n_negative} distinct points do not fit in a grid of {side}^{dim}")
    rng = np.random.default_rng(seed)
    cells = rng.choice(side**dim, size=n_positive + n_negative, replace=False)
    points = [[int(c) // side**j % side - spread for j in range(dim)] for c in cells]
    return SeparabilityInstance(dim=dim, positive=points[:n_positive], negative=points[n_positive:])
