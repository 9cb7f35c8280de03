"""The direct strategy: encode the instance for the backend, solve once, decode, verify, certify.

problem → the registered encoding whose target the backend takes (CNF, WCNF under "minimize", CP-SAT model, or
sample arrays) → backend → decode → canonicalise → independent verification → answer. A uniqueness or
infeasibility claim is then refuted on the direct CNF with a checked DRUP proof (solvers/certify.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from problems.answers import Answer, AnswerStatus, SolveOptions
from problems.errors import TimeLimitReached
from problems.partition import PartitionInstance
from reductions.registry import ReductionEntry, encoding_targets, find_encoding
from solvers.base import Backend, SolveResult, Status
from solvers.certify import infeasibility_certificate, optimality_certificate, settle_uniqueness
from solvers.decode import decoded_answer, out_of_time, result_stats
from solvers.registry import check_backend, get_backend
from solvers.run import Clock, Progress, Run


@dataclass(frozen=True)
class DirectStrategy:
    """One backend on the encoding it takes; `label` is the backend option the caller named (for `stats`)."""

    name: ClassVar[str] = "direct"
    kind: ClassVar[str] = "partition"
    instances: ClassVar[str] = "any"
    backends: ClassVar[tuple[str, ...]] = ()  # any registered backend that takes a partition encoding's target

    backend: str
    solver: str
    label: str

    @property
    def targets(self) -> frozenset[str]:
        """What the registered partition encodings produce: a backend must take one of these."""
        return encoding_targets("partition")

    def refuses(self, instance: PartitionInstance) -> None:
        """Refuse, naming the option, what this backend cannot afford on the instance (before any work)."""
        backend, solver = check_backend(self.backend, self.solver, self.targets)  # builds nothing
        if "samples" in backend.solver_accepts(solver):
            backend.check_fits(solver, instance.n_samples, instance.sizes, instance.budgets, instance.n_labels)

    def run(self, instance: PartitionInstance, options: SolveOptions, clock: Clock, progress: Progress) -> Answer:
        backend = get_backend(self.backend, self.solver, self.targets)
        run = Run(instance, options, clock, progress, backend)
        encoding = encoding_for(instance, backend)
        progress("encode")
        try:
            target, encoder = encoding.encode(instance, clock.deadline())
        except TimeLimitReached as exc:
            return out_of_time(self.label, backend.solver, exc, clock.elapsed(), strategy=self.name)
        encode_s = clock.elapsed()
        progress("search")
        result = backend.solve(target, run.limits(proof=options.proof and backend.logs_proofs))
        stats = {**result_stats(self.label, backend.solver, result, encode_s, target), "strategy": self.name}
        answer = interpret(run, encoder, target, result)
        return answer.model_copy(update={"stats": {**stats, **answer.stats}})


def encoding_for(instance: PartitionInstance, backend: Backend) -> ReductionEntry:
    """The registered encoding for what the backend takes: a weighted CNF under "minimize" if it takes one, else a
    CNF, a CP-SAT model or sample arrays (in that order of preference)."""
    takes = backend.solver_accepts(backend.solver)
    preference = ("cnf", "cpsat", "samples")
    if instance.max_violations == "minimize":
        preference = ("wcnf", *preference)
    target = next(kind for kind in preference if kind in takes)
    return find_encoding("partition", {target})


def interpret(run: Run, encoder: Any, target: Any, result: SolveResult) -> Answer:
    """The answer a backend verdict on `target` (built by `encoder`) supports: verified solutions, certified
    refutations, or `unknown`."""
    instance = run.instance
    if result.status is Status.UNKNOWN:
        if result.assignment:  # a best-so-far (CP-SAT "minimize", a heuristic): verified, violations counted
            return decoded_answer(instance, encoder, result, AnswerStatus.UNKNOWN)
        return Answer(status=AnswerStatus.UNKNOWN, message="the time limit ran out")
    if result.status is Status.UNSATISFIABLE:
        certificate = infeasibility_certificate(run, encoder, target, result)
        return Answer(status=AnswerStatus.INFEASIBLE, certificate=certificate)
    if result.status is Status.OPTIMAL:
        answer = decoded_answer(instance, encoder, result, AnswerStatus.OPTIMAL)
        if not run.options.proof:
            return answer
        # an unrefuted "fewer" leaves the optimum the solver's word: solvers/claims.py lowers it to `solved`
        return answer.model_copy(update={"certificate": optimality_certificate(run, answer.violations or 0)})
    answer = decoded_answer(instance, encoder, result, AnswerStatus.SOLVED)
    if not run.options.unique:
        return answer
    assert answer.classes is not None
    return settle_uniqueness(run, answer.classes, encoder, target).applied_to(answer)
