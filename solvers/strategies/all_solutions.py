"""All solutions (`all: M`): enumerate partitions on one incremental solver, blocking each one found, and prove the
count exact when the solver runs out of them.

Every model's partition is blocked by the clause of docs/encodings.md, Claim 3, which excludes exactly that
partition up to relabelling on the constrained tokens (Claim 2). So the models found are pairwise distinct
partitions, and UNSAT of CNF ∧ (all blocking clauses) proves that no other partition explains the samples
(Claim 4): the DRUP proof of that formula is the certificate of `count_exact`, checked like a uniqueness proof
(`latentsat check` rebuilds every blocking clause from the listed solutions, in their order). Every solution is
decoded from its blocking clause and checked against the raw samples by the independent verifier before it is
listed. CPMpy's `solveAll` and MiniZinc's `-a` enumerate too; neither proves the count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from problems.answers import Answer, AnswerStatus, Certificate, SolveOptions
from problems.errors import TimeLimitReached, VerificationFailed
from problems.neighbours import induced_table
from problems.partition import PartitionInstance, PartitionSolution
from problems.solution_set import ambiguous_tokens, distinct_partitions
from problems.verify import constrained_mask
from reductions.partition_to_cnf import PartitionToCnf
from reductions.partition_to_fast_cnf import PartitionToFastCnf
from reductions.registry import get_reduction
from solvers.base import IncrementalCnf, SolveResult, Status
from solvers.certify import checked_refutation
from solvers.decode import out_of_time, result_stats, verified_answer
from solvers.registry import get_backend
from solvers.run import Clock, Progress, Run

Encoder = PartitionToCnf | PartitionToFastCnf
ENCODINGS = {"fast": PartitionToFastCnf.name, "pysat": PartitionToCnf.name}  # the strategy named → its CNF


@dataclass(frozen=True)
class AllSolutionsStrategy:
    """Up to `options.all` solutions on one incremental PySAT run over the fast CNF (`fast`) or the direct CNF
    (`pysat`), with a checked count proof when fewer exist."""

    name: ClassVar[str] = "all"
    kind: ClassVar[str] = "partition"
    instances: ClassVar[str] = "exact"
    backends: ClassVar[tuple[str, ...]] = ("pysat",)
    targets: ClassVar[frozenset[str]] = frozenset({"incremental-cnf"})

    label: str  # fast or pysat: which CNF
    solver: str

    def run(self, instance: PartitionInstance, options: SolveOptions, clock: Clock, progress: Progress) -> Answer:
        assert options.all is not None
        backend = get_backend(self.backends[0], self.solver, self.targets)
        run = Run(instance, options, clock, progress, backend)
        progress("encode")
        try:
            cnf, encoder = get_reduction(ENCODINGS[self.label]).encode(instance, clock.deadline())
        except TimeLimitReached as exc:
            return out_of_time(self.label, backend.solver, exc, clock.elapsed(), strategy=self.name)
        encode_s = clock.elapsed()
        progress("search")
        target = IncrementalCnf(cnf, refine=_enumerator(encoder, options.all))
        result = backend.solve(target, run.limits(proof=options.proof))
        answer = all_solutions_answer(run, encoder, cnf, result)
        stats = {**result_stats(self.label, backend.solver, result, encode_s, cnf), "strategy": self.name}
        return answer.model_copy(update={"stats": {**stats, **answer.stats}})


def _enumerator(encoder: Encoder, wanted: int) -> Callable[[list[int]], list[list[int]]]:
    """A refine step that blocks each model's partition until `wanted` are blocked; the next model then ends the
    run (more than `wanted` exist) without being blocked."""
    room = [wanted]

    def refine(model: list[int]) -> list[list[int]]:
        if room[0] <= 0:
            return []
        room[0] -= 1
        if isinstance(encoder, PartitionToFastCnf):
            return [encoder.blocking_for_assignment(model)]
        return [encoder.blocking_clause(encoder.backward(model))]

    return refine


def partition_of_blocking(instance: PartitionInstance, encoder: Encoder, clause: list[int]) -> PartitionSolution:
    """The partition a blocking clause excludes (its literals are ¬x[i,t,k], one per constrained token), lifted to
    the instance's tokens, with the table its samples induce; `VerificationFailed` if it violates a sample."""
    direct = encoder.implied if isinstance(encoder, PartitionToFastCnf) else encoder
    classes = [np.zeros(size, dtype=np.int64) for size in direct.instance.sizes]
    for literal in clause:
        key = direct.pool.obj(-literal)
        if key is None or key[0] != "x":
            raise VerificationFailed(f"blocking literal {literal} is not a negated class variable")
        _, group, token, k = key
        classes[group][token] = k
    lifted = PartitionSolution([c.tolist() for c in classes], {})
    if isinstance(encoder, PartitionToFastCnf):
        lifted = encoder.quotient.backward(lifted)
    table = induced_table(instance, [np.asarray(c, dtype=np.int64) for c in lifted.classes])
    if table is None:
        raise VerificationFailed("an enumerated partition violates a sample")
    return PartitionSolution(lifted.classes, table)


