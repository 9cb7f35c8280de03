"""Solve strategies, and the one function that chooses among them (`select_strategy`).

A strategy is one way to turn an instance into a verified answer: which encodings, which backend runs, in which
order, and what certifies the result. Each lives in its own module of this package and honours `Strategy`:

    direct       encode for the backend, solve once, decode, verify; a CNF refutation certifies unique/infeasible
    fast         forced merges, a warm start, a one-move rival, then one incremental CaDiCaL run (exact only)
    noisy        a robust warm start, the verifier's count, a lower bound from refuted disjoint parts (noisy only)
    portfolio    race whole solves of several members in parallel processes
    pigeonhole   more distinct labels than cells: infeasible from the samples alone (no backend runs)
    clique       K_i + 1 tokens the samples force pairwise apart: infeasible at once (no backend runs)
    all          `all: M`: enumerate up to M solutions on one incremental run, and prove the count exact
    lsa_grid, lsa_real, lsa_fit    the three modes of the `lsa` kind

A new strategy (cube-and-conquer uniqueness, say) is a new module here plus its branch in
`select_strategy`; `check_options` learns its name from `NAMED_STRATEGIES`.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from problems.answers import SolveOptions
from problems.errors import InvalidOptions, UnknownBackend
from problems.lsa.instance import LsaInstance
from problems.neighbours import distinct_label_witness
from problems.partition import PartitionInstance
from reductions.registry import encoding_targets
from solvers.clique import clique_witness
from solvers.registry import check_backend, registry, split_name
from solvers.run import Clock, Progress
from solvers.strategies.all_solutions import ENCODINGS, AllSolutionsStrategy
from solvers.strategies.clique import CliqueStrategy
from solvers.strategies.direct import DirectStrategy
from solvers.strategies.fast import FastStrategy
from solvers.strategies.lsa_fit import LsaFitStrategy
from solvers.strategies.lsa_grid import LsaGridStrategy
from solvers.strategies.lsa_real import LsaRealStrategy
from solvers.strategies.noisy import NoisyStrategy
from solvers.strategies.pigeonhole import PigeonholeStrategy
from solvers.strategies.portfolio import DEFAULT_MEMBERS, PortfolioStrategy


class Strategy(Protocol):
    """One way to solve: `name`; when it applies (`kind` of instance; `instances`: "exact", "noisy" or "any", or
    an `lsa` mode; `backends`: the backends it runs on, first the default, empty for "any that fits" or none); and
    `run`, which returns a verified answer.

    `run(instance, options, clock, progress)` spends what `clock` has left, calls `progress(stage)` as it enters
    the stages of `solvers.run.STAGES`, and returns an answer every claim of which was verified or checked.
    """

    name: ClassVar[str]
    kind: ClassVar[str]
    instances: ClassVar[str]
    backends: ClassVar[tuple[str, ...]]

    def run(self, instance: Any, options: SolveOptions, clock: Clock, progress: Progress) -> Any: ...


# Strategies asked for by name in `options.backend`, like a backend; the rest are chosen by the instance.
NAMED_STRATEGIES = {
    FastStrategy.name: FastStrategy,
    NoisyStrategy.name: NoisyStrategy,
    PortfolioStrategy.name: PortfolioStrategy,
}
LSA_STRATEGIES = {"exact-grid": LsaGridStrategy, "real": LsaRealStrategy, "best-fit": LsaFitStrategy}
EXACT_DEFAULT = FastStrategy.name  # the default for exact partition instances (issue 14: the fastest sound one)
# What the partition encodings produce; computed on import, so the encoders' imports (OR-Tools among them) are paid
# once per process, before any solve's clock starts.
PARTITION_TARGETS = encoding_targets("partition")


def default_backend(instance: Any) -> str:
    """The backend (or named strategy) a solve runs when the options name none: a per-instance choice, made here.

    Today: the noisy strategy for a noisy partition instance, the fast strategy for an exact one (it beats the
    plain direct CNF, which stays available as `pysat`, almost everywhere: bench/RESULTS.md, issue 14), and each
    `lsa` mode's first backend.
    """
    if isinstance(instance, LsaInstance):
        return LSA_STRATEGIES[instance.mode].backends[0]
    if instance.max_violations != 0:
        return NoisyStrategy.name
    return EXACT_DEFAULT


def select_strategy(instance: Any, options: SolveOptions, shortcuts: bool = True) -> Strategy:
    """The one place that decides how a solve runs, from the instance and the options; it refuses (a 4xx naming
    the option) what cannot apply. Nothing is built here: the chosen strategy builds its backend once, in `run`.
    `shortcuts=False` skips looking for a pigeonhole or clique witness (the service's check at submission only
    validates; the solve looks)."""
    name, solver = _named(options.backend or default_backend(instance), options.solver)
    if options.all is not None and not isinstance(instance, PartitionInstance):
        raise InvalidOptions("`all` enumerates partition solutions only", "options.all")
    if isinstance(instance, LsaInstance):
        strategy = LSA_STRATEGIES[instance.mode]
        if name not in strategy.backends:
            raise InvalidOptions(f"mode {instance.mode!r} takes backends {', '.join(strategy.backends)}",
                                 "options.backend")  # fmt: skip
        _, solver = check_backend(name, solver, strategy.targets)
        chosen = strategy(name, solver)
        chosen.refuses(instance)
        return chosen
    assert isinstance(instance, PartitionInstance)
    exact = instance.max_violations == 0
    if options.unique and not exact:
        raise InvalidOptions("uniqueness is defined for exact recovery only (max_violations = 0)", "options.unique")
    if options.all is not None:
        return _all_solutions(instance, name, solver, shortcuts)
    if name == PortfolioStrategy.name:
        return PortfolioStrategy.of(solver or DEFAULT_MEMBERS, options.unique)
    if name == NoisyStrategy.name and not exact:
        _, solver = check_backend(NoisyStrategy.backends[0], solver, NoisyStrategy.targets)
        return NoisyStrategy(solver)
    if name == NoisyStrategy.name:  # an exact instance: the exact solver (the pigeonhole short-cut included)
        name = FastStrategy.name
    if name == FastStrategy.name and exact:
        _, solver = check_backend(FastStrategy.backends[0], solver, FastStrategy.targets)
        return _shortcut(instance, shortcuts) or FastStrategy(solver)
    # the direct strategy; `fast` on a noisy instance too (its merges and implied clauses need exactness)
    backend_name = "pysat" if name == FastStrategy.name else name
    backend, solver = check_backend(backend_name, solver, PARTITION_TARGETS)
    if exact and backend.complete and (shortcut := _shortcut(instance, shortcuts)):
        return shortcut  # a complete backend would only rediscover a counting argument, slowly
    if options.unique and not backend.complete:
        raise InvalidOptions(f"{name!r} is a heuristic: it cannot prove uniqueness", "options.unique")
    direct = DirectStrategy(backend_name, solver, label=name)
    direct.refuses(instance)  # e.g. a learner's memory on this instance
    return direct


def _shortcut(instance: PartitionInstance, look: bool = True) -> PigeonholeStrategy | CliqueStrategy | None:
    """An exact instance refuted from its samples alone: the pigeonhole short-cut (more distinct labels than the
    table has cells), else the clique short-cut (K_i + 1 tokens pairwise forced apart), else None (or if not
    `look`)."""
    if not look:
        return None
    witness = distinct_label_witness(instance)
    if witness is not None:
        return PigeonholeStrategy(witness)
    clique = clique_witness(instance)
    return CliqueStrategy(clique) if clique is not None else None


def _all_solutions(instance: PartitionInstance, name: str, solver: str | None, shortcuts: bool) -> Strategy:
    """`all: M`: enumeration on the fast CNF (`fast`, the default) or the direct CNF (`pysat`), exact only."""
    if instance.max_violations != 0:
        raise InvalidOptions("`all` enumerates exact solutions only (max_violations = 0)", "options.all")
    if name not in ENCODINGS:
        raise InvalidOptions(f"`all` needs a CNF strategy: {', '.join(ENCODINGS)}", "options.all")
    _, solver = check_backend(AllSolutionsStrategy.backends[0], solver, AllSolutionsStrategy.targets)
    return _shortcut(instance, shortcuts) or AllSolutionsStrategy(name, solver)


def check_options(kind: str, options: SolveOptions) -> None:
    """What can be checked of the options before the instance is read (the service does, at submission): the
    backend or strategy name, its sub-solver, and that it serves this kind. Raises naming the option."""
    if options.all is not None and kind != "partition":
        raise InvalidOptions("`all` enumerates partition solutions only", "options.all")
    if options.backend is None:
        return
    name, solver = _named(options.backend, options.solver)
    if options.all is not None and name not in ENCODINGS:
        raise InvalidOptions(f"`all` needs a CNF strategy: {', '.join(ENCODINGS)}", "options.all")
    if kind == "lsa":
        targets = frozenset().union(*(s.targets for s in LSA_STRATEGIES.values()))
        check_backend(name, solver, targets)
    elif name == PortfolioStrategy.name:
        PortfolioStrategy.of(solver or DEFAULT_MEMBERS, unique=False)
    else:
        can_prove_infeasibility(name, solver)


def can_prove_infeasibility(backend: str, solver: str | None = None) -> bool:
    """Whether a partition backend or named strategy is complete (a portfolio member, say); raises naming the
    option if it is unknown or its sub-solver does not fit."""
    name, solver = _named(backend, solver)
    if name == PortfolioStrategy.name:
        raise InvalidOptions("a portfolio cannot race another portfolio", "options.solver")
    if name in (FastStrategy.name, NoisyStrategy.name):
        strategy = NAMED_STRATEGIES[name]
        check_backend(strategy.backends[0], solver, strategy.targets)
        return True
    backend_class, _ = check_backend(name, solver, PARTITION_TARGETS)
    return bool(backend_class.complete)


def is_available(name: str) -> bool:
    """Whether `name` (a backend or named strategy, `backend/solver` allowed) can run here."""
    backend = split_name(name)[0]
    if backend in NAMED_STRATEGIES:
        runs_on = NAMED_STRATEGIES[backend].backends
        return all(b.available() for b in registry() if b.name in runs_on)
    return any(b.name == backend and b.available() for b in registry())


def choices() -> list[str]:
    """Every name `options.backend` takes: the registered backends, then the strategies asked for by name."""
    return [*(b.name for b in registry()), *NAMED_STRATEGIES]


def _named(backend: str, solver: str | None) -> tuple[str, str | None]:
    """(name, sub-solver) of `backend[/solver]`, if the name is one of the `choices` (else the error lists them)."""
    name, solver = split_name(backend, solver)
    if name not in choices():
        raise UnknownBackend(f"no backend {name!r}; available: {', '.join(choices())}", "options.backend")
    return name, solver
