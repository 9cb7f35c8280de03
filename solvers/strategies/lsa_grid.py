"""The `lsa` exact-grid strategy: b and A on a finite rational grid with φ(b, A) = X, or a proof that none exist.

Backends (first the default): `pysat` on the one-hot CNF (a DRUP-checked `infeasible`), `cpsat` on products,
`structure` by support enumeration on φ itself. An `infeasible` from a backend without proofs is refuted again on
the CNF encoding, so that it carries a checked certificate when proofs are on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from problems.answers import AnswerStatus, Certificate, Checker, SolveOptions
from problems.bilinear import BilinearSolution
from problems.errors import VerificationFailed
from problems.lsa.answer import LsaAnswer
from problems.lsa.grid import GridBilinear
from problems.lsa.instance import LsaInstance
from problems.lsa.phi import phi
from problems.lsa.structure import PhiTarget
from reductions.registry import find_encoding
from solvers.base import Status
from solvers.certify import drup_certificate
from solvers.registry import get_backend
from solvers.run import Clock, Progress, Run
from solvers.strategies.lsa_common import REPORT_S, LsaStrategy, lsa_stats, split_exact, with_values

CLAIM = "no b, A on the grid give φ(b, A) = X"


@dataclass(frozen=True)
class LsaGridStrategy(LsaStrategy):
    """Exact-grid recovery on one backend; the encoding is the registered one for the target it takes."""

    name: ClassVar[str] = "lsa-grid"
    instances: ClassVar[str] = "exact-grid"
    backends: ClassVar[tuple[str, ...]] = ("pysat", "cpsat", "structure")
    targets: ClassVar[frozenset[str]] = frozenset({"cnf", "cpsat", "phi"})

    def _run(self, instance: LsaInstance, options: SolveOptions, clock: Clock, progress: Progress) -> LsaAnswer:
        backend = get_backend(self.backend, self.solver, self.targets)
        run = Run(instance, options, clock, progress, backend)
        if "phi" in backend.solver_accepts(backend.solver):  # decided on φ itself, no encoding
            progress("search")
            target = PhiTarget(instance.x, instance.d, tuple(instance.grid))
            result = backend.solve(target, run.limits(at_least=REPORT_S))
            stats = lsa_stats(result)
            if result.status is Status.SATISFIABLE:
                b, a = split_exact(result.assignment, instance.d)
                return grid_solution(instance, BilinearSolution(b, a), stats)
            return grid_infeasible(run, None, "exhaustive support enumeration", stats)
        progress("encode")
        problem = GridBilinear(instance.system, tuple(instance.grid))
        target, reduction = find_encoding("grid-bilinear", backend.solver_accepts(backend.solver)).encode(problem)
        progress("search")
        result = backend.solve(target, run.limits(proof=options.proof and backend.logs_proofs, at_least=REPORT_S))
        stats = lsa_stats(result)
        if result.status is Status.SATISFIABLE:
            return grid_solution(instance, reduction.backward(result.assignment), stats)
        if result.status is Status.UNSATISFIABLE:
            proven = (reduction, target, result.proof) if result.proof is not None else None
            return grid_infeasible(run, proven, f"{self.backend} found no model", stats)
        return LsaAnswer(status=AnswerStatus.UNKNOWN, mode=instance.mode, stats=stats, message="the time limit ran out")


def grid_solution(instance: LsaInstance, solution: BilinearSolution, stats: dict[str, Any]) -> LsaAnswer:
    """Verify φ(b, A) = X exactly and that every entry is on the grid, then answer `solved`."""
    grid = set(instance.grid)
    on_grid = all(v in grid for v in [*solution.b, *(e for row in solution.a for e in row)])
    if not on_grid or phi(solution.b, solution.a) != instance.x:
        raise VerificationFailed("a decoded grid solution does not reproduce X exactly")
    return with_values(
        LsaAnswer(status=AnswerStatus.SOLVED, mode=instance.mode, residual="0", stats=stats),
        solution.b,
        solution.a,
        certificate=Certificate(kind="solution", checked=True, claim="φ(b, A) = X exactly, b and A on the grid"),
    )


def grid_infeasible(run: Run, proven: tuple[Any, Any, list[str]] | None, how: str, stats: dict[str, Any]) -> LsaAnswer:
    """`infeasible`, with the checked DRUP refutation of the CNF encoding: the one the backend logged (`proven`:
    the map, the CNF and the proof lines), else one found now when proofs are on, else an unchecked claim."""
    instance, options = run.instance, run.options
    if proven is None and options.proof:
        run.progress("encode")
        problem = GridBilinear(instance.system, tuple(instance.grid))
        cnf, cnf_map = find_encoding("grid-bilinear", {"cnf"}).encode(problem)
        run.progress("proof")
        result = run.proof_backend.solve(cnf, run.limits(proof=True, at_least=REPORT_S))
        if result.status is Status.SATISFIABLE:
            raise VerificationFailed(f"{how} said infeasible but the CNF encoding has a model: a bug")
        if result.status is Status.UNSATISFIABLE and result.proof is not None:
            proven = (cnf_map, cnf, result.proof)
    if proven is None:
        certificate = Certificate(kind="none", checked=False, claim=f"{CLAIM} ({how}; no proof)")
    else:
        run.progress("check")
        reduction, cnf, proof = proven
        certificate = drup_certificate(
            cnf.clauses, proof, Checker(options.checker), claim=CLAIM, encoder=reduction,
            instance_sha256=instance.sha256, embed_cnf=options.embed_cnf,
        )  # fmt: skip
    return LsaAnswer(status=AnswerStatus.INFEASIBLE, mode=instance.mode, certificate=certificate, stats=stats)
