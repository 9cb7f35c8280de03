"""An independent judge of answers on tiny instances, for the forgery fuzzer.

It shares no code with `latentsat check` beyond the definitions themselves (the encoders that define which CNF a
proof must refute, φ, X*, H): the truth comes from brute force over every partition (or grid point, colouring,
assignment), proofs are judged by the formally verified `drup` checker after a token-by-token reading, and the
documented evidence rules (README "Certificates") are coded again from scratch. A mutated answer is genuine when
its claim is true and it carries exactly the evidence its status needs.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import re
from collections import Counter
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

from problems.answers import Answer, Certificate
from problems.lsa.answer import LsaAnswer
from problems.partition import PartitionInstance, PartitionSolution, instance_from_dict
from reductions.partition_to_cnf import PartitionToCnf, PartitionToMaxSat
from reductions.partition_to_fast_cnf import PartitionToFastCnf
from solvers.proofs import check_with_drup, dimacs
from tests.forgery_oracle_lists import clique_ok, solution_list_ok
from tests.test_proof_text import reference_steps

NOTES = {"kind", "checked", "claim", "checker", "check_s"}
CARRIES = {
    "drup": {"encoder", "encoder_version", "instance_sha256", "cnf_sha256", "cnf", "proof", "proof_sha256"}
    | {"extra_clauses", "variables"},
    "pigeonhole": {"instance_sha256", "samples"},
    "clique": {"instance_sha256", "group", "tokens", "sample_pairs"},
    "solution": set(),
    "partial": set(),
    "none": set(),
    "violation-bound": set(),
}
ENCODERS = {cls.name: cls for cls in (PartitionToCnf, PartitionToMaxSat, PartitionToFastCnf)}
DIRECT, FAST = PartitionToCnf.name, PartitionToFastCnf.name


def _fields_ok(model: Any, data: Any) -> bool:
    if not isinstance(data, dict) or not set(data) <= set(model.model_fields):
        return False
    nested = [data.get("certificate"), data.get("target_certificate")]
    if any(isinstance(c, dict) and not set(c) <= set(Certificate.model_fields) for c in nested):
        return False
    table = data.get("table") if model is Answer else None
    return not isinstance(table, list) or all(isinstance(e, dict) and set(e) <= {"cell", "label"} for e in table)


def _parses(model: Any, data: Any) -> bool:
    try:
        model.model_validate_json(json.dumps(data), strict=True)
    except ValueError:  # pydantic's ValidationError: not an answer
        return False
    return _fields_ok(model, data)


def _evidence(certificate: dict[str, Any] | None) -> set[str]:
    if certificate is None:
        return set()
    return {k for k, v in certificate.items() if v not in (None, []) and k not in NOTES}


def _kind_ok(certificate: dict[str, Any] | None, kinds: set[str | None]) -> bool:
    kind = certificate.get("kind") if certificate is not None else None
    return kind in kinds and _evidence(certificate) <= CARRIES.get(kind or "none", set())


# ---------------------------------------------------------------- partitions: brute force


def _growth_strings(n: int, k: int) -> Iterator[tuple[int, ...]]:
    """Canonical class sequences of n tokens in at most k classes (restricted growth strings)."""
    if n == 0:
        yield ()
        return
    for head in _growth_strings(n - 1, k):
        for c in range(min(max(head, default=-1) + 2, k)):
            yield (*head, c)


_PARTITIONS: dict[str, dict[tuple[tuple[int, ...], ...], int]] = {}


def _partitions(instance: PartitionInstance) -> dict[tuple[tuple[int, ...], ...], int]:
    """Every canonical partition → the fewest samples it leaves unexplained (the best table for it)."""
    if instance.sha256 not in _PARTITIONS:
        _PARTITIONS[instance.sha256] = _enumerate(instance)
    return _PARTITIONS[instance.sha256]


def _enumerate(instance: PartitionInstance) -> dict[tuple[tuple[int, ...], ...], int]:
    tokens, labels = instance.tokens.tolist(), instance.raw_labels.tolist()
    used = [sorted({row[i] for row in tokens}) for i in range(instance.n_groups)]
    choices = []
    for i, constrained in enumerate(used):
        group = []
        for sequence in _growth_strings(len(constrained), instance.budgets[i]):
            classes = [0] * instance.sizes[i]
            for token, c in zip(constrained, sequence, strict=True):
                classes[token] = c
            group.append(tuple(classes))
        choices.append(group)
    out = {}
    for combo in itertools.product(*choices):
        cells: dict[tuple[int, ...], Counter] = {}
        for row, label in zip(tokens, labels, strict=True):
            cells.setdefault(tuple(combo[i][t] for i, t in enumerate(row)), Counter())[label] += 1
        out[combo] = sum(sum(c.values()) - max(c.values()) for c in cells.values())
    return out


def _bound(instance: PartitionInstance) -> int:
    return instance.n_samples if instance.max_violations == "minimize" else int(instance.max_violations)


def _canonical(instance: PartitionInstance, classes: list[list[int]]) -> list[list[int]]:
    out = []
    for i, group in enumerate(classes):
        seen: dict[int, int] = {}
        constrained = {row[i] for row in instance.tokens.tolist()}
        out.append([seen.setdefault(c, len(seen)) if t in constrained else 0 for t, c in enumerate(group)])
    return out


def _classes_ok(instance: PartitionInstance, classes: Any) -> bool:
    return (
        isinstance(classes, list)
        and len(classes) == instance.n_groups
        and all(
            isinstance(g, list) and len(g) == n and all(type(c) is int and 0 <= c < k for c in g)
            for g, n, k in zip(classes, instance.sizes, instance.budgets, strict=True)
        )
    )


def _solution_ok(instance: PartitionInstance, answer: dict[str, Any], bound: int) -> bool:
    classes, table = answer.get("classes"), answer.get("table")
    if not _classes_ok(instance, classes) or not isinstance(table, list) or classes != _canonical(instance, classes):
        return False
    cells = {}
    for entry in table:
        cell = entry["cell"]
        ok = len(cell) == instance.n_groups
        ok = ok and all(type(k) is int and 0 <= k < b for k, b in zip(cell, instance.budgets, strict=True))
        if not ok or tuple(cell) in cells:
            return False
        cells[tuple(cell)] = entry["label"]
    sample_cells = [tuple(classes[i][t] for i, t in enumerate(row)) for row in instance.tokens.tolist()]
    if not set(cells) <= set(sample_cells):
        return False
    labels = instance.raw_labels.tolist()
    recount = sum(1 for cell, y in zip(sample_cells, labels, strict=True) if cell not in cells or cells[cell] != y)
    used = [{row[i] for row in instance.tokens.tolist()} for i in range(instance.n_groups)]
    free = [[t for t in range(n) if t not in used[i]] for i, n in enumerate(instance.sizes)]
    unconstrained_ok = answer.get("unconstrained") in (None, free)
    return answer.get("violations") == recount and recount <= bound and unconstrained_ok


def _drup_ok(instance_sha: str, cert: dict[str, Any], encoder: Any, clauses: list[list[int]], extra: list) -> bool:
    text = dimacs(clauses)
    proof = cert.get("proof")
    if not (
        (cert.get("encoder"), cert.get("encoder_version")) == (encoder.name, encoder.version)
        and cert.get("instance_sha256") == instance_sha
        and (cert.get("extra_clauses") or []) == extra
        and cert.get("cnf_sha256") == hashlib.sha256(text.encode()).hexdigest()
        and cert.get("cnf") in (None, text)
        and cert.get("variables") in (None, json.loads(json.dumps(encoder.var_map())))
        and isinstance(proof, str)
        and cert.get("proof_sha256") in (None, hashlib.sha256(proof.encode()).hexdigest())
    ):
        return False
    n_vars = max((abs(lit) for clause in clauses for lit in clause), default=0)
    try:
        steps = reference_steps(proof, n_vars)
    except ValueError:
        return False
    return rup_refutation([list(c) for c in clauses], [c for deletion, c in steps if not deletion])


def rup_refutation(formula: list[list[int]], lemmas: list[list[int]]) -> bool:
    """A DRUP refutation, judged by the formally verified `drup` alone. That package also accepts RAT lemmas (it
    checks DRAT), so each lemma C it accepts is checked once more as RUP: drup must derive the empty clause, which
    has no pivot and so must be RUP, from the clauses so far and the units ¬C."""
    if not check_with_drup(formula, lemmas):
        return False
    known = list(formula)
    for lemma in lemmas:
        if not check_with_drup([*known, *([-lit] for lit in lemma)], [[]]):
            return False
        if not lemma:
            return True
        known.append(lemma)
    return check_with_drup(known, [[]])


def _refutes(instance: PartitionInstance, answer: dict[str, Any], encoders: set[str], what: str) -> bool:
    cert = answer["certificate"]
    if cert.get("encoder") not in encoders:
        return False
    encoder = ENCODERS[cert["encoder"]]()
    if what == "fewer":
        encoder.forward(instance)
        return _drup_ok(instance.sha256, cert, encoder, encoder.optimality_cnf(answer["violations"]).clauses, [])
    clauses = encoder.forward(instance).clauses
    if what == "encoding":
        return _drup_ok(instance.sha256, cert, encoder, clauses, [])
    if what == "others":  # docs/encodings.md, Claim 4: one blocking clause per listed solution, in order
        blocked = [encoder.blocking_clause(PartitionSolution(s, {})) for s in answer["solutions"]]
        return _drup_ok(instance.sha256, cert, encoder, [*clauses, *blocked], blocked)
    blocking = encoder.blocking_clause(PartitionSolution(answer["classes"], {}))
    return _drup_ok(instance.sha256, cert, encoder, [*clauses, blocking], [blocking])


def _pigeonhole_ok(instance: PartitionInstance, cert: dict[str, Any]) -> bool:
    samples, cells = cert.get("samples"), 1
    for k in instance.budgets:
        cells *= k
    labels = instance.raw_labels.tolist()
    return (
        instance.max_violations == 0
        and cert.get("instance_sha256") == instance.sha256
        and isinstance(samples, list)
        and len(samples) == cells + 1
        and all(type(s) is int and 0 <= s < instance.n_samples for s in samples)
        and len({labels[s] for s in samples}) == len(samples)
    )


def _alternative_ok(instance: PartitionInstance, answer: dict[str, Any]) -> bool:
    alternative = answer.get("alternative")
    if alternative is None:
        return True
    return (
        instance.max_violations == 0
        and _classes_ok(instance, alternative)
        and alternative == _canonical(instance, alternative)
        and _partitions(instance).get(tuple(map(tuple, alternative))) == 0
        and alternative != answer.get("classes")
    )


def _violated_recount(instance: PartitionInstance, answer: dict[str, Any]) -> list[int]:
    classes, table = answer["classes"], {tuple(e["cell"]): e["label"] for e in answer["table"]}
    labels = instance.raw_labels.tolist()
    cells = [tuple(classes[i][t] for i, t in enumerate(row)) for row in instance.tokens.tolist()]
    return [s for s, (cell, y) in enumerate(zip(cells, labels, strict=True)) if table.get(cell) != y]


def _part_ok(instance: PartitionInstance, part: dict[str, Any], encoder: Any) -> bool:
    """One part of a violation lower bound: its CNF regenerated by the (shared) part encoder, refuted by drup."""
    try:
        clauses = encoder().forward_part(instance, part["samples"], part["at_least"]).clauses
    except ValueError:
        return False
    n_vars = max((abs(lit) for clause in clauses for lit in clause), default=0)
    try:
        lemmas = [clause for deletion, clause in reference_steps(part["proof"], n_vars) if not deletion]
    except ValueError:  # MalformedProof
        return False
    same_cnf = hashlib.sha256(dimacs(clauses).encode()).hexdigest() == part["cnf_sha256"]
    return same_cnf and rup_refutation(clauses, lemmas)


def _noisy_fields_ok(instance: PartitionInstance, answer: dict[str, Any]) -> bool:
    """`violated`, `lower_bound`, `gap` and the bound certificate (docs/noisy.md), judged from scratch."""
    from reductions.partition_part_to_cnf import PartitionPartToCnf

    violated, lower, gap = answer.get("violated"), answer.get("lower_bound"), answer.get("gap")
    bound_cert = answer.get("lower_bound_certificate")
    if instance.max_violations == 0:
        return violated is None and lower is None and gap is None and bound_cert is None
    if violated is not None and (answer.get("classes") is None or violated != _violated_recount(instance, answer)):
        return False
    if lower is None:
        return gap is None and bound_cert is None
    if not isinstance(bound_cert, dict) or (bound_cert["encoder"], bound_cert["encoder_version"]) != (
        PartitionPartToCnf.name,
        PartitionPartToCnf.version,
    ):
        solution = answer.get("violations")
        return lower == 0 and bound_cert is None and solution is not None and gap == solution
    samples = [s for part in bound_cert["parts"] for s in part["samples"]]
    return (
        bound_cert["instance_sha256"] == instance.sha256
        and len(samples) == len(set(samples))
        and sum(part["at_least"] for part in bound_cert["parts"]) == lower
        and lower <= min(_partitions(instance).values())
        and (answer.get("violations") is None or gap == answer["violations"] - lower)
        and all(_part_ok(instance, part, PartitionPartToCnf) for part in bound_cert["parts"])
    )


def partition_genuine(instance: PartitionInstance, answer: dict[str, Any]) -> bool:
    if not _parses(Answer, answer):
        return False
    if answer.get("classes") is not None and not _classes_ok(instance, answer["classes"]):
        return False
    if not _noisy_fields_ok(instance, answer):
        return False
    solutions = {p for p, v in _partitions(instance).items() if v == 0}
    if not solution_list_ok(instance, answer, solutions, _canonical):
        return False
    if (answer.get("certificate") or {}).get("kind") == "violation-bound":
        return _bound_status_ok(instance, answer)
    status, cert, mv = answer["status"], answer.get("certificate"), instance.max_violations
    parts, none = _partitions(instance), all(answer.get(k) is None for k in ("classes", "table", "violations"))
    none = none and answer.get("unconstrained") is None and answer.get("alternative") is None
    if status == "solved" and answer.get("count_exact"):
        solution_ok = _solution_ok(instance, answer, 0) and _alternative_ok(instance, answer)
        return solution_ok and _kind_ok(cert, {"drup"}) and _refutes(instance, answer, {DIRECT, FAST}, "others")
    if status == "solved":
        solution_ok = _solution_ok(instance, answer, _bound(instance))
        return solution_ok and _kind_ok(cert, {"solution"}) and _alternative_ok(instance, answer)
    if status == "unique":
        zero = [p for p, v in parts.items() if v == 0]
        solution_ok = mv == 0 and _solution_ok(instance, answer, 0) and answer.get("alternative") is None
        true = zero == [tuple(map(tuple, answer.get("classes") or []))]
        if not (solution_ok and true):
            return False
        return _kind_ok(cert, {"drup"}) and _refutes(instance, answer, {DIRECT, FAST}, "rivals")
    if status == "infeasible":
        if mv == "minimize" or not none or min(parts.values()) <= _bound(instance):
            return False
        if _kind_ok(cert, {"pigeonhole"}):
            return _pigeonhole_ok(instance, cert)
        if _kind_ok(cert, {"clique"}):
            return clique_ok(instance, cert)
        allowed = {DIRECT, FAST} if mv == 0 else {DIRECT}
        return _kind_ok(cert, {"drup"}) and _refutes(instance, answer, allowed, "encoding")
    if status == "optimal":
        if mv != "minimize" or not _solution_ok(instance, answer, instance.n_samples) or answer.get("alternative"):
            return False
        if answer["violations"] != min(parts.values()):
            return False
        if answer["violations"] == 0:
            return _kind_ok(cert, {"solution"})
        return _kind_ok(cert, {"drup"}) and _refutes(instance, answer, {PartitionToMaxSat.name}, "fewer")
    if status == "unknown":
        if none and _kind_ok(cert, {"drup"}):  # an unchecked refutation kept for a later check (solvers/claims.py)
            allowed = {DIRECT, FAST} if mv == 0 else {DIRECT}
            infeasible = mv != "minimize" and min(parts.values()) > _bound(instance)
            return infeasible and _refutes(instance, answer, allowed, "encoding")
        if none:
            return _kind_ok(cert, {None, "none"})
        ok = _solution_ok(instance, answer, instance.n_samples) and answer.get("alternative") is None
        return ok and _kind_ok(cert, {"partial"})
    return False


def _bound_status_ok(instance: PartitionInstance, answer: dict[str, Any]) -> bool:
    """A status certified by the proven lower bound alone: `optimal` (bound = violations = the true optimum) or
    `infeasible` (bound > k)."""
    lower, mv = answer.get("lower_bound"), instance.max_violations
    if not _kind_ok(answer.get("certificate"), {"violation-bound"}) or lower is None:
        return False
    if answer["status"] == "optimal":
        ok = mv == "minimize" and _solution_ok(instance, answer, instance.n_samples)
        return ok and answer["violations"] == lower and answer.get("alternative") is None
    none = all(answer.get(k) is None for k in ("classes", "table", "violations", "unconstrained", "alternative"))
    return answer["status"] == "infeasible" and isinstance(mv, int) and lower > mv and none


def genuine(kind: str, instance_data: dict[str, Any], answer: Any) -> bool:
    """True when `answer` is a genuine answer to `instance_data` (a partition/lsa instance, or a reduction map)."""
    from tests.forgery_oracle_more import lifted_genuine, lsa_genuine

    if not isinstance(answer, dict):
        return False
    if kind == "partition":
        return partition_genuine(_instance(json.dumps(instance_data, sort_keys=True)), answer)
    if kind == "lsa":
        return _parses(LsaAnswer, answer) and lsa_genuine(instance_data, answer)
    return lifted_genuine(instance_data, answer)


@functools.cache
def _instance(text: str) -> PartitionInstance:
    return instance_from_dict(json.loads(text))


def exact(text: Any) -> Fraction | None:
    """A wire rational 'p/q' or 'p', or None."""
    if not isinstance(text, str) or not re.fullmatch(r"-?[0-9]{1,50}(/[1-9][0-9]{0,49})?", text):
        return None
    return Fraction(text)
