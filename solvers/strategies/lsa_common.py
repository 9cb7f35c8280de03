"""What the `lsa` strategies share: limits from the clock, the split of an assignment into (b, A), exact values
as wire strings, and the stats of a backend run. Every (b, A) they return is re-verified by recomputing φ exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar

from problems.answers import AnswerStatus, Certificate, SolveOptions
from problems.bilinear import fraction_text, to_fraction
from problems.lsa.answer import LsaAnswer
from problems.lsa.instance import LsaInstance
from problems.lsa.structure import Radical
from solvers.base import SolveResult
from solvers.run import Clock, Progress

REPORT_S = 0.01  # an LSA backend always gets this long to report, however little time is left


@dataclass(frozen=True)
class LsaStrategy:
    """One `lsa` mode's strategy on one backend (the Strategy interface of docs/architecture.md). A subclass sets
    the class variables and `_run`; `run` adds the backend and strategy names to the answer's stats."""

    name: ClassVar[str]
    kind: ClassVar[str] = "lsa"
    instances: ClassVar[str]  # the mode
    backends: ClassVar[tuple[str, ...]]  # first the default
    targets: ClassVar[frozenset[str]]

    backend: str
    solver: str

    def run(self, instance: LsaInstance, options: SolveOptions, clock: Clock, progress: Progress) -> LsaAnswer:
        if not x_star_in_time(instance, clock):
            answer = LsaAnswer(status=AnswerStatus.UNKNOWN, mode=instance.mode, message="the time limit ran out "
                               "computing X* of the Markov model")  # fmt: skip
        else:
            answer = self._run(instance, options, clock, progress)
        return answer.model_copy(update={"stats": {"backend": self.backend, "strategy": self.name, **answer.stats}})

    def refuses(self, instance: LsaInstance) -> None:
        """Raise `InvalidOptions` naming the option if this backend cannot take `instance` (checked before work)."""

    def _run(self, instance: LsaInstance, options: SolveOptions, clock: Clock, progress: Progress) -> LsaAnswer:
        raise NotImplementedError


def x_star_in_time(instance: LsaInstance, clock: Clock) -> bool:
    """Whether X* of a Markov-model instance is known, computing it (if not memoised) in a child process killed
    at the deadline: its exact rational algebra cannot be interrupted in this process. True for a given X."""
    from problems.lsa.markov import known_x_star, remember_x_star, x_star

    markov = instance.spec.markov
    if instance.spec.x is not None or markov is None or known_x_star(instance.d, markov.n, to_fraction(markov.p)):
        return True
    from solvers.child import ChildTimeout, run_in_child

    try:
        remember_x_star(run_in_child(x_star, (instance.d, markov.n, to_fraction(markov.p)), clock.left()))
    except ChildTimeout:
        return False
    return True


def split_exact(values: Sequence[Any], d: int) -> tuple[list[Any], list[list[Any]]]:
    """An exact assignment (b then A row-major) as (b, A)."""
    rest = list(values[d + 1 :])
    return list(values[: d + 1]), [rest[i * d : (i + 1) * d] for i in range(d + 1)]


def split_floats(assignment: Sequence[float], d: int) -> tuple[list[float], list[list[float]]]:
    """A float assignment (b then A row-major) as (b, A)."""
    b = [float(v) for v in assignment[: d + 1]]
    rest = [float(v) for v in assignment[d + 1 : (d + 1) * (d + 1)]]
    return b, [rest[i * d : (i + 1) * d] for i in range(d + 1)]


def residual(x: Sequence[Sequence[Fraction]], image: Sequence[Sequence[Fraction]]) -> Fraction:
    """max |X − φ(b, A)| over the entries, exactly."""
    return max(abs(t - v) for trow, vrow in zip(x, image, strict=True) for t, v in zip(trow, vrow, strict=True))


def _text(value: Fraction | Radical) -> str:
    return fraction_text(value) if isinstance(value, Fraction) else str(value)


def with_values(
    answer: LsaAnswer,
    b: Sequence[Fraction | Radical],
    a: Sequence[Sequence[Fraction | Radical]],
    certificate: Certificate,
) -> LsaAnswer:
    """A copy of `answer` carrying (b, A) exactly (strings) and as floats, with its certificate."""
    return answer.model_copy(
        update={
            "b": [_text(v) for v in b],
            "a": [[_text(v) for v in row] for row in a],
            "b_float": [float(v) for v in b],
            "a_float": [[float(v) for v in row] for row in a],
            "certificate": certificate,
        }
    )


def lsa_stats(result: SolveResult) -> dict[str, Any]:
    """What an answer's `stats` say about one backend run (plain values only)."""
    stats = {"solve_s": round(result.wall_s, 4), "backend_status": result.status.value}
    stats.update({k: v for k, v in result.stats.items() if isinstance(v, int | float | str)})
    if result.objective is not None:
        stats["objective"] = result.objective
    return stats
