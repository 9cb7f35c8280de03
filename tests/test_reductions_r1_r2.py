"""R1 (colouring → partition), R2 (3-SAT → colouring) and R1∘R2 against brute force on hundreds of tiny sources.

Acceptance of issue 4: "source solvable ⇔ target solvable" (brute force on the source, latentsat's solver on the
target), and every backward solution is valid on the source.
"""

from __future__ import annotations

import pytest
from hypothesis import event, given, settings

from problems.answers import AnswerStatus, SolveOptions
from problems.cnf_formula import CnfFormula, brute_force_sat, verify_assignment
from problems.graph import Colouring, ColouringSolution, brute_force_colouring, verify_colouring
from problems.hard_instances import mycielski, random_3sat
from reductions.base import compose
from reductions.colouring_to_cnf import ColouringToCnf
from reductions.colouring_to_partition import ColouringToPartition
from reductions.three_sat_to_colouring import ThreeSatToColouring
from solvers.base import Limits, Status
from solvers.pipeline import solve
from solvers.registry import get_backend
from tests.strategies_reductions import tiny_formulas, tiny_graphs

SOLVED = (AnswerStatus.SOLVED, AnswerStatus.UNIQUE)
FAST = SolveOptions(proof=False, time_limit=60)  # the equivalence tests need statuses; proofs are tested below


def colourable_by_sat(graph: Colouring) -> list[int] | None:
    """Decide a colouring target with latentsat's SAT backend (colouring->cnf + pysat)."""
    encoder = ColouringToCnf()
    result = get_backend("pysat").solve(encoder.forward(graph), Limits(seconds=30))
    assert result.status is not Status.UNKNOWN
    return encoder.backward(result.assignment).colour if result.status is Status.SATISFIABLE else None


@settings(max_examples=200)
@given(graph=tiny_graphs())
def test_r1_matches_brute_force(graph: Colouring) -> None:
    reduction = ColouringToPartition()
    target = reduction.forward(graph)
    answer = solve(target, FAST)
    assert answer.status is not AnswerStatus.UNKNOWN
    event(f"colourable: {answer.status in SOLVED}")
    assert (answer.status in SOLVED) == (brute_force_colouring(graph) is not None)
    if answer.status in SOLVED:
        assert verify_colouring(graph, reduction.backward(answer).colour)


@settings(max_examples=200)
@given(formula=tiny_formulas())
def test_r2_matches_brute_force(formula: CnfFormula) -> None:
    reduction = ThreeSatToColouring()
    target = reduction.forward(formula)
    colour = colourable_by_sat(target)
    event(f"satisfiable: {colour is not None}")
    assert (colour is not None) == (brute_force_sat(formula) is not None)
    if colour is not None:
        assert verify_colouring(target, colour)
        assert verify_assignment(formula, reduction.backward(ColouringSolution(colour)).assignment)


@settings(max_examples=200)
@given(formula=tiny_formulas(max_clauses=8))
def test_r1_after_r2_matches_brute_force(formula: CnfFormula) -> None:
    reduction = compose(ThreeSatToColouring(), ColouringToPartition())
    answer = solve(reduction.forward(formula), FAST)
    assert answer.status is not AnswerStatus.UNKNOWN
    event(f"satisfiable: {answer.status in SOLVED}")
    assert (answer.status in SOLVED) == (brute_force_sat(formula) is not None)
    if answer.status in SOLVED:
        assert verify_assignment(formula, reduction.backward(answer).assignment)


@pytest.mark.parametrize("seed", range(8))
def test_r1_after_r2_on_threshold_3sat(seed: int) -> None:
    """Random 3-SAT at ratio 4.26 (3–4 variables, so that the UNSAT ones stay fast), with checked proofs."""
    formula = random_3sat(3 + seed % 2, seed=seed)
    reduction = compose(ThreeSatToColouring(), ColouringToPartition())
    answer = solve(reduction.forward(formula))
    satisfiable = brute_force_sat(formula) is not None
    assert (answer.status in SOLVED) == satisfiable
    if satisfiable:
        assert verify_assignment(formula, reduction.backward(answer).assignment)
    else:
        assert answer.certificate is not None and answer.certificate.checked


