"""Compare a recovered partition with a known truth: exact match up to relabelling, per-group adjusted Rand index
(scikit-learn's `adjusted_rand_score`, Hubert & Arabie 1985) and the misplaced tokens.

Misplaced: in each group, the answer's classes are matched one-to-one to the truth's classes so that the matched
pairs share the most tokens (a maximum-weight matching of the contingency table, `linear_sum_assignment`). A token
is misplaced when its answer class is matched to a different truth class than its own, or to none (more classes
in the answer than in the truth). Their number is the fewest tokens that must move to turn one partition into the
other up to relabelling (the partition distance of Gusfield 2002), so it is 0 exactly when the group matches.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from problems.errors import InvalidInstance


@dataclass(frozen=True)
class GroupComparison:
    """One group: ARI, the misplaced tokens, the matching answer class → truth class, unconstrained tokens."""

    group: int
    ari: float
    misplaced: list[int]
    matching: dict[int, int]
    unconstrained_misplaced: list[int] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return not self.misplaced


@dataclass(frozen=True)
class Comparison:
    """The whole comparison; `exact` is every group equal up to relabelling, `exact_constrained` the same ignoring
    tokens the answer lists as unconstrained (no sample constrains them: SPEC §1), `table_match` whether g agrees
    on every cell the answer sets, after the matching (None when either side has no table)."""

    exact: bool
    exact_constrained: bool
    table_match: bool | None
    groups: list[GroupComparison]

    def to_json(self) -> dict[str, Any]:
        groups = [{**asdict(g), "matching": {str(k): v for k, v in g.matching.items()}} for g in self.groups]
        for data, group in zip(groups, self.groups, strict=True):
            data["n_misplaced"] = len(group.misplaced)
        return {
            "exact": self.exact,
            "exact_constrained": self.exact_constrained,
            "table_match": self.table_match,
            "ari": [g.ari for g in self.groups],
            "groups": groups,
        }


def best_matching(answer: np.ndarray, truth: np.ndarray) -> dict[int, int]:
    """Answer class → truth class maximising shared tokens (classes absent from the other side stay unmatched).

    >>> best_matching(np.array([0, 0, 1, 1]), np.array([1, 1, 0, 0]))
    {0: 1, 1: 0}
    """
    from scipy.optimize import linear_sum_assignment

    overlap = np.zeros((int(answer.max()) + 1, int(truth.max()) + 1), dtype=np.int64)
    np.add.at(overlap, (answer, truth), 1)
    rows, cols = linear_sum_assignment(overlap, maximize=True)
    return {int(r): int(c) for r, c in zip(rows, cols, strict=True) if overlap[r, c] > 0}


def compare_group(group: int, answer: list[int], truth: list[int], unconstrained: list[int]) -> GroupComparison:
    """Compare one group's class maps (lists of the same length)."""
    from sklearn.metrics import adjusted_rand_score

    if len(answer) != len(truth):
        raise InvalidInstance(f"group {group}: {len(answer)} tokens in the answer, {len(truth)} in the truth", "truth")
    if not answer:
        return GroupComparison(group, 1.0, [], {})
    mine, theirs = np.asarray(answer, dtype=np.int64), np.asarray(truth, dtype=np.int64)
    matching = best_matching(mine, theirs)
    mapped = np.asarray([matching.get(int(k), -1) for k in mine])
    wrong = [int(t) for t in np.flatnonzero(mapped != theirs)]
    free = set(unconstrained)
    return GroupComparison(
        group=group,
        ari=float(adjusted_rand_score(theirs, mine)),
        misplaced=wrong,
        matching=matching,
        unconstrained_misplaced=[t for t in wrong if t in free],
    )


def compare(answer: dict[str, Any], truth: dict[str, Any]) -> Comparison:
    """Compare an answer (or any object with `classes`, and optionally `table` and `unconstrained`) with a truth
    of the same shape, e.g. the file `latentsat generate --truth` writes."""
    mine, theirs = _classes(answer, "answer"), _classes(truth, "truth")
    if len(mine) != len(theirs):
        raise InvalidInstance(f"{len(mine)} groups in the answer, {len(theirs)} in the truth", "truth.classes")
    free = answer.get("unconstrained") or [[] for _ in mine]
    groups = [compare_group(i, a, t, f) for i, (a, t, f) in enumerate(zip(mine, theirs, free, strict=True))]
    return Comparison(
        exact=all(g.exact for g in groups),
        exact_constrained=all(len(g.misplaced) == len(g.unconstrained_misplaced) for g in groups),
        table_match=_table_match(answer, truth, groups),
        groups=groups,
    )


def _classes(data: dict[str, Any], field: str) -> list[list[int]]:
    classes = data.get("classes")
    if not isinstance(classes, list) or not all(isinstance(g, list) for g in classes):
        status = data.get("status")
        why = f" (status {status})" if status else ""
        raise InvalidInstance(f"no class maps to compare{why}", f"{field}.classes")
    for i, group in enumerate(classes):
        if any(type(k) is not int or k < 0 for k in group):
            raise InvalidInstance("classes are non-negative integers", f"{field}.classes[{i}]")
    return classes


def _table_match(answer: dict[str, Any], truth: dict[str, Any], groups: list[GroupComparison]) -> bool | None:
    """Does every cell the answer sets carry the truth's label at the matched cell? None without two tables."""
    if not answer.get("table") or not truth.get("table"):
        return None
    theirs = {tuple(entry["cell"]): entry["label"] for entry in truth["table"]}
    for entry in answer["table"]:
        cell = tuple(g.matching.get(k, -1) for g, k in zip(groups, entry["cell"], strict=True))
        if theirs.get(cell) != entry["label"]:
            return False
    return True
