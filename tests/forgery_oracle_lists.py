"""The forgery oracle's rules for clique certificates and solution lists (`all: M`), coded afresh from the docs.

A clique certificate (README "Certificates", docs/fast_solver.md section 2) is genuine when its K_g + 1 distinct
tokens of group g are pairwise forced apart, each pair (in `itertools.combinations` order) by two samples that hold
exactly those two tokens in g, agree on every other group and differ in label. A solution list (docs/encodings.md,
Claim 4) is genuine when every listed partition is a solution (brute force), none is listed twice, the first is the
answer's classes, the count fits the status, and `ambiguous` names the tokens that move once each solution is
matched to the first by the relabelling that agrees most (the first such relabelling in `itertools.permutations`
order).
"""

from __future__ import annotations

import itertools
from typing import Any

from problems.partition import PartitionInstance


def clique_ok(instance: PartitionInstance, cert: dict[str, Any]) -> bool:
    group, tokens, pairs = cert.get("group"), cert.get("tokens"), cert.get("sample_pairs")
    if instance.max_violations != 0 or cert.get("instance_sha256") != instance.sha256:
        return False
    if type(group) is not int or not 0 <= group < instance.n_groups or not isinstance(tokens, list):
        return False
    if len(tokens) != instance.budgets[group] + 1 or len(set(tokens)) != len(tokens) or not isinstance(pairs, list):
        return False
    edges = list(itertools.combinations(tokens, 2))
    rows, labels = instance.tokens.tolist(), instance.raw_labels.tolist()
    if len(pairs) != len(edges):
        return False
    for (a, b), pair in zip(edges, pairs, strict=True):
        if len(pair) != 2 or not all(type(s) is int and 0 <= s < instance.n_samples for s in pair):
            return False
        first, second = rows[pair[0]], rows[pair[1]]
        others_agree = all(first[i] == second[i] for i in range(instance.n_groups) if i != group)
        if not others_agree or {first[group], second[group]} != {a, b} or labels[pair[0]] == labels[pair[1]]:
            return False
    return True


def solution_list_ok(
    instance: PartitionInstance, answer: dict[str, Any], solutions_of: set[tuple[tuple[int, ...], ...]], canonical: Any
) -> bool:
    """`solutions_of`: every canonical partition that explains every sample; `canonical(instance, classes)`."""
    listed, exact, ambiguous = answer.get("solutions"), answer.get("count_exact"), answer.get("ambiguous")
    if listed is None and exact is None and ambiguous is None:
        return True
    if listed is None or exact is None or instance.max_violations != 0:
        return False
    count, status = len(listed), answer.get("status")
    fits = {
        "infeasible": count == 0 and exact,
        "unique": count == 1 and exact,
        "solved": count >= 1 and (count >= 2 or not exact),
    }
    if not fits.get(status, False):
        return False
    keys = [tuple(map(tuple, s)) for s in listed]
    pairs = zip(keys, listed, strict=True)
    if any(key not in solutions_of or list(map(list, key)) != canonical(instance, s) for key, s in pairs):
        return False
    if len(set(keys)) != count or (count and listed[0] != answer.get("classes")):
        return False
    if exact and count != len(solutions_of):
        return False
    return ambiguous is None or ambiguous == _moved(instance, listed)


def _moved(instance: PartitionInstance, listed: list[list[list[int]]]) -> list[list[int]]:
    rows = instance.tokens.tolist()
    out = []
    for group in range(instance.n_groups):
        used = sorted({row[group] for row in rows})
        moved: set[int] = set()
        reference = listed[0][group] if listed else []
        for other in listed[1:]:
            size = max([reference[t] for t in used] + [other[group][t] for t in used] + [0]) + 1
            best = max(
                itertools.permutations(range(size)),
                key=lambda p: sum(p[other[group][t]] == reference[t] for t in used),
            )
            moved |= {t for t in used if best[other[group][t]] != reference[t]}
        out.append(sorted(moved))
    return out