def all_solutions_answer(run: Run, encoder: Encoder, cnf: Any, result: SolveResult) -> Answer:
    """The answer for `all: M`: the verified solutions, the ambiguous tokens, and the count proof if there is one."""
    instance, blocking = run.instance, result.added_clauses
    found = [
        verified_answer(instance, partition_of_blocking(instance, encoder, c), AnswerStatus.SOLVED) for c in blocking
    ]
    solutions = [answer.classes or [] for answer in found]
    if not distinct_partitions(solutions):
        raise VerificationFailed("the enumeration listed one partition twice")
    exhausted = result.status is Status.UNSATISFIABLE
    certificate = _count_certificate(run, encoder, cnf, result, len(solutions)) if exhausted else None
    exact = certificate is not None and certificate.checked
    if not found:
        return _no_solution(run, result, certificate)
    answer = found[0]
    update: dict[str, Any] = {
        "solutions": solutions,
        "count_exact": exact,
        "ambiguous": ambiguous_tokens(constrained_mask(instance), solutions),
        "alternative": solutions[1] if len(solutions) > 1 else None,
        "stats": {**answer.stats, "solutions": len(solutions), "count_exact": exact},
    }
    if exact:
        update.update(
            certificate=certificate, status=AnswerStatus.UNIQUE if len(solutions) == 1 else AnswerStatus.SOLVED
        )
    else:
        update["message"] = _why_not_exact(result.status, len(solutions), run.options.proof)
    return answer.model_copy(update=update)


def _count_certificate(run: Run, encoder: Encoder, cnf: Any, result: SolveResult, count: int) -> Certificate | None:
    """A checked refutation of "another solution" (Claim 4), or None when no proof was logged."""
    if result.proof is None:
        return None
    claim = (
        "a solution exists" if count == 0 else f"a solution exists that differs (up to relabelling) from these {count}"
    )
    return checked_refutation(run, encoder, cnf, result.proof, result.added_clauses, claim)


def _no_solution(run: Run, result: SolveResult, certificate: Certificate | None) -> Answer:
    """No solution was found: `infeasible` with the checked count proof (0), else `unknown` saying why."""
    if certificate is not None and certificate.checked:
        return Answer(status=AnswerStatus.INFEASIBLE, certificate=certificate, solutions=[], count_exact=True)
    if certificate is not None:  # not checked in time: `claims` makes it `unknown`, keeping the proof for `check`
        return Answer(status=AnswerStatus.INFEASIBLE, certificate=certificate)
    if result.status is Status.UNSATISFIABLE and not run.options.proof:
        claim = "no partition within the class budgets explains the samples (no proof asked for)"
        return Answer(status=AnswerStatus.INFEASIBLE, certificate=Certificate(kind="none", checked=False, claim=claim))
    reason = (
        "the refutation was not checked in time" if result.status is Status.UNSATISFIABLE else "the time limit ran out"
    )
    return Answer(status=AnswerStatus.UNKNOWN, message=f"no solution found: {reason}")


def _why_not_exact(status: Status, count: int, proof: bool) -> str:
    if status is Status.SATISFIABLE:
        return f"more than {count} solutions exist; the first {count} are listed"
    if status is Status.UNSATISFIABLE:
        why = "no proof was asked for" if not proof else "the proof of it was not checked in time"
        return f"no solution beyond these {count}, but {why}"
    return f"the time limit ran out after {count} solutions; there may be more"
