"""DRUP checkers against each other (drup, rup, backward) on CaDiCaL proofs of growing size, and target T5.

T5 asks for proof checks within 5× the solve time that produced the proof: the `T5` columns are check ÷ solve.
Each proof is made by CaDiCaL 1.9.5 (pysat, `with_proof=True`), as the pipeline makes them; the check includes
parsing the texts, as `check_proof` does. Timings depend on the machine's load: say how many cores were shared.

    python -m bench.checkers                       # the default proofs (a few minutes)
    python -m bench.checkers --proofs php7,uniq50 --checkers rup,backward
    python -m bench.checkers --limit 120           # a checker still running after 120 s is reported as "> 120"
    python -m bench.checkers --proofs php8,php9 --checkers rup,rup-keep   # what honouring deletions buys

`rup-keep` is the forward RUP checker with every deleted clause kept (`check_with_rup`, as before deletions were
honoured); it is here for comparison only.
"""

from __future__ import annotations

import argparse
import random
import time

from problems.partition import PartitionInstance
from solvers.proofs import Checker, check_proof, check_with_rup, dimacs, parse_dimacs, parse_drup, proof_text

KEEP_DELETED = "rup-keep"

DEFAULT_PROOFS = "php6,rand3-150,uniq50c8,php7,rand3-200,uniq50c4,php8,uniq100c8,php9"


def pigeonhole_cnf(holes: int) -> list[list[int]]:
    """PHP(holes+1 → holes): unsatisfiable, hard for resolution, so the proofs grow fast with `holes`."""
    from pysat.examples.genhard import PHP

    return [list(clause) for clause in PHP(holes).clauses]


def random_3sat_cnf(n_vars: int, ratio: float, seed: int) -> list[list[int]]:
    """Uniform random 3-SAT with round(ratio · n) clauses; unsatisfiable w.h.p. well above the threshold 4.27."""
    rng = random.Random(seed)
    return [
        [var if rng.random() < 0.5 else -var for var in rng.sample(range(1, n_vars + 1), 3)]
        for _ in range(round(ratio * n_vars))
    ]


def uniqueness_cnf(size: int, factor: float, seed: int, groups: int = 3, classes: int = 3) -> list[list[int]] | None:
    """The pipeline's uniqueness CNF for a planted instance: the direct encoding plus the blocking clause of the
    first solution found (None if the instance has no solution). It is unsatisfiable iff the solution is unique."""
    from problems.generate import planted_partition

    instance, _ = planted_partition(groups, size, classes, 2, factor=factor, seed=seed)
    return uniqueness_cnf_of(instance)


def uniqueness_cnf_of(instance: PartitionInstance) -> list[list[int]] | None:
    """`uniqueness_cnf` for a given instance."""
    from pysat.solvers import Solver

    from problems.verify import canonicalise
    from reductions.partition_to_cnf import PartitionToCnf

    encoder = PartitionToCnf()
    clauses = [list(clause) for clause in encoder.forward(instance).clauses]
    with Solver(name="cadical195", bootstrap_with=clauses) as solver:
        if not solver.solve():
            return None
        solution = canonicalise(instance, encoder.backward(solver.get_model()))
    return [*clauses, encoder.blocking_clause(solution)]


def solver_proof(clauses: list[list[int]]) -> tuple[list[str], float] | None:
    """CaDiCaL's DRUP proof lines and the solve time, or None when the formula is satisfiable."""
    from pysat.solvers import Solver

    with Solver(name="cadical195", bootstrap_with=clauses, with_proof=True) as solver:
        start = time.perf_counter()
        satisfiable = solver.solve()
        seconds = time.perf_counter() - start
        return None if satisfiable else (solver.get_proof(), seconds)


def named_cnf(name: str) -> list[list[int]] | None:
    """`php<holes>`, `rand3-<n>` (ratio 4.5, seed 1), `uniq<N>c<factor>` (I=K=3, V=2, seed 0)."""
    if name.startswith("php"):
        return pigeonhole_cnf(int(name[3:]))
    if name.startswith("rand3-"):
        return random_3sat_cnf(int(name[6:]), 4.5, seed=1)
    if name.startswith("uniq"):
        size, factor = name[4:].split("c")
        return uniqueness_cnf(int(size), float(factor), seed=0)
    raise ValueError(f"unknown proof family {name!r}")


def timed_check(cnf_text: str, proof: str, checker: Checker | str, limit: float) -> str:
    """Seconds for `check_proof` (timed inside a child killed at `limit`), flagged when it does not accept."""
    from solvers.child import ChildTimeout, run_in_child

    try:
        valid, seconds = run_in_child(_check_timed, (cnf_text, proof, checker), limit)
    except ChildTimeout:
        return f"> {limit:g}"
    return f"{seconds:.2f}" if valid else f"{seconds:.2f} (rejected!)"


def _load_checkers() -> None:
    """Import what the checkers import lazily, once, so that no timed child pays for it."""
    import drup  # noqa: F401
    import numpy  # noqa: F401
    import pysat.solvers  # noqa: F401

    import solvers.drup_backward  # noqa: F401


def _check_timed(cnf_text: str, proof: str, checker: Checker | str) -> tuple[bool, float]:
    start = time.perf_counter()
    if checker == KEEP_DELETED:
        valid = check_with_rup(parse_dimacs(cnf_text), parse_drup(proof))
    else:
        valid, _ = check_proof(cnf_text, proof, Checker(checker))
    return valid, time.perf_counter() - start


def ratio(check: str, solve_s: float) -> str:
    if check.startswith(">"):
        return f"> {float(check[2:]) / solve_s:.1f}"
    return f"{float(check.split()[0]) / solve_s:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proofs", default=DEFAULT_PROOFS, help=f"comma-separated families (default {DEFAULT_PROOFS})")
    parser.add_argument(
        "--checkers", default="drup,rup,backward", help=f"comma-separated, of drup, rup, backward, {KEEP_DELETED}"
    )
    parser.add_argument("--limit", type=float, default=300.0, help="seconds per check before it is cut short")
    args = parser.parse_args()
    checkers = [name if name == KEEP_DELETED else Checker(name) for name in args.checkers.split(",")]
    _load_checkers()

    columns = ["proof", "clauses", "lemmas", "proof_kb", "solve_s"]
    columns += [f"{c}_s" for c in checkers] + [f"T5 {c}" for c in checkers]
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for name in args.proofs.split(","):
        print(_row(name, checkers, args.limit), flush=True)


def _row(name: str, checkers: list[Checker | str], limit: float) -> str:
    clauses = named_cnf(name)
    solved = solver_proof(clauses) if clauses is not None else None
    if clauses is None or solved is None:
        return f"| {name} | satisfiable: no proof |"
    lines, solve_s = solved
    return "| " + " | ".join(_cells(name, clauses, lines, solve_s, checkers, limit)) + " |"


def _cells(
    name: str, clauses: list[list[int]], lines: list[str], solve_s: float, checkers: list[Checker | str], limit: float
) -> list[str]:
    cnf_text, proof = dimacs(clauses), proof_text(lines)
    lemmas = sum(not line.startswith("d") for line in lines)
    checks = [timed_check(cnf_text, proof, checker, limit) for checker in checkers]
    head = [name, str(len(clauses)), str(lemmas), f"{len(proof) / 1024:.0f}", f"{solve_s:.2f}"]
    return head + checks + [ratio(check, solve_s) for check in checks]


if __name__ == "__main__":
    main()
