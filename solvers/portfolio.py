"""The `portfolio` backend: race whole partition solves (e.g. `fast` and `cpsat`) in parallel processes.

Its members use different encodings (a CNF for `fast`, a CP model for `cpsat`), so the race is over complete
pipeline solves, not over one target: each member runs `solvers.pipeline.solve` in its own forked process group,
and the first answer that settles the question wins; the others are killed with every process they forked. The
winner's answer is returned unchanged (its certificate included); only `stats` says that a portfolio ran.
"""

from __future__ import annotations

import math
import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from problems.answers import Answer, AnswerStatus, SolveOptions
from problems.errors import InvalidOptions, SolverFailed
from problems.partition import PartitionInstance
from solvers.base import PARTITION_TARGETS, Limits, SolveResult, get_backend, is_complete
from solvers.child import Outcome, race

DEFAULT_MEMBERS = "fast,cpsat"
DECISIVE = frozenset({AnswerStatus.SOLVED, AnswerStatus.UNIQUE, AnswerStatus.INFEASIBLE, AnswerStatus.OPTIMAL})
START_RESERVE_S = 0.05  # of the member's limit, for forking and sending the answer back
OVERRUN_S = 1.5  # a member may check a proof just past its limit (pipeline.CHECK_GRACE_S); then it is killed

Solve = Callable[[PartitionInstance, SolveOptions], Answer]


@dataclass(frozen=True)
class Member:
    """One racer: a partition backend and its optional sub-solver, written `backend` or `backend/solver`."""

    backend: str
    solver: str | None = None

    @classmethod
    def parse(cls, text: str) -> Member:
        backend, _, solver = text.strip().partition("/")
        return cls(backend, solver or None)

    @property
    def label(self) -> str:
        return f"{self.backend}/{self.solver}" if self.solver else self.backend


class PortfolioBackend:
    """Races the members named by the `solver` option (comma-separated, default "fast,cpsat").

    It accepts a whole `partition` instance rather than an encoded target, so the pipeline hands it the instance
    and `solve` here only refuses. The `num_workers` cores are shared: each member gets num_workers // members
    (at least 1), so on 2 cores `cpsat` runs 1 worker next to `fast`.
    """

    name: ClassVar[str] = "portfolio"
    accepts: ClassVar[frozenset[str]] = frozenset({"partition"})
    proofs: ClassVar[bool] = True

    def __init__(self, solver: str = DEFAULT_MEMBERS) -> None:
        self.members = [Member.parse(text) for text in solver.split(",") if text.strip()]
        if len(self.members) < 1 or len({m.label for m in self.members}) != len(self.members):
            raise InvalidOptions(
                f"portfolio members must be distinct and at least one, got {solver!r}", "options.solver"
            )
        if any(member.backend == self.name for member in self.members):
            raise InvalidOptions("a portfolio cannot race another portfolio", "options.solver")
        # raises naming the bad member; `complete`: some member can prove infeasibility
        completes = [is_complete(get_backend(m.backend, m.solver, PARTITION_TARGETS)) for m in self.members]
        self.complete = any(completes)
        self.all_complete = all(completes)
        self.solver = ",".join(m.label for m in self.members)

    @staticmethod
    def available() -> bool:
        return "fork" in multiprocessing.get_all_start_methods()

    def solve(self, target: Any, limits: Limits) -> SolveResult:
        raise InvalidOptions("the portfolio races whole solves: call solvers.pipeline.solve", "options.backend")

    def race(self, instance: PartitionInstance, options: SolveOptions, solve: Solve) -> Answer:
        """`solve` (the pipeline) per member in parallel; the first settled answer, else the best at the deadline."""
        start = time.perf_counter()
        if options.unique and not self.all_complete:
            raise InvalidOptions("every portfolio member must be complete to prove uniqueness", "options.unique")
        seconds = max(options.time_limit - START_RESERVE_S, 0.01)
        calls = [(solve, (instance, self._options(member, options, seconds))) for member in self.members]
        outcomes = race(calls, seconds + OVERRUN_S, lambda answer: settles(answer, options.unique))
        answer = self._pick(outcomes)
        answer.stats = {
            **answer.stats,
            "backend": self.name,
            "members": {m.label: _describe(o) for m, o in zip(self.members, outcomes, strict=True)},
            "wall_s": round(time.perf_counter() - start, 4),
        }
        return answer

    def _options(self, member: Member, options: SolveOptions, seconds: float) -> SolveOptions:
        workers = max(1, options.num_workers // len(self.members))
        update = {"backend": member.backend, "solver": member.solver, "time_limit": seconds, "num_workers": workers}
        return options.model_copy(update=update)

    def _pick(self, outcomes: list[Outcome]) -> Answer:
        answers = [(i, payload) for i, (kind, payload) in enumerate(outcomes) if kind == "ok"]
        if not answers:
            if all(kind != "killed" for kind, _ in outcomes):
                failures = [f"{m.label}: {p}" for m, (_, p) in zip(self.members, outcomes, strict=True)]
                raise SolverFailed("every portfolio member failed: " + "; ".join(failures))
            return Answer(status=AnswerStatus.UNKNOWN, message="no member answered within the time limit")
        index, best = max(answers, key=lambda pair: _rank(pair[1]))  # the first of equals: members keep their order
        best.stats["winner"] = self.members[index].label
        return best


def settles(answer: Answer, unique: bool) -> bool:
    """Whether an answer ends the race. Asked for uniqueness, `solved` settles only once a second solution was
    found (the answer's `alternative`); otherwise it may mean the proof ran out of time, and another member
    may still prove `unique`."""
    if answer.status is AnswerStatus.SOLVED and unique:
        return answer.alternative is not None
    return answer.status in DECISIVE


def _rank(answer: Answer) -> tuple[bool, bool, float]:
    """Settled answers first, then partial ones with a partition, then fewer violated samples."""
    violations = answer.violations if answer.violations is not None else math.inf
    return answer.status is not AnswerStatus.UNKNOWN, answer.classes is not None, -violations


def _describe(outcome: Outcome) -> str:
    kind, payload = outcome
    if kind == "ok":
        return str(payload.status.value)
    return kind if payload is None else f"{kind}: {payload}"
