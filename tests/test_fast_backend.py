"""The fast backend: forced merges, implied clauses, incremental uniqueness, and its certificates (issue 6)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from problems.answers import Answer, AnswerStatus, SolveOptions
from problems.brute_force import brute_force
from problems.generate import planted_partition
from problems.partition import PartitionInstance, PartitionSolution
from problems.verify import constrained_mask, verify_partition
from reductions.partition_to_fast_cnf import PartitionToFastCnf, PartitionToImpliedCnf
from reductions.partition_to_quotient import PartitionToQuotient, merges_are_forced
from solvers.certificates import check_answer
from solvers.pipeline import solve
from tests.strategies import tiny_partition_instances


@st.composite
def pigeonhole_instances(draw: st.DrawFn) -> PartitionInstance:
    """Tiny instances whose labels number exactly Π K_i, so the quotient merges tokens."""
    groups = draw(st.integers(1, 2))
    sizes = [draw(st.integers(1, 4)) for _ in range(groups)]
    budgets = [draw(st.integers(1, 2)) for _ in range(groups)]
    cells = int(np.prod(budgets))
    rows = draw(
        st.lists(
            st.tuples(*(st.integers(0, n - 1) for n in sizes), st.integers(0, cells - 1)),
            min_size=cells,
            max_size=8,
        )
    )
    labels = [row[-1] for row in rows]
    assume(len(set(labels)) == cells)
    tokens = np.asarray([row[:-1] for row in rows], dtype=np.int64)
    instance = PartitionInstance.from_arrays(sizes, budgets, tokens, labels)
    assume(instance.n_labels == int(np.prod(instance.budgets)))  # budgets are clamped to min(K_i, N_i)
    return instance


def canonical_solution_set(instance: PartitionInstance) -> set[tuple[tuple[int, ...], ...]]:
    return set(brute_force(instance).solutions)


@settings(max_examples=150)
@given(instance=pigeonhole_instances())
def test_quotient_lifts_exactly_the_solutions(instance: PartitionInstance) -> None:
    """Every solution of the instance is a lift of a quotient solution, and every lift solves the instance."""
    reduction = PartitionToQuotient()
    quotient = reduction.forward(instance)
    assert merges_are_forced(instance) and quotient.n_samples == instance.n_labels
    lifted = set()
    for q_classes in brute_force(quotient).solutions:
        solution = reduction.backward(PartitionSolution([list(c) for c in q_classes], {}))
        lifted.add(tuple(tuple(c) for c in solution.classes))
    originals = canonical_solution_set(instance)
    # brute force gives unconstrained tokens class 0; so does a lift only for tokens that are unconstrained
    masks = [np.isin(np.arange(n), instance.tokens[:, i]) for i, n in enumerate(instance.sizes)]
    project = {tuple(tuple(int(k) for k in np.asarray(c)[m]) for c, m in zip(s, masks, strict=True)) for s in lifted}
    assert project == {
        tuple(tuple(int(k) for k in np.asarray(c)[m]) for c, m in zip(s, masks, strict=True)) for s in originals
    }


def test_quotient_is_the_identity_without_pigeonhole() -> None:
    instance, _ = planted_partition(2, 10, 2, 2, n_samples=40, seed=3)
    reduction = PartitionToQuotient()
    assert reduction.forward(instance) is instance
    assert not reduction.merged


def test_generic_labels_collapse_to_one_token_per_class() -> None:
    instance, truth = planted_partition(3, 2000, 3, "generic", factor=2, seed=1)
    reduction = PartitionToQuotient()
    quotient = reduction.forward(instance)
    assert quotient.sizes == (3, 3, 3) and quotient.n_samples == 27
    assert [np.asarray(b).tolist() for b in reduction.block_of] == truth.classes  # blocks are numbered canonically


@settings(max_examples=300)
@given(instance=tiny_partition_instances())
def test_fast_backend_agrees_with_brute_force(instance: PartitionInstance) -> None:
    truth = brute_force(instance)
    answer = solve(instance, SolveOptions(backend="fast", unique=True, time_limit=30, checker="drup"))
    assert answer.status is not AnswerStatus.UNKNOWN
    if not truth.solutions:
        assert answer.status is AnswerStatus.INFEASIBLE
        assert answer.certificate is not None and answer.certificate.checked
        assert check_answer(instance, answer).ok
        return
    assert answer.classes is not None and answer.table is not None
    verdict = verify_partition(instance, answer.classes, [(e.cell, e.label) for e in answer.table])
    assert verdict.ok and not verdict.violated
    assert tuple(tuple(c) for c in answer.classes) in truth.solutions
    expected = AnswerStatus.UNIQUE if len(truth.solutions) == 1 else AnswerStatus.SOLVED
    assert answer.status is expected
    if expected is AnswerStatus.SOLVED:  # the witness of non-uniqueness is another brute-force solution
        assert answer.alternative is not None
        assert tuple(tuple(c) for c in answer.alternative) in truth.solutions
        assert answer.alternative != answer.classes
    assert check_answer(instance, answer).ok


@settings(max_examples=60)
@given(instance=tiny_partition_instances(max_groups=3, max_size=4, max_classes=2, max_samples=12))
def test_implied_clauses_keep_the_class_models(instance: PartitionInstance) -> None:
    """Each brute-force solution extends to a model of the implied CNF (checked by fixing its x literals)."""
    from pysat.solvers import Solver

    encoder = PartitionToImpliedCnf()
    cnf = encoder.forward(instance)
    masks = [np.isin(np.arange(n), instance.tokens[:, i]) for i, n in enumerate(instance.sizes)]
    with Solver(name="minisat22", bootstrap_with=cnf.clauses) as solver:
        for classes in brute_force(instance).solutions:
            fixed = [
                encoder.x(i, t, k) if classes[i][t] == k else -encoder.x(i, t, k)
                for i in range(instance.n_groups)
                for t in np.flatnonzero(masks[i]).tolist()
                for k in range(instance.budgets[i])
            ]
            assert solver.solve(assumptions=fixed)


@pytest.mark.parametrize(("labels", "size", "factor", "seed"), [(2, 40, 8.0, 0), ("generic", 3000, 2.0, 2)])
def test_planted_instances_are_recovered_and_certified(labels: int | str, size: int, factor: float, seed: int) -> None:
    instance, truth = planted_partition(3, size, 3, labels, factor=factor, seed=seed)
    answer = solve(instance, SolveOptions(backend="fast", unique=True, time_limit=60))
    assert answer.status is AnswerStatus.UNIQUE
    assert answer.classes == truth.classes
    assert answer.certificate is not None and answer.certificate.checked
    assert answer.certificate.encoder == PartitionToFastCnf.name
    assert check_answer(instance, answer).ok


@pytest.fixture(scope="module")
def unique_answer() -> tuple[PartitionInstance, Answer]:
    instance, _ = planted_partition(3, 20, 3, 2, factor=4, seed=1)  # unit propagation alone does not refute it
    answer = solve(instance, SolveOptions(backend="fast", unique=True, time_limit=30))
    assert answer.status is AnswerStatus.UNIQUE
    return instance, answer


def _tamper_proof(answer: Answer) -> Answer:
    assert answer.certificate is not None and answer.certificate.proof
    certificate = answer.certificate.model_copy(update={"proof": "0\n"})  # only the empty clause
    return answer.model_copy(update={"certificate": certificate})


def _tamper_classes(answer: Answer) -> Answer:
    assert answer.classes is not None
    classes = [list(c) for c in answer.classes]
    classes[0] = [1 - k if k < 2 else k for k in classes[0]]  # a different labelling: not canonical any more
    return answer.model_copy(update={"classes": classes})


def _tamper_hash(answer: Answer) -> Answer:
    assert answer.certificate is not None
    return answer.model_copy(update={"certificate": answer.certificate.model_copy(update={"cnf_sha256": "0" * 64})})


def _tamper_version(answer: Answer) -> Answer:
    assert answer.certificate is not None
    certificate = answer.certificate.model_copy(update={"encoder_version": "0"})
    return answer.model_copy(update={"certificate": certificate})


@pytest.mark.parametrize("tamper", [_tamper_proof, _tamper_classes, _tamper_hash, _tamper_version])
def test_tampered_fast_certificates_are_rejected(unique_answer: tuple[PartitionInstance, Answer], tamper) -> None:
    instance, answer = unique_answer
    assert check_answer(instance, answer).ok
    assert not check_answer(instance, tamper(answer)).ok


def test_a_generic_certificate_is_checked_on_the_regenerated_quotient() -> None:
    instance, _ = planted_partition(3, 500, 3, "generic", factor=2, seed=4)
    answer = solve(instance, SolveOptions(backend="fast", unique=True, time_limit=30))
    assert answer.status is AnswerStatus.UNIQUE and answer.certificate is not None
    assert answer.certificate.variables is not None and "blocks" in answer.certificate.variables
    assert check_answer(instance, answer).ok
    # moving one token to another class breaks the solution itself
    assert answer.classes is not None
    moved = [list(c) for c in answer.classes]
    moved[1][0] = (moved[1][0] + 1) % 3
    assert not check_answer(instance, answer.model_copy(update={"classes": moved})).ok


def test_noisy_instances_fall_back_to_the_direct_encoding() -> None:
    instance, _ = planted_partition(2, 6, 2, 2, n_samples=20, seed=1)
    noisy = PartitionInstance.from_arrays(
        instance.sizes, instance.budgets, instance.tokens, instance.raw_labels, max_violations="minimize"
    )
    answer = solve(noisy, SolveOptions(backend="fast", time_limit=30))
    assert answer.status is AnswerStatus.OPTIMAL and answer.violations == 0


def test_every_cell_pair_of_a_label_conflict_is_separated() -> None:
    """Two samples sharing tokens in all groups but one, with different labels, force a binary clause."""
    tokens = np.asarray([[0, 0], [0, 1]])
    instance = PartitionInstance.from_arrays([1, 2], [1, 2], tokens, [0, 1])
    encoder = PartitionToImpliedCnf()
    clauses = {tuple(c) for c in encoder.forward(instance).clauses}
    for k in range(2):
        assert (-encoder.x(1, 0, k), -encoder.x(1, 1, k)) in clauses
    assert list(itertools.islice(clauses, 1))


def test_a_rival_one_move_away_settles_non_uniqueness_without_sat() -> None:
    instance, _ = planted_partition(3, 50, 3, 2, factor=4, seed=2)  # 8 tokens fit two classes each
    answer = solve(instance, SolveOptions(backend="fast", unique=True, time_limit=30))
    assert answer.status is AnswerStatus.SOLVED
    assert answer.stats["unique_check"] == "one-move rival" and "rounds" not in answer.stats
    assert answer.alternative is not None and answer.classes is not None
    pairs = zip(answer.alternative, answer.classes, strict=True)
    moved = sum(a != b for alt, own in pairs for a, b in zip(alt, own, strict=True))
    assert moved == 1
    assert check_answer(instance, answer).ok


def test_forged_alternatives_are_rejected() -> None:
    instance, _ = planted_partition(3, 50, 3, 2, factor=4, seed=2)
    answer = solve(instance, SolveOptions(backend="fast", unique=True, time_limit=30))
    assert answer.alternative is not None and answer.classes is not None
    itself = answer.model_copy(update={"alternative": answer.classes})
    assert "own partition" in check_answer(instance, itself).reason
    wrong = [list(c) for c in answer.classes]
    wrong[0] = [(k + 1) % 3 if t < 10 else k for t, k in enumerate(wrong[0])]
    assert "explain" in check_answer(instance, answer.model_copy(update={"alternative": wrong})).reason
    unique = answer.model_copy(update={"status": AnswerStatus.UNIQUE})
    assert not check_answer(instance, unique).ok


def test_the_in_process_solve_stops_at_the_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("solvers.pysat.IN_PROCESS_MAX_INCREMENTAL_CLAUSES", 10**6)  # this one would go to a child
    instance, _ = planted_partition(3, 150, 3, 2, factor=4, seed=2)  # its uniqueness proof takes > 20 s
    answer = solve(instance, SolveOptions(backend="fast", unique=True, time_limit=2))
    assert answer.status is AnswerStatus.SOLVED and answer.stats["in_process"]
    assert answer.stats["backend_status"] == "unknown"
    assert answer.stats["wall_s"] < 2 + 3  # a conflict slice at this size takes well under a second


def test_a_warm_start_that_explains_every_sample_is_the_answer_without_encoding() -> None:
    instance, _ = planted_partition(3, 200, 3, 2, factor=4, seed=0)  # not unique: any solution will do
    answer = solve(instance, SolveOptions(backend="fast", time_limit=30))
    assert answer.status is AnswerStatus.SOLVED
    assert answer.stats["warm_start_violated"] == 0
    assert "clauses" not in answer.stats  # no CNF was built
    assert check_answer(instance, answer).ok


@pytest.mark.parametrize(
    ("size", "factor", "seed", "limit", "expected"),
    [(20, 6.0, 0, 30, {"unique"}), (100, 4.0, 1, 2, {"solved", "unique"})],  # 2 s: unique on a quick machine only
)
def test_large_instances_encode_and_refute_in_a_child_killed_at_the_deadline(
    monkeypatch: pytest.MonkeyPatch, size: int, factor: float, seed: int, limit: float, expected: set[str]
) -> None:
    monkeypatch.setattr("solvers.pysat.IN_PROCESS_MAX_INCREMENTAL_CLAUSES", 0)  # every instance counts as large
    instance, _ = planted_partition(3, size, 3, 2, factor=factor, seed=seed)
    answer = solve(instance, SolveOptions(backend="fast", unique=True, time_limit=limit))
    assert answer.status.value in expected
    assert check_answer(instance, answer).ok
    assert answer.stats["wall_s"] < limit + 5  # the child is killed at the limit; 5 s of grace for a busy machine


def test_above_the_pair_budget_the_implied_clauses_are_left_out_and_certificates_still_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    instance, _ = planted_partition(3, 20, 3, 2, factor=6, seed=0)
    with_implied = len(PartitionToImpliedCnf().forward(instance).clauses)
    monkeypatch.setattr("reductions.partition_to_fast_cnf.MAX_SAMPLE_PAIRS", 0)
    assert len(PartitionToImpliedCnf().forward(instance).clauses) < with_implied
    answer = solve(instance, SolveOptions(backend="fast", unique=True, time_limit=30))
    assert answer.status is AnswerStatus.UNIQUE
    assert check_answer(instance, answer).ok  # `check` regenerates under the same budget


def test_precedence_opens_with_a_must_differ_clique_that_unit_propagation_numbers() -> None:
    from pysat.solvers import Solver

    instance, _ = planted_partition(3, 50, 3, 2, factor=4, seed=1)
    encoder = PartitionToImpliedCnf()
    cnf = encoder.forward(instance)
    units = [clause[0] for clause in cnf.clauses if len(clause) == 1]  # as assumptions: MiniSat reports their
    with Solver(name="minisat22", bootstrap_with=[c for c in cnf.clauses if len(c) > 1]) as propagator:
        _, implied = propagator.propagate(assumptions=units)  # consequences, but not level-0 ones
    for group, order in enumerate(encoder.constrained):
        pairs = {
            (min(x, y), max(x, y))
            for g, a, b in encoder.must_differ
            if g == group
            for x, y in zip(a.tolist(), b.tolist(), strict=True)
        }

        def is_clique(tokens: Sequence[int], pairs: set[tuple[int, int]] = pairs) -> bool:
            return all((min(x, y), max(x, y)) in pairs for x, y in itertools.combinations(tokens, 2))

        budget = instance.budgets[group]
        clique = next(order[:n].tolist() for n in range(budget, 0, -1) if is_clique(order[:n].tolist()))
        nodes = sorted({t for pair in pairs for t in pair})
        largest = max(n for n in range(1, budget + 1) if any(map(is_clique, itertools.combinations(nodes, n))))
        assert len(clique) == largest >= 2  # here the greedy search finds a largest clique (up to K)
        assert all(encoder.x(group, t, k) in implied for k, t in enumerate(clique))
        assert sorted(order.tolist()) == np.flatnonzero(constrained_mask(instance)[group]).tolist()
