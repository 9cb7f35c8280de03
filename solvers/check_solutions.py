"""`latentsat check` of a solution list (`all: M`): `solutions`, `count_exact` and `ambiguous`, from the samples.

The list must fit the status (docs/encodings.md, Claim 4; README "Certificates"): `infeasible` lists no solution
and its count (0) is exact; `unique` lists exactly its own solution, count exact; `solved` lists one or more, and
with `count_exact` at least two (one solution with an exact count is `unique`). Every listed solution is in
canonical form, explains every sample (the table it induces has one label per reached cell), and no partition
is listed twice; `solutions[0]` is the answer's `classes`; `ambiguous` is recomputed from the list. The count
proof itself is the status's certificate, required by the check table (solvers/certificates.py `REQUIRED`).
"""

from __future__ import annotations

import numpy as np

from problems.answers import Answer, AnswerStatus
from problems.neighbours import induced_table
from problems.partition import PartitionInstance
from problems.solution_set import ambiguous_tokens, distinct_partitions
from problems.verify import canonical_classes, constrained_mask
from solvers.refutation import require


def check_solution_list(instance: PartitionInstance, answer: Answer) -> None:
    """Raise `Rejected` with the reason when the answer's solution list does not check (nothing to do without)."""
    if answer.solutions is None and answer.count_exact is None and answer.ambiguous is None:
        return
    solutions = answer.solutions
    require(solutions is not None, "count_exact and ambiguous belong to a solution list (`all: M`)")
    assert solutions is not None
    require(instance.max_violations == 0, "a solution list (`all: M`) belongs to exact recovery (max_violations 0)")
    require(answer.count_exact is not None, "a solution list says whether its count is exact (count_exact)")
    _fits_status(answer.status, len(solutions), bool(answer.count_exact))
    masks = constrained_mask(instance)
    for index, classes in enumerate(solutions):
        require(_in_range(instance, classes), f"solutions[{index}] does not fit the instance's groups and budgets")
        require(classes == canonical_classes(classes, masks), f"solutions[{index}] is not in canonical form")
        table = induced_table(instance, [np.asarray(c, dtype=np.int64) for c in classes])
        require(table is not None, f"solutions[{index}] does not explain every sample")
    require(not solutions or solutions[0] == answer.classes, "solutions[0] is not the answer's classes")
    require(distinct_partitions(solutions), "a partition is listed twice")
    ambiguous = ambiguous_tokens(masks, solutions)
    require(answer.ambiguous in (None, ambiguous), "ambiguous is not what the listed solutions show")


def _fits_status(status: AnswerStatus, count: int, exact: bool) -> None:
    if status is AnswerStatus.INFEASIBLE:
        require(count == 0 and exact, "an infeasible answer lists no solution, and its count (0) is exact")
    elif status is AnswerStatus.UNIQUE:
        require(count == 1 and exact, "a unique answer lists exactly its own solution, and its count is exact")
    else:
        require(status is AnswerStatus.SOLVED, f"a {status.value} answer carries no solution list")
        require(count >= 1, "a solved answer lists at least its own solution")
        require(count >= 2 or not exact, "one solution with an exact count is a unique answer, not solved")


def _in_range(instance: PartitionInstance, classes: list[list[int]]) -> bool:
    return len(classes) == instance.n_groups and all(
        len(group) == size and all(0 <= c < budget for c in group)
        for group, size, budget in zip(classes, instance.sizes, instance.budgets, strict=True)
    )
