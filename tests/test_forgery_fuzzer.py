"""The forgery fuzzer: `latentsat check` accepts every genuine answer and rejects every forgery.

Genuine answers of every status and kind (tests/forgery_corpus.py: partition solved, unique with both encodings,
infeasible with drup, fast drup, pigeonhole, clique and under noise, solution lists of `all: M` (count exact on
both encodings, more than M, unique, infeasible), optimal with and without a refutation, unknown with
and without a partial answer, solved with an alternative; LSA answers of each mode; answers lifted through R1,
R1R2 and R3) are mutated in every field an answer can lie in (tests/forgery_mutations.py), once and twice over.
An independent oracle (tests/forgery_oracle*.py: brute force, the formally verified `drup`, the documented
rules coded afresh) decides whether each mutant is still genuine; `check` must agree with it on every one.

The default run tries each operator a few times on each answer plus random pairs (a few thousand mutants, well
under a minute); `LATENTSAT_FUZZ_ROUNDS=20` runs a larger one.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from collections import Counter

import pytest

from solvers.checks import check_data
from tests.forgery_corpus import corpus
from tests.forgery_mutations import OPERATORS, mutate, mutate_twice
from tests.forgery_oracle import genuine

ROUNDS = int(os.environ.get("LATENTSAT_FUZZ_ROUNDS", "2"))
PAIRS_PER_ANSWER = 50 * ROUNDS  # distinct applicable pairs of mutations on each genuine answer


def test_every_genuine_answer_is_accepted() -> None:
    for answer in corpus():
        assert genuine(answer.kind, answer.instance, answer.answer), answer.name
        report = check_data(answer.instance, answer.answer)
        assert report.ok, (answer.name, report.reason)


def test_check_agrees_with_the_oracle_on_every_mutant(capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(20240611)
    seen: set[str] = set()
    tried: Counter[str] = Counter()
    disagreements: list[str] = []
    for answer in corpus():
        mutants = [(name, mutate(answer, name, rng)) for name in sorted(OPERATORS) for _ in range(ROUNDS)]
        pairs = (mutate_twice(answer, rng) for _ in range(20 * PAIRS_PER_ANSWER))
        mutants += list(itertools.islice((pair for pair in pairs if pair[1] is not None), PAIRS_PER_ANSWER))
        for name, mutant in mutants:
            key = json.dumps([answer.name, mutant], sort_keys=True)
            if mutant is None or key in seen:
                continue
            seen.add(key)
            truth = genuine(answer.kind, answer.instance, mutant)
            report = check_data(answer.instance, mutant)
            tried["genuine" if truth else "forgery"] += 1
            if report.ok != truth:
                verdict = "accepted a forgery" if report.ok else f"rejected a genuine answer ({report.reason})"
                disagreements.append(f"{answer.name} / {name}: check {verdict}")
    with capsys.disabled():
        print(
            f"\nforgery fuzzer: {sum(tried.values())} mutants, {tried['forgery']} forgeries, {tried['genuine']} genuine"
        )
    assert not disagreements, "\n".join(disagreements[:20])
    assert tried["forgery"] >= 2000
