"""Certificates: DRUP proofs are checked, tampering is rejected, and our RUP checker never outruns drup."""

from __future__ import annotations

import json

import numpy as np
import pytest
from pysat.examples.genhard import PHP
from pysat.solvers import Solver
from typer.testing import CliRunner

from latentsat.cli import app
from problems.answers import Answer, AnswerStatus, SolveOptions
from problems.generate import planted_partition
from problems.partition import PartitionInstance
from solvers.certificates import check_answer
from solvers.pipeline import solve
from solvers.proofs import Checker, check_proof, check_with_drup, check_with_rup, dimacs, parse_dimacs, parse_drup

runner = CliRunner()


def pigeonhole_proof(holes: int) -> tuple[str, str]:
    formula = PHP(holes)
    with Solver(name="cadical195", bootstrap_with=formula.clauses, with_proof=True) as solver:
        assert solver.solve() is False
        return dimacs(formula.clauses), "\n".join(solver.get_proof()) + "\n"


def infeasible_instance() -> PartitionInstance:
    """Planted with 3 classes per group but budgets of 2: identifiable tables make it infeasible.

    This seed's refutation is not found by unit propagation alone, so removing lemmas can break the proof, and
    its must-differ graphs have no triangle, so it is refuted by a DRUP proof, not by a clique certificate.
    """
    instance, _ = planted_partition(3, 8, 3, 2, n_samples=60, seed=2)
    return PartitionInstance.from_arrays(instance.sizes, [2, 2, 2], instance.tokens, instance.raw_labels)


@pytest.mark.parametrize("holes", [3, 4, 5])
def test_both_checkers_accept_solver_proofs(holes: int) -> None:
    cnf, proof = pigeonhole_proof(holes)
    assert check_proof(cnf, proof, Checker.DRUP) == (True, Checker.DRUP)
    assert check_proof(cnf, proof, Checker.RUP) == (True, Checker.RUP)


@pytest.mark.parametrize("holes", [4, 5])
def test_rup_checker_never_accepts_what_drup_rejects(holes: int) -> None:
    """Cross-check on every single-lemma removal and on lemmas with a literal flipped (tampered proofs)."""
    cnf, proof = pigeonhole_proof(holes)
    formula, lemmas = parse_dimacs(cnf), parse_drup(proof)
    tampered = [lemmas[:i] + lemmas[i + 1 :] for i in range(len(lemmas))]
    tampered += [
        [*lemmas[:i], [-lemmas[i][0], *lemmas[i][1:]], *lemmas[i + 1 :]] for i in range(len(lemmas)) if lemmas[i]
    ]
    rejected_by_rup = 0
    for candidate in tampered:
        rup_ok = check_with_rup(formula, candidate)
        assert not rup_ok or check_with_drup(formula, candidate)
        rejected_by_rup += not rup_ok
    assert rejected_by_rup > len(tampered) // 4  # the tampering is not vacuous


def test_empty_or_garbage_proofs_are_rejected() -> None:
    cnf, _ = pigeonhole_proof(4)
    for checker in (Checker.DRUP, Checker.RUP, Checker.BACKWARD):
        assert check_proof(cnf, "0\n", checker)[0] is False
        assert check_proof(cnf, "1 2 x 0\n", checker)[0] is False


def test_infeasible_answer_rechecks_from_scratch() -> None:
    instance = infeasible_instance()
    answer = solve(instance, SolveOptions())
    assert answer.status is AnswerStatus.INFEASIBLE
    assert answer.certificate is not None and answer.certificate.checked
    assert check_answer(instance, answer).ok
    assert check_answer(instance, answer, Checker.DRUP).ok


def tampered_copies(answer: Answer) -> list[tuple[str, Answer]]:
    """One lemma removed (each position tried until drup rejects), one lemma changed, the CNF changed."""
    assert answer.certificate is not None and answer.certificate.proof
    lines = answer.certificate.proof.splitlines()
    copies = []
    for i, line in enumerate(lines):
        if not line.startswith("d") and line.strip() != "0":
            proof = "\n".join(lines[:i] + lines[i + 1 :]) + "\n"
            cert = answer.certificate.model_copy(update={"proof": proof, "proof_sha256": None})  # no hash to trip on
            copies.append((f"removed lemma {i}", answer.model_copy(update={"certificate": cert})))
    changed = [("0" if line.strip() == "0" else "1 0") if i == 0 else line for i, line in enumerate(lines)]
    cert = answer.certificate.model_copy(update={"proof": "\n".join(changed) + "\n", "proof_sha256": None})
    copies.append(("changed first lemma to a unit", answer.model_copy(update={"certificate": cert})))
    cnf = answer.certificate.cnf or ""
    cert = answer.certificate.model_copy(update={"cnf": cnf.replace(" 0\n", " 0\n", 1) + "1 0\n"})
    copies.append(("changed CNF", answer.model_copy(update={"certificate": cert})))
    return copies