@pytest.mark.slow  # the formally verified drup checker takes ~45 s on this proof
def test_mycielski_m4_needs_four_colours() -> None:
    """χ(M4) = 4: K = 3 is infeasible with a drup-checked proof; K = 4 is solved and lifts to a proper colouring."""
    three = ColouringToPartition()
    answer = solve(three.forward(mycielski(4, k=3)), SolveOptions(checker="drup"))  # ~1600 clauses x ~1000 lemmas
    assert answer.status is AnswerStatus.INFEASIBLE
    certificate = answer.certificate
    assert certificate is not None and certificate.checked and certificate.checker == "drup"
    assert certificate.cnf and certificate.proof and certificate.claim

    four = ColouringToPartition()
    graph = mycielski(4, k=4)
    answer = solve(four.forward(graph))
    assert answer.status in SOLVED
    colour = four.backward(answer).colour
    assert verify_colouring(graph, colour) and len(set(colour)) == 4


def test_r1_worked_example_triangle_with_pendant() -> None:
    """docs/reductions.md, R1 example: a triangle 0-1-2 with a pendant vertex 3 and an isolated vertex 4."""
    graph = Colouring(n=5, edges=[(0, 1), (1, 2), (2, 0), (2, 3)], k=3)
    reduction = ColouringToPartition()
    target = reduction.forward(graph)
    assert target.sizes == (5, 4) and target.budgets == (3, 4)  # K_2 = K(K-1) = 6, clamped to the 4 edge tokens
    assert target.to_json_dict()["samples"][:4] == [[0, 0, 0], [1, 0, 1], [1, 1, 0], [2, 1, 1]]
    answer = solve(target)
    assert answer.status in SOLVED and answer.unconstrained == [[4], []]
    colour = reduction.backward(answer).colour
    assert verify_colouring(graph, colour) and colour[4] == 0
    graph_two = Colouring(n=5, edges=graph.edges, k=2)
    answer_two = solve(ColouringToPartition().forward(graph_two))
    assert answer_two.status is AnswerStatus.INFEASIBLE and answer_two.certificate.checked


def test_r1_edgeless_graph_gets_a_valid_colouring() -> None:
    reduction = ColouringToPartition()
    graph = Colouring(n=3, edges=[], k=1)
    answer = solve(reduction.forward(graph))
    assert answer.status in SOLVED
    assert verify_colouring(graph, reduction.backward(answer).colour)


def test_r2_worked_example() -> None:
    """docs/reductions.md, R2 example: (x1 ∨ x2 ∨ ¬x3) ∧ (¬x1) ∧ (x3): 3 + 6 + 6 vertices, 3 + 9 + 12 + 1 edges."""
    formula = CnfFormula(n_vars=3, clauses=[[1, 2, -3], [-1], [3]])
    reduction = ThreeSatToColouring()
    graph = reduction.forward(formula)
    assert (graph.n, graph.n_edges) == (15, 3 + 9 + 12 + 1 + 1)
    colour = brute_force_colouring(graph)
    assert colour is not None
    assert reduction.backward(ColouringSolution(colour)).assignment == [False, True, True]
    unsat = CnfFormula(n_vars=3, clauses=[[1, 2, -3], [-1], [3], [-2]])
    assert brute_force_colouring(ThreeSatToColouring().forward(unsat)) is None


def test_r2_empty_clause_gives_an_uncolourable_graph() -> None:
    graph = ThreeSatToColouring().forward(CnfFormula(n_vars=1, clauses=[[1], []]))
    assert brute_force_colouring(graph) is None


def test_r1_self_loop_is_uncolourable_on_both_sides() -> None:
    graph = Colouring(n=2, edges=[(0, 1), (1, 1)], k=3)
    assert brute_force_colouring(graph) is None
    assert solve(ColouringToPartition().forward(graph), FAST).status is AnswerStatus.INFEASIBLE
