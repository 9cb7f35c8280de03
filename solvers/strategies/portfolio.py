"""The portfolio strategy: race whole partition solves (e.g. `fast` and `cpsat`) in parallel processes.

Its members use different encodings (a CNF for `fast`, a CP model for `cpsat`), so the race is over complete
solves, not over one target: each member runs `solvers.pipeline.solve` in its own forked process group, and the
first answer that settles the question wins; the others are killed with every process they forked. The winner's
answer is returned unchanged (its certificate included); only `stats` says that a portfolio ran.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import ClassVar

from problems.answers import Answer, AnswerStatus, SolveOptions
from problems.errors import InvalidOptions, SolverFailed
from problems.partition import PartitionInstance
from solvers.child import Outcome, race
from solvers.registry import split_name
from solvers.run import Clock, Progress

DEFAULT_MEMBERS = "fast,cpsat"
DECISIVE = frozenset({AnswerStatus.SOLVED, AnswerStatus.UNIQUE, AnswerStatus.INFEASIBLE, AnswerStatus.OPTIMAL})
START_RESERVE_S = 0.05  # of the member's limit, for forking and sending the answer back
OVERRUN_S = 1.5  # a member may check a proof just past its limit (run.CHECK_GRACE_S); then it is killed


@dataclass(frozen=True)
class Member:
    """One racer: a partition backend (or named strategy) and its optional sub-solver: `backend[/solver]`."""

    backend: str
    solver: str | None = None

    @classmethod
    def parse(cls, text: str) -> Member:
        return cls(*split_name(text.strip()))

    @property
    def label(self) -> str:
        return f"{self.backend}/{self.solver}" if self.solver else self.backend


@dataclass(frozen=True)
class PortfolioStrategy:
    """Races `members` (the `solver` option: comma-separated, default "fast,cpsat"; each a backend or named
    strategy, `backend/solver` for a sub-solver). The `num_workers` cores are shared: each member gets
    num_workers // members (at least 1), so on 2 cores `cpsat` runs 1 worker next to `fast`."""

    name: ClassVar[str] = "portfolio"
    kind: ClassVar[str] = "partition"
    instances: ClassVar[str] = "any"
    backends: ClassVar[tuple[str, ...]] = ()

    members: tuple[Member, ...]

    @classmethod
    def of(cls, solver: str = DEFAULT_MEMBERS, unique: bool = False) -> PortfolioStrategy:
        """The portfolio of the `solver` option; every member is checked here (errors name the bad one)."""
        from solvers.strategies import can_prove_infeasibility

        members = tuple(Member.parse(text) for text in solver.split(",") if text.strip())
        if len(members) < 1 or len({m.label for m in members}) != len(members):
            raise InvalidOptions(
                f"portfolio members must be distinct and at least one, got {solver!r}", "options.solver"
            )
        if any(member.backend == cls.name for member in members):
            raise InvalidOptions("a portfolio cannot race another portfolio", "options.solver")
        completes = [can_prove_infeasibility(m.backend, m.solver) for m in members]
        if unique and not all(completes):
            raise InvalidOptions("every portfolio member must be complete to prove uniqueness", "options.unique")
        return cls(members)

    @property
    def solver(self) -> str:
        return ",".join(m.label for m in self.members)

    def run(self, instance: PartitionInstance, options: SolveOptions, clock: Clock, progress: Progress) -> Answer:
        """Each member's whole solve in parallel; the first settled answer, else the best at the deadline."""
        from solvers.pipeline import solve

        start = time.perf_counter()
        seconds = max(clock.left() - START_RESERVE_S, 0.01)
        calls = [(solve, (instance, self.member_options(member, options, seconds))) for member in self.members]
        progress("search")
        outcomes = race(calls, seconds + OVERRUN_S, lambda answer: settles(answer, options.unique))
        answer = self._pick(outcomes)
        stats = {
            **answer.stats,
            "backend": self.name,
            "strategy": self.name,
            "members": {m.label: _describe(o) for m, o in zip(self.members, outcomes, strict=True)},
            "wall_s": round(time.perf_counter() - start, 4),
        }
        return answer.model_copy(update={"stats": stats})

    def member_options(self, member: Member, options: SolveOptions, seconds: float) -> SolveOptions:
        """A member's options: its backend and sub-solver, the race's time, its share of the workers."""
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
        return best.model_copy(update={"stats": {**best.stats, "winner": self.members[index].label}})


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
