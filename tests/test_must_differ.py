"""Must-differ pairs, cliques beyond K, and the clique certificate (issue 14)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from problems.answers import AnswerStatus, SolveOptions
from problems.brute_force import brute_force
from problems.graph import parse_dimacs_col
from problems.must_differ import MustDiffer, is_must_differ_witness, largest_clique, must_differ_pairs
from problems.partition import PartitionInstance
from reductions.colouring_to_partition import ColouringToPartition
from solvers.certificates import check_answer
from solvers.pipeline import solve
from tests.strategies import tiny_partition_instances

DIMACS = Path(__file__).resolve().parent / "data" / "public" / "dimacs-col"  # the public files, copied
# χ and ω as published (the folder's README); R1 at K = χ − 1 must be infeasible
CHROMATIC = {"myciel3": (4, 2), "myciel4": (5, 2), "1-FullIns_3": (4, 3), "2-Insertions_3": (4, 2),
             "queen5_5": (5, 5), "huck": (11, 11), "jean": (10, 10), "david": (11, 11), "anna": (11, 11),
             "games120": (9, 9), "miles250": (8, 8), "homer": (13, 13)}  # fmt: skip


def _brute_pairs(instance: PartitionInstance, group: int) -> set[tuple[int, int]]:
    """Every token pair forced apart by two samples agreeing on all other groups, by definition."""
    pairs = set()
    for s, t in itertools.combinations(range(instance.n_samples), 2):
        if is_must_differ_witness(instance, group, s, t):
            a, b = int(instance.tokens[s, group]), int(instance.tokens[t, group])
            pairs.add((min(a, b), max(a, b)))
    return pairs


@settings(max_examples=200)
@given(instance=tiny_partition_instances(max_samples=14))
def test_pairs_are_exactly_the_definition_and_every_solution_separates_them(instance: PartitionInstance) -> None:
    solutions = brute_force(instance).solutions
    for group in range(instance.n_groups):
        found = must_differ_pairs(instance, group)
        pairs = set(zip(found.a.tolist(), found.b.tolist(), strict=True))
        assert pairs == _brute_pairs(instance, group)
        for a, b, s, t in zip(found.a, found.b, found.first_sample, found.second_sample, strict=True):
            assert is_must_differ_witness(instance, group, int(s), int(t))
            assert {int(instance.tokens[s, group]), int(instance.tokens[t, group])} == {int(a), int(b)}
        for solution in solutions:
            assert all(solution[group][a] != solution[group][b] for a, b in pairs)


@settings(max_examples=100)
@given(edges=st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=40), wanted=st.integers(1, 6))
def test_the_clique_search_finds_a_largest_clique(edges: list[tuple[int, int]], wanted: int) -> None:
    pairs = sorted({(min(a, b), max(a, b)) for a, b in edges if a != b})
    a = np.asarray([p[0] for p in pairs], dtype=np.int64)
    b = np.asarray([p[1] for p in pairs], dtype=np.int64)
    clique = largest_clique(MustDiffer(0, a, b, a, b), wanted)
    graph = nx.Graph(pairs)
    assert all(graph.has_edge(x, y) for x, y in itertools.combinations(clique, 2))
    omega = max((len(c) for c in nx.find_cliques(graph)), default=0)
    assert len(clique) == min(omega, wanted)


def _r1(name: str, k: int) -> PartitionInstance:
    return ColouringToPartition().forward(parse_dimacs_col((DIMACS / f"{name}.col").read_text(), k))


@pytest.mark.skipif(not DIMACS.exists(), reason="public DIMACS colouring files not here")
@pytest.mark.parametrize("name", sorted(CHROMATIC))
def test_dimacs_graphs_at_chi_minus_one_are_infeasible_with_a_checked_certificate(name: str) -> None:
    """U5: K = χ − 1 is refuted; when ω > K a clique of K + 1 vertices does it at once, without a SAT solver."""
    chi, omega = CHROMATIC[name]
    instance = _r1(name, chi - 1)
    answer = solve(instance, SolveOptions(time_limit=60))
    assert answer.status is AnswerStatus.INFEASIBLE
    assert answer.certificate is not None and answer.certificate.checked
    assert answer.certificate.kind == ("clique" if omega > chi - 1 else "drup")
    assert check_answer(instance, answer).ok
    if omega > chi - 1:
        assert "clauses" not in answer.stats  # nothing was encoded
        assert answer.certificate.tokens is not None and len(answer.certificate.tokens) == chi


def test_a_tampered_clique_certificate_is_rejected() -> None:
    instance = _r1("huck", 10) if DIMACS.exists() else _triangle_with_two_classes()
    answer = solve(instance, SolveOptions())
    certificate = answer.certificate
    assert certificate is not None and certificate.kind == "clique" and check_answer(instance, answer).ok
    tokens, pairs = certificate.tokens or [], certificate.sample_pairs or []
    tampered = {
        "a token dropped": {"tokens": tokens[:-1]},
        "a token repeated": {"tokens": [*tokens[:-1], tokens[0]]},
        "two sample pairs swapped": {"sample_pairs": [pairs[1], pairs[0], *pairs[2:]]},
        "a pair whose samples agree in label": {"sample_pairs": [[pairs[0][0], pairs[0][0]], *pairs[1:]]},
        "another group": {"group": 1 - (certificate.group or 0)},
    }
    for name, update in tampered.items():
        copy = answer.model_copy(update={"certificate": certificate.model_copy(update=update)})
        assert not check_answer(instance, copy).ok, name
    other = PartitionInstance.from_arrays(
        instance.sizes, [k + 1 for k in instance.budgets], instance.tokens, instance.raw_labels
    )
    assert not check_answer(other, answer).ok  # another instance (one more class): the hash differs


def _triangle_with_two_classes() -> PartitionInstance:
    tokens = np.asarray([[0, 0], [1, 0], [0, 1], [2, 1], [1, 2], [2, 2]])
    return PartitionInstance.from_arrays([3, 3], [2, 3], tokens, [0, 1, 0, 1, 0, 1])


def test_a_clique_of_k_plus_one_is_refuted_by_unit_propagation_in_the_fast_cnf_too() -> None:
    """`check` of a DRUP certificate rebuilds the CNF: precedence opens with the K + 1 clique, so "0" refutes it."""
    from reductions.partition_to_fast_cnf import PartitionToFastCnf
    from solvers.proofs import check_proof, dimacs

    cnf = PartitionToFastCnf().forward(_triangle_with_two_classes())
    assert check_proof(dimacs(cnf.clauses), "0\n")[0]


def test_the_cli_answers_a_reduced_dimacs_file_with_a_clique(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from latentsat.cli import app

    if not DIMACS.exists():
        pytest.skip("public DIMACS colouring files not here")
    runner = CliRunner()
    target = tmp_path / "jean.json"
    reduced = runner.invoke(app, ["reduce", "R1", str(DIMACS / "jean.col"), "--k", "9", "--out", str(target)])
    assert reduced.exit_code == 0, reduced.output
    bundle = tmp_path / "bundle.json"
    solved = runner.invoke(app, ["solve", str(target), "--bundle", str(bundle)])
    answer = json.loads(solved.stdout)
    assert answer["status"] == "infeasible" and answer["certificate"]["kind"] == "clique"
    checked = runner.invoke(app, ["check", str(bundle)])
    assert checked.exit_code == 0 and json.loads(checked.stdout)["ok"] is True


def test_repeated_rows_do_not_hide_pairs_in_long_runs() -> None:
    """10 tokens per group, 200,000 samples: runs of 2,000 samples, mostly repeats; every pair is found."""
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 10, size=(200_000, 3))
    instance = PartitionInstance.from_arrays([10, 10, 10], [3, 3, 3], tokens, rng.integers(0, 2, size=200_000))
    assert len(must_differ_pairs(instance, 0)) == 45
