"""Our DRUP checkers (forward `rup`, `backward`) against the formally verified `drup` on 100+ CaDiCaL proofs.

Valid proofs: every checker accepts, and drup accepts the backward checker's trimmed proof (its core). Tampered
proofs (a lemma removed or changed, a formula clause dropped, the proof truncated, a wrong lemma inserted): `rup`
never accepts what drup rejects; `backward` checks only the lemmas the refutation uses, so it may accept a proof
whose wrong lemma is unused, but drup must then accept the lemmas it did use. Both must reject many tamperings.
"""

from __future__ import annotations

import functools
import json
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import assume, event, given
from hypothesis import strategies as st
from pysat.solvers import Solver
from typer.testing import CliRunner

import solvers.proofs as proofs
from bench.checkers import pigeonhole_cnf, random_3sat_cnf, solver_proof, uniqueness_cnf_of
from latentsat.cli import app
from problems.answers import AnswerStatus, SolveOptions
from problems.generate import planted_partition
from problems.partition import PartitionInstance
from reductions.partition_to_cnf import PartitionToCnf
from solvers.drup_backward import check_backward
from solvers.pipeline import solve
from solvers.proofs import (
    Checker,
    check_proof,
    check_steps_with_rup,
    check_with_drup,
    dimacs,
    parse_drup_steps,
    proof_text,
)

Steps = list[tuple[bool, list[int]]]


@dataclass(frozen=True)
class SolverProof:
    name: str
    formula: list[list[int]]
    steps: Steps

    @property
    def lemmas(self) -> list[list[int]]:
        return [clause for deletion, clause in self.steps if not deletion]


def uniqueness_cnf(groups: int, size: int, classes: int, n_samples: int, seed: int) -> list[list[int]] | None:
    """The direct CNF of a small planted instance plus the blocking clause of its first solution."""
    instance, _ = planted_partition(groups, size, classes, 2, n_samples=n_samples, seed=seed)
    return uniqueness_cnf_of(instance)


def infeasible_cnf(groups: int, size: int, n_samples: int, seed: int) -> list[list[int]]:
    """Planted with 3 classes per group, encoded with budgets of 2: infeasible when the samples show it."""
    instance, _ = planted_partition(groups, size, 3, 2, n_samples=n_samples, seed=seed)
    squeezed = PartitionInstance.from_arrays(instance.sizes, [2] * groups, instance.tokens, instance.raw_labels)
    return [list(clause) for clause in PartitionToCnf().forward(squeezed).clauses]


def candidate_formulas() -> list[tuple[str, list[list[int]] | None]]:
    formulas: list[tuple[str, list[list[int]] | None]] = [(f"php{h}", pigeonhole_cnf(h)) for h in range(2, 7)]
    for seed in range(14):
        for n_vars, ratio in [(12, 6.0), (18, 5.5), (25, 5.0), (32, 5.0), (40, 5.0), (50, 4.8)]:
            formulas.append((f"rand3-{n_vars}-{seed}", random_3sat_cnf(n_vars, ratio, seed)))
        formulas.append((f"unique-2x6-{seed}", uniqueness_cnf(2, 6, 2, 60, seed)))
        formulas.append((f"infeasible-2x6-{seed}", infeasible_cnf(2, 6, 40, seed)))
        formulas.append((f"infeasible-3x5-{seed}", infeasible_cnf(3, 5, 40, seed)))
    return formulas


@functools.cache
def corpus() -> tuple[SolverProof, ...]:
    """CaDiCaL's proofs of the unsatisfiable candidates (satisfiable ones are skipped)."""
    found = []
    for name, formula in candidate_formulas():
        solved = solver_proof(formula) if formula is not None else None
        if formula is not None and solved is not None:
            found.append(SolverProof(name, formula, parse_drup_steps(proof_text(solved[0]))))
    return tuple(found)


def test_the_corpus_has_over_100_distinct_proofs_from_every_family() -> None:
    distinct = {(dimacs(p.formula), repr(p.steps)) for p in corpus()}
    assert len(distinct) >= 100
    families = Counter(p.name.split("-")[0].rstrip("0123456789") for p in corpus())
    assert families["php"] == 5 and families["rand"] >= 40 and families["unique"] >= 5 and families["infeasible"] >= 10
    assert sum(any(deletion for deletion, _ in p.steps) for p in corpus()) >= 20  # deletions are exercised


def test_every_checker_accepts_every_solver_proof_and_drup_accepts_the_backward_core() -> None:
    for proof in corpus():
        assert check_with_drup(proof.formula, proof.lemmas), proof.name
        assert check_steps_with_rup(proof.formula, proof.steps), proof.name
        result = check_backward(proof.formula, proof.steps)
        assert result.valid, (proof.name, result.reason)
        assert check_with_drup(proof.formula, [proof.lemmas[i] for i in result.core]), proof.name


def test_the_rup_checker_accepts_solver_proofs_with_every_rebuild_and_no_fallback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rebuilding MiniSat from the live clauses at every deletion: CaDiCaL's proofs stay valid without the retry."""
    monkeypatch.setattr(proofs, "check_with_rup", lambda formula, lemmas: pytest.fail("fell back"))
    with_deletions = [p for p in corpus() if any(deletion for deletion, _ in p.steps)][:20]
    for proof in with_deletions:
        assert check_steps_with_rup(proof.formula, proof.steps, rebuild_after=1), proof.name