def test_tampered_infeasibility_proofs_are_rejected() -> None:
    """Every tampered copy is scanned with the fast checker; the rejections it reports are confirmed by drup."""
    instance = infeasible_instance()
    answer = solve(instance, SolveOptions(backend="pysat", checker="drup"))  # the direct CNF needs a real proof
    assert answer.certificate is not None and answer.certificate.cnf and answer.certificate.proof
    copies = tampered_copies(answer)
    verdicts = {name: check_answer(instance, copy, Checker.RUP).ok for name, copy in copies}
    assert verdicts["changed CNF"] is False
    rejected = [copy for name, copy in copies if name.startswith("removed") and not verdicts[name]]
    assert rejected, "removing lemmas never broke the proof: the check would be vacuous"
    formula = parse_dimacs(answer.certificate.cnf)
    for copy in rejected[:5]:
        assert copy.certificate is not None and copy.certificate.proof is not None
        assert check_with_drup(formula, parse_drup(copy.certificate.proof)) is False
        assert check_answer(instance, copy, Checker.DRUP).ok is False


def test_unique_answer_certificate_and_tampered_classes() -> None:
    instance, truth = planted_partition(3, 12, 2, 2, n_samples=200, seed=4)
    answer = solve(instance, SolveOptions(unique=True))
    assert answer.status is AnswerStatus.UNIQUE
    assert answer.classes == truth.classes
    assert check_answer(instance, answer).ok
    # another partition's blocking clause differs, so the proof no longer matches the regenerated CNF
    moved = [list(c) for c in answer.classes]
    moved[0][-1] = 1 - moved[0][-1]
    assert not check_answer(instance, answer.model_copy(update={"classes": moved})).ok


def test_cli_check_rejects_a_tampered_bundle(tmp_path) -> None:
    instance = infeasible_instance()
    source = tmp_path / "inst.json"
    source.write_text(json.dumps(instance.to_json_dict()))
    bundle = tmp_path / "cert.json"
    # the direct CNF: the fast CNF of this instance may be refuted by unit propagation, so "0" would be a valid proof
    solved = runner.invoke(app, ["solve", str(source), "--backend", "pysat", "--bundle", str(bundle)])
    assert solved.exit_code == 0, solved.output
    assert json.loads(solved.stdout)["status"] == "infeasible"
    ok = runner.invoke(app, ["check", str(bundle)])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["ok"] is True
    data = json.loads(bundle.read_text())
    data["answer"]["certificate"]["proof"] = "0\n"
    bundle.write_text(json.dumps(data))
    rejected = runner.invoke(app, ["check", str(bundle)])
    assert rejected.exit_code == 1
    assert json.loads(rejected.stdout)["ok"] is False


@pytest.mark.parametrize("solver", ["minisat22", "maplesat", "glucose4"])
def test_solvers_without_trusted_proofs_are_certified_by_cadical(solver: str) -> None:
    """MiniSat logs no proof and MapleSAT's proofs fail drup: infeasibility is then re-proved by CaDiCaL."""
    instance = infeasible_instance()
    answer = solve(instance, SolveOptions(backend="pysat", solver=solver))
    assert answer.status is AnswerStatus.INFEASIBLE
    assert answer.stats["solver"] == solver
    assert answer.certificate is not None and answer.certificate.checked
    assert check_answer(instance, answer, Checker.DRUP).ok


def test_a_proof_check_that_runs_out_of_time_is_marked_unchecked() -> None:
    from reductions.partition_to_cnf import PartitionToCnf
    from solvers.certify import drup_certificate as checked_drup_certificate

    cnf_text, proof = pigeonhole_proof(7)
    cnf, lines = parse_dimacs(cnf_text), proof.splitlines()
    common = {"claim": "PHP(7)", "encoder": PartitionToCnf(), "instance_sha256": "0" * 64, "embed_cnf": False}
    late = checked_drup_certificate(cnf, lines, Checker.RUP, seconds=0.0, **common)
    assert late.checked is False and late.proof
    in_time = checked_drup_certificate(cnf, lines, Checker.RUP, seconds=60.0, **common)
    assert in_time.checked is True and in_time.checker == "rup"


def test_more_distinct_labels_than_cells_is_infeasible_by_counting() -> None:
    """27 cells and 200 distinct float labels: answered at once, certified by 28 samples, tampering rejected."""
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 50, size=(200, 3))
    instance = PartitionInstance.from_arrays([50, 50, 50], [3, 3, 3], tokens, rng.random(200).tolist())
    answer = solve(instance, SolveOptions(backend="fast"))
    assert answer.status is AnswerStatus.INFEASIBLE
    assert answer.certificate is not None and answer.certificate.kind == "pigeonhole"
    assert answer.certificate.samples is not None and len(answer.certificate.samples) == 28
    assert check_answer(instance, answer).ok
    short = answer.certificate.model_copy(update={"samples": answer.certificate.samples[:-1]})
    assert not check_answer(instance, answer.model_copy(update={"certificate": short})).ok
    repeated = answer.certificate.model_copy(update={"samples": [0] * 28})
    assert not check_answer(instance, answer.model_copy(update={"certificate": repeated})).ok
    same_label = PartitionInstance.from_arrays([50, 50, 50], [3, 3, 3], tokens, [0] * 200)
    assert not check_answer(same_label, answer).ok  # another instance: the hash and the labels disagree
