"""`/v1/solvers`: the backends, their sub-solvers and capabilities."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from service.models import SolverInfo
from solvers.registry import registry
from solvers.strategies import EXACT_DEFAULT, NAMED_STRATEGIES
from solvers.strategies.fast import FastStrategy

router = APIRouter(prefix="/v1/solvers", tags=["solvers"])

# Capabilities the backend classes do not declare themselves. Both stop at the time limit and on cancel: pysat's
# solver runs in a child process that is killed; CP-SAT honours its time limit and dies with the job process.
NATIVE_CARDINALITY = {"pysat": False, "cpsat": True}
PYSAT_NATIVE_CARDINALITY = frozenset({"minicard", "gluecard3", "gluecard4", "mc", "gc3", "gc4"})


@router.get("", response_model=list[SolverInfo])
def list_solvers() -> list[SolverInfo]:
    """Every registered backend in preference order, and whether it runs here; then the strategies that
    `options.backend` names like a backend (`fast`, `portfolio`), which take whole instances. `default` marks what
    a partition job with no backend named runs on an exact instance (`fast`; `pysat` is the plain direct CNF)."""
    backends = [_info(backend, default=backend.name == EXACT_DEFAULT) for backend in registry()]
    return backends + [_strategy_info(strategy) for strategy in NAMED_STRATEGIES.values()]


def _strategy_info(strategy: Any) -> SolverInfo:
    runs_on = [b for b in registry() if b.name in strategy.backends]
    return SolverInfo(
        name=strategy.name,
        default=strategy.name == EXACT_DEFAULT,
        available=all(b.available() for b in runs_on),
        accepts=[strategy.kind],
        proofs=any(b.proofs for b in runs_on) or not runs_on,
        interrupt=True,
        native_cardinality=False,
        solvers=_sub_solvers("pysat") if strategy.name == FastStrategy.name else [],  # fast runs PySAT's solvers
    )


def _info(backend: Any, default: bool) -> SolverInfo:
    available = bool(backend.available())
    return SolverInfo(
        name=backend.name,
        default=default,
        available=available,
        accepts=sorted(backend.accepts),
        proofs=backend.proofs,
        interrupt=True,
        native_cardinality=NATIVE_CARDINALITY.get(backend.name, False),
        solvers=_sub_solvers(backend.name) if available else [],
    )


def _sub_solvers(name: str) -> list[dict[str, Any]]:
    if name != "pysat":
        return []
    from solvers.pysat import DEFAULT_SOLVER, PROOF_SOLVERS, solver_names

    return [
        {
            "name": solver,
            "default": solver == DEFAULT_SOLVER,
            "proofs": solver in PROOF_SOLVERS,
            "native_cardinality": solver in PYSAT_NATIVE_CARDINALITY,
        }
        for solver in solver_names()
    ]