def tamperings(proof: SolverProof, seed: int) -> list[tuple[str, list[list[int]], Steps]]:
    """(kind, formula, steps) copies, each changed once where the refutation relies on it."""
    rng = random.Random(seed)
    used = check_backward(proof.formula, proof.steps)
    additions = [i for i, (deletion, _) in enumerate(proof.steps) if not deletion]
    copies: list[tuple[str, list[list[int]], Steps]] = []
    if used.core:
        target = additions[rng.choice(used.core)]
        copies.append(("remove lemma", proof.formula, proof.steps[:target] + proof.steps[target + 1 :]))
        lemma = list(proof.steps[target][1])
        if lemma:
            flip = rng.randrange(len(lemma))
            lemma[flip] = -lemma[flip]
            copies.append(
                ("flip literal", proof.formula, [*proof.steps[:target], (False, lemma), *proof.steps[target + 1 :]])
            )
    if used.formula_core:
        dropped = rng.choice(used.formula_core)
        copies.append(("drop formula clause", proof.formula[:dropped] + proof.formula[dropped + 1 :], proof.steps))
    copies.append(("truncate", proof.formula, proof.steps[: len(proof.steps) // 2]))
    wrong = non_rup_unit(proof.formula, rng)
    if wrong is not None:
        where = rng.randrange(len(proof.steps) // 2 + 1)
        copies.append(
            ("insert wrong lemma", proof.formula, [*proof.steps[:where], (False, [wrong]), *proof.steps[where:]])
        )
    return copies


def non_rup_unit(formula: list[list[int]], rng: random.Random) -> int | None:
    """A unit clause that unit propagation does not derive from the formula (so drup must reject it up front)."""
    n_vars = max(abs(lit) for clause in formula for lit in clause)
    with Solver(name="minisat22", bootstrap_with=formula) as propagator:
        for _ in range(20):
            lit = rng.choice([1, -1]) * rng.randint(1, n_vars)
            if propagator.propagate(assumptions=[-lit])[0]:
                return lit
    return None


def test_tampered_proofs_rup_never_outruns_drup_and_backward_only_on_lemmas_it_did_not_use() -> None:
    total: Counter[str] = Counter()
    rejected: dict[str, Counter[str]] = {"drup": Counter(), "rup": Counter(), "backward": Counter()}
    for seed, proof in enumerate(corpus()):
        for kind, formula, steps in tamperings(proof, seed):
            lemmas = [clause for deletion, clause in steps if not deletion]
            drup_ok = check_with_drup(formula, lemmas)
            rup_ok = check_steps_with_rup(formula, steps)
            backward = check_backward(formula, steps)
            assert not rup_ok or drup_ok, (proof.name, kind)
            if backward.valid:  # sound: drup confirms the refutation made of the lemmas it checked
                assert check_with_drup(formula, [lemmas[i] for i in backward.core]), (proof.name, kind)
            total[kind] += 1
            for name, ok in (("drup", drup_ok), ("rup", rup_ok), ("backward", backward.valid)):
                rejected[name][kind] += not ok
    assert set(total) == {"remove lemma", "flip literal", "drop formula clause", "truncate", "insert wrong lemma"}
    assert sum(total.values()) >= 400
    for kind, count in total.items():  # not vacuous: each kind of tampering is caught often
        assert rejected["rup"][kind] >= count // 4, (kind, rejected["rup"][kind], count)
        assert rejected["backward"][kind] >= count // 10, (kind, rejected["backward"][kind], count)
    # drup also takes RAT steps, so it may accept a unit that is not RUP; ours takes RUP steps only
    assert rejected["rup"]["insert wrong lemma"] >= 3 * total["insert wrong lemma"] // 4


def test_backward_checker_edge_cases() -> None:
    refuted_by_propagation = [[1], [-1, 2], [-2]]
    assert check_backward(refuted_by_propagation, []).valid
    satisfiable_looking = [[1, 2], [1, -2], [-1, 3], [-1, -3]]  # unsatisfiable, not by propagation alone
    assert not check_backward(satisfiable_looking, [(False, [])]).valid  # the empty clause is not RUP here
    assert not check_backward(satisfiable_looking, [(False, [1, 3])]).valid  # RUP, but no conflict follows
    assert check_backward(satisfiable_looking, [(False, [1]), (False, []), (False, [7])]).valid  # junk after the end
    assert check_backward(satisfiable_looking, [(False, [5]), (False, [1])]).valid  # a wrong lemma, unused
    assert not check_backward([[1, 2], [1, -2]], [(False, [-1]), (False, [])]).valid  # a wrong lemma, used


def test_deleting_a_reason_clause_keeps_its_literal() -> None:
    """drat-trim's rule: the deletion of a clause that propagated a top-level literal is ignored."""
    formula = [[1, 2], [1, -2], [-1, 3], [-3, 4, 5], [-3, 4, -5], [-4, 6], [-4, -6]]
    steps: Steps = [(False, [1]), (True, [-1, 3]), (False, [4]), (False, [])]
    assert check_with_drup(formula, [[1], [4], []])
    assert check_backward(formula, steps).valid
    assert check_steps_with_rup(formula, steps)


@pytest.mark.parametrize("checker", [Checker.RUP, Checker.BACKWARD])
def test_check_proof_runs_each_checker_on_texts(checker: Checker) -> None:
    proof = next(p for p in corpus() if p.name == "php5")
    text = "".join(("d " if deletion else "") + " ".join(map(str, clause)) + " 0\n" for deletion, clause in proof.steps)
    assert check_proof(dimacs(proof.formula), text, checker) == (True, checker)
    assert check_proof(dimacs(proof.formula[1:]), text, checker)[0] is False
    assert check_proof(dimacs(proof.formula), "1 2 x 0\n", checker)[0] is False


def test_the_backward_checker_is_an_option_of_solve_and_of_latentsat_check(tmp_path: Path) -> None:
    from tests.test_certificates import infeasible_instance

    instance = infeasible_instance()
    answer = solve(instance, SolveOptions(checker="backward"))
    assert answer.status is AnswerStatus.INFEASIBLE
    assert answer.certificate is not None and answer.certificate.checked and answer.certificate.checker == "backward"
    bundle = tmp_path / "bundle.json"
    bundle.write_text(json.dumps({"instance": instance.to_json_dict(), "answer": answer.model_dump(mode="json")}))
    checked = CliRunner().invoke(app, ["check", str(bundle), "--checker", "backward"])
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout)["ok"] is True and json.loads(checked.stdout)["checker"] == "backward"


def mutate(formula: list[list[int]], steps: Steps, data: st.DataObject) -> tuple[list[list[int]], Steps]:
    """A few random edits: a step removed, a literal flipped, a clause inserted or turned into a deletion, a
    formula clause dropped."""
    formula, steps = list(formula), list(steps)
    n_vars = max(abs(lit) for clause in formula for lit in clause)
    for _ in range(data.draw(st.integers(1, 4))):
        edit = data.draw(st.sampled_from(["remove", "flip", "insert", "to deletion", "drop"]))
        if edit == "drop":
            formula.pop(data.draw(st.integers(0, len(formula) - 1)))
            continue
        if edit == "insert":
            lits = data.draw(
                st.lists(st.integers(1, n_vars).map(lambda v: v * data.draw(st.sampled_from([1, -1]))), max_size=3)
            )
            steps.insert(data.draw(st.integers(0, len(steps))), (False, lits))
            continue
        if not steps:
            continue
        at = data.draw(st.integers(0, len(steps) - 1))
        deletion, lits = steps[at]
        if edit == "remove":
            steps.pop(at)
        elif edit == "to deletion":
            steps[at] = (True, lits)
        elif lits:
            flip = data.draw(st.integers(0, len(lits) - 1))
            steps[at] = (deletion, [*lits[:flip], -lits[flip], *lits[flip + 1 :]])
    return formula, steps


@functools.cache
def small_solver_proof(seed: int) -> tuple[list[list[int]], Steps] | None:
    formula = random_3sat_cnf(14, 5.5, seed)
    solved = solver_proof(formula)
    return None if solved is None else (formula, parse_drup_steps(proof_text(solved[0])))


@given(seed=st.integers(0, 30), data=st.data())
def test_mutated_solver_proofs_never_fool_our_checkers(seed: int, data: st.DataObject) -> None:
    """Whatever ours accept after random edits, the formula is unsatisfiable and drup agrees (on the core)."""
    proof = small_solver_proof(seed)
    assume(proof is not None)
    formula, steps = mutate(*proof, data)
    lemmas = [clause for deletion, clause in steps if not deletion]
    if check_steps_with_rup(formula, steps):
        assert check_with_drup(formula, lemmas)
    backward = check_backward(formula, steps)
    event(f"backward {'accepts' if backward.valid else 'rejects'}, core of {min(len(backward.core), 3)}+")
    if backward.valid:
        with Solver(name="minisat22", bootstrap_with=formula) as solver:
            assert solver.solve() is False
        assert check_with_drup(formula, [lemmas[i] for i in backward.core])


@given(st.lists(st.tuples(st.booleans(), st.lists(st.integers(-50, 50).filter(bool), max_size=5)), max_size=12))
def test_the_proof_parser_reads_back_what_was_written(steps: Steps) -> None:
    text = "".join(("d " if deletion else "") + " ".join(map(str, clause)) + " 0\n" for deletion, clause in steps)
    assert parse_drup_steps(text) == steps
    assert parse_drup_steps("p cnf 50 1\n" + text.replace("d ", "")) == [(False, clause) for _, clause in steps]


@pytest.mark.parametrize("text", ["1 2 x 0\n", "1 d 2 0\n", "1 -2\n", "1 --2 0\n", "1-2 0\n", "d\n"])
def test_malformed_proof_text_is_refused(text: str) -> None:
    with pytest.raises(proofs.MalformedProof):
        parse_drup_steps(text)
