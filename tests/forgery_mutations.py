"""Mutations of genuine answers for the forgery fuzzer: every field an answer can lie in.

Each operator takes a deep copy of an answer and changes one thing (status, violations, classes, table, the
certificate's kind, proof, extra clauses, hashes, encoder name and version, pigeonhole samples, LSA values and fit,
lifted solutions...), or returns None when it does not apply. Some mutations leave a genuine answer (a tautology
added to a proof, a note changed, colours permuted): the oracle decides, never the operator.
"""

from __future__ import annotations

import copy
import hashlib
import random
from collections.abc import Callable
from typing import Any

from tests.forgery_corpus import Genuine

Answer = dict[str, Any]
Operator = Callable[[Answer, random.Random, Genuine], Answer | None]
STATUSES = ("solved", "unique", "infeasible", "optimal", "unknown")
KINDS = ("drup", "pigeonhole", "clique", "solution", "partial", "none")
ENCODERS = (
    "partition->cnf",
    "partition->wcnf",
    "partition->cnf+implied∘partition->quotient",
    "bilinear-grid->cnf",
    "bogus",
)


def _cert(answer: Answer) -> dict[str, Any] | None:
    key = "target_certificate" if "target_certificate" in answer else "certificate"
    value = answer.get(key)
    return value if isinstance(value, dict) else None


def _on_cert(change: Callable[[dict[str, Any], random.Random], bool | None]) -> Operator:
    def operator(answer: Answer, rng: random.Random, _: Genuine) -> Answer | None:
        certificate = _cert(answer)
        return answer if certificate is not None and change(certificate, rng) is not False else None

    return operator


def _set(key: str, value: Any) -> Operator:
    def operator(answer: Answer, rng: random.Random, _: Genuine) -> Answer | None:
        answer[key] = copy.deepcopy(value)
        return answer

    return operator


def _set_cert(key: str, value: Any) -> Operator:
    def change(certificate: dict[str, Any], rng: random.Random) -> None:
        certificate[key] = copy.deepcopy(value)

    return _on_cert(change)


def _proof_lines(change: Callable[[list[str], random.Random], list[str] | None]) -> Operator:
    def inner(certificate: dict[str, Any], rng: random.Random) -> bool:
        proof = certificate.get("proof")
        if not isinstance(proof, str):
            return False
        lines = change(proof.splitlines(), rng)
        if lines is None:
            return False
        certificate["proof"] = "\n".join(lines) + ("\n" if lines else "")
        _rehash(certificate)
        return True

    return _on_cert(inner)


def _rehash(certificate: dict[str, Any]) -> None:
    """A forger who edits the proof fixes its hash too: what must catch the edit is the proof check."""
    if isinstance(certificate.get("proof_sha256"), str) and isinstance(certificate.get("proof"), str):
        certificate["proof_sha256"] = hashlib.sha256(certificate["proof"].encode()).hexdigest()


def _new_proof(text: str) -> Operator:
    def change(certificate: dict[str, Any], rng: random.Random) -> None:
        certificate["proof"] = text
        _rehash(certificate)

    return _on_cert(change)


def _n_vars(lines: list[str]) -> int:
    return max((abs(int(t)) for line in lines for t in line.split() if t not in ("d", "0")), default=1)


def _remove_line(lines: list[str], rng: random.Random) -> list[str] | None:
    if not lines:
        return None
    at = rng.randrange(len(lines))
    return lines[:at] + lines[at + 1 :]


def _flip_literal(lines: list[str], rng: random.Random) -> list[str] | None:
    candidates = [i for i, line in enumerate(lines) if len(line.split()) > 1 and not line.startswith("d")]
    if not candidates:
        return None
    at = rng.choice(candidates)
    words = lines[at].split()
    k = rng.randrange(len(words) - 1)
    words[k] = str(-int(words[k]))
    return [*lines[:at], " ".join(words), *lines[at + 1 :]]


def _insert(make: Callable[[list[str], random.Random], str]) -> Callable[[list[str], random.Random], list[str]]:
    def change(lines: list[str], rng: random.Random) -> list[str]:
        at = rng.randrange(len(lines) + 1)
        return [*lines[:at], make(lines, rng), *lines[at:]]

    return change


def _random_lemma(lines: list[str], rng: random.Random) -> str:
    n = _n_vars(lines)
    return " ".join(str(rng.choice([1, -1]) * rng.randint(1, n)) for _ in range(rng.randint(1, 3))) + " 0"


def _tautology(lines: list[str], rng: random.Random) -> str:
    v = rng.randint(1, _n_vars(lines))
    return f"{v} -{v} 0"


def _flip_char(text: Any) -> Any:
    if not isinstance(text, str) or not text:
        return "0" * 64
    return ("1" if text[0] != "1" else "2") + text[1:]


def _hash(key: str) -> Operator:
    def change(certificate: dict[str, Any], rng: random.Random) -> bool | None:
        if certificate.get(key) is None:
            return False
        certificate[key] = _flip_char(certificate[key])
        return None

    return _on_cert(change)


def _classes(change: Callable[[list[list[int]], random.Random, Genuine], bool], key: str = "classes") -> Operator:
    def operator(answer: Answer, rng: random.Random, genuine: Genuine) -> Answer | None:
        classes = answer.get(key)
        if not isinstance(classes, list) or not classes:
            return None
        return answer if change(classes, rng, genuine) else None

    return operator


def _budgets(genuine: Genuine) -> list[int]:
    return [g["classes"] for g in genuine.instance.get("groups", [])]


def _flip_token(classes: list[list[int]], rng: random.Random, genuine: Genuine) -> bool:
    i = rng.randrange(len(classes))
    budget = (_budgets(genuine) or [2] * len(classes))[i]
    if budget < 2 or not classes[i]:
        return False
    t = rng.randrange(len(classes[i]))
    classes[i][t] = (classes[i][t] + rng.randint(1, budget - 1)) % budget
    return True


def _swap_labels(classes: list[list[int]], rng: random.Random, genuine: Genuine) -> bool:
    i = rng.randrange(len(classes))
    classes[i] = [1 - c if c in (0, 1) else c for c in classes[i]]
    return True


def _out_of_range(classes: list[list[int]], rng: random.Random, genuine: Genuine) -> bool:
    classes[0][0] = max(_budgets(genuine) or [2])
    return True


def _table(change: Callable[[list[dict[str, Any]], random.Random, Genuine], bool]) -> Operator:
    def operator(answer: Answer, rng: random.Random, genuine: Genuine) -> Answer | None:
        table = answer.get("table")
        if not isinstance(table, list):
            return None
        return answer if change(table, rng, genuine) else None

    return operator


def _labels(genuine: Genuine) -> list[Any]:
    return sorted({row[-1] for row in genuine.instance.get("samples", [])}, key=repr)


def _relabel(table: list[dict[str, Any]], rng: random.Random, genuine: Genuine) -> bool:
    if not table:
        return False
    entry = rng.choice(table)
    others = [label for label in _labels(genuine) if label != entry["label"]] or ["zz"]
    entry["label"] = rng.choice(others)
    return True


def _add_cell(table: list[dict[str, Any]], rng: random.Random, genuine: Genuine) -> bool:
    budgets = _budgets(genuine)
    if not budgets:
        return False
    table.append({"cell": [rng.randrange(k) for k in budgets], "label": rng.choice(_labels(genuine))})
    return True


def _drop_entry(table: list[dict[str, Any]], rng: random.Random, genuine: Genuine) -> bool:
    return bool(table) and table.pop(rng.randrange(len(table))) is not None


def _duplicate_entry(table: list[dict[str, Any]], rng: random.Random, genuine: Genuine) -> bool:
    return bool(table) and table.append(copy.deepcopy(rng.choice(table))) is None


def _samples(change: Callable[[list[int], random.Random], list[int]]) -> Operator:
    def inner(certificate: dict[str, Any], rng: random.Random) -> bool:
        samples = certificate.get("samples")
        if not isinstance(samples, list) or not samples:
            return False
        certificate["samples"] = change(samples, rng)
        return True

    return _on_cert(inner)


def _listed(key: str, change: Callable[[list[Any], random.Random], list[Any] | None], cert: bool = False) -> Operator:
    """Change the list under `key` (of the answer, or of its certificate)."""

    def operator(answer: Answer, rng: random.Random, _: Genuine) -> Answer | None:
        holder = _cert(answer) if cert else answer
        values = holder.get(key) if holder is not None else None
        if holder is None or not isinstance(values, list):
            return None
        changed = change(copy.deepcopy(values), rng)
        if changed is None:
            return None
        holder[key] = changed
        return answer

    return operator


def _move_in_one(solutions: list[Any], rng: random.Random) -> list[Any] | None:
    if not solutions:
        return None
    chosen = rng.choice(solutions)
    group = rng.choice(chosen)
    if not group:
        return None
    at = rng.randrange(len(group))
    group[at] = 1 - group[at] if group[at] in (0, 1) else 0
    return solutions


def _swap_two(values: list[Any], rng: random.Random) -> list[Any] | None:
    if len(values) < 2:
        return None
    i, j = rng.sample(range(len(values)), 2)
    values[i], values[j] = values[j], values[i]
    return values


def _shift(key: str, delta: float) -> Operator:
    """Add `delta` to a number, or to the first entry of a list of numbers."""

    def operator(answer: Answer, rng: random.Random, _: Genuine) -> Answer | None:
        value = answer.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            answer[key] = value + delta
        elif isinstance(value, list) and value and isinstance(value[0], int | float):
            value[0] += delta
        else:
            return None
        return answer

    return operator


def _copy(source: str, key: str) -> Operator:
    def operator(answer: Answer, rng: random.Random, _: Genuine) -> Answer | None:
        answer[key] = copy.deepcopy(answer.get(source))
        return answer

    return operator


def _rename_variable(certificate: dict[str, Any], rng: random.Random) -> bool:
    meanings = (certificate.get("variables") or {}).get("x")
    if not meanings:
        return False
    meanings[0][0] = 10**6
    return True


def _add_cnf_clause(certificate: dict[str, Any], rng: random.Random) -> bool:
    if not certificate.get("cnf"):
        return False
    certificate["cnf"] += "1 0\n"
    return True


def _lsa_value(key: str, delta: str) -> Operator:
    def operator(answer: Answer, rng: random.Random, _: Genuine) -> Answer | None:
        values = answer.get(key)
        if not isinstance(values, list) or not values:
            return None
        row = values if key == "b" else rng.choice(values)
        at = rng.randrange(len(row))
        row[at] = f"({row[at]}) + {delta}" if "sqrt" in row[at] else str(eval_fraction(row[at]) + eval_fraction(delta))
        return answer

    return operator


def eval_fraction(text: str) -> Any:
    from fractions import Fraction

    return Fraction(text)


def _colour(answer: Answer, rng: random.Random, _: Genuine) -> Answer | None:
    colour = answer.get("colour")
    if not isinstance(colour, list):
        return None
    at = rng.randrange(len(colour))
    colour[at] = (colour[at] + rng.randint(1, 2)) % 3
    return answer


def _permute_colours(answer: Answer, rng: random.Random, _: Genuine) -> Answer | None:
    colour = answer.get("colour")
    if not isinstance(colour, list):
        return None
    answer["colour"] = [(c + 1) % 3 for c in colour]
    return answer


def _assignment(answer: Answer, rng: random.Random, _: Genuine) -> Answer | None:
    values = answer.get("assignment")
    if not isinstance(values, list):
        return None
    at = rng.randrange(len(values))
    values[at] = not values[at]
    return answer


def _plane(answer: Answer, rng: random.Random, _: Genuine) -> Answer | None:
    planes = answer.get("planes")
    if not isinstance(planes, list):
        return None
    plane = rng.choice(planes)
    plane["gamma"] = str(eval_fraction(plane["gamma"]) + rng.choice([-2, -1, 1, 2]))
    return answer


OPERATORS: dict[str, Operator] = {
    **{f"status → {s}": _set("status", s) for s in STATUSES},
    "violations + 1": _shift("violations", 1),
    "violations − 1": _shift("violations", -1),
    "violations := 2": _set("violations", 2),
    "violations := 0": _set("violations", 0),
    "violations := null": _set("violations", None),
    "classes: one token moved": _classes(_flip_token),
    "classes: labels swapped": _classes(_swap_labels),
    "classes: out of range": _classes(_out_of_range),
    "classes := null": _set("classes", None),
    "table: label changed": _table(_relabel),
    "table: cell added": _table(_add_cell),
    "table: entry dropped": _table(_drop_entry),
    "table: entry duplicated": _table(_duplicate_entry),
    "table := []": _set("table", []),
    "unconstrained := [[0]]": _set("unconstrained", [[0]]),
    "unconstrained := null": _set("unconstrained", None),
    "alternative := classes": _copy("classes", "alternative"),
    "alternative: one token moved": _classes(_flip_token, "alternative"),
    "alternative := null": _set("alternative", None),
    **{f"certificate kind → {k}": _set_cert("kind", k) for k in KINDS},
    "certificate := null": _set("certificate", None),
    "certificate := solution": _set("certificate", {"kind": "solution", "checked": True}),
    "certificate := pigeonhole [0, 1]": _set("certificate", {"kind": "pigeonhole", "checked": True, "samples": [0, 1]}),
    "proof: a line removed": _proof_lines(_remove_line),
    "proof: a literal flipped": _proof_lines(_flip_literal),
    "proof: a random lemma": _proof_lines(_insert(_random_lemma)),
    "proof: a tautology in range": _proof_lines(_insert(_tautology)),
    "proof: 2000000000 -2000000000 0": _proof_lines(_insert(lambda lines, rng: "2000000000 -2000000000 0")),
    "proof: a fullwidth digit": _proof_lines(_insert(lambda lines, rng: "\uff11 0")),
    "proof: cut in half": _proof_lines(lambda lines, rng: lines[: len(lines) // 2] if lines else None),
    "proof: deletions dropped": _proof_lines(lambda lines, rng: [x for x in lines if not x.startswith("d")]),
    "proof: final 0 dropped": _proof_lines(lambda lines, rng: lines[:-1] if lines and lines[-1] == "0" else None),
    "proof := 0": _new_proof("0\n"),
    "proof := empty": _new_proof(""),
    "proof := null": _set_cert("proof", None),
    "extra_clauses := []": _set_cert("extra_clauses", []),
    "extra_clauses += [1]": _on_cert(lambda c, r: c.setdefault("extra_clauses", []).append([1])),
    "instance_sha256 changed": _hash("instance_sha256"),
    "instance_sha256 := null": _set_cert("instance_sha256", None),
    "cnf_sha256 changed": _hash("cnf_sha256"),
    "proof_sha256 changed": _hash("proof_sha256"),
    "proof_sha256 := null": _set_cert("proof_sha256", None),
    "cnf := null": _set_cert("cnf", None),
    "cnf: a clause added": _on_cert(_add_cnf_clause),
    "variables := null": _set_cert("variables", None),
    "variables: one renamed": _on_cert(_rename_variable),
    **{f"encoder → {e}": _set_cert("encoder", e) for e in ENCODERS},
    "encoder_version := 0": _set_cert("encoder_version", "0"),
    "samples: one dropped": _samples(lambda s, r: s[:-1]),
    "samples: first repeated": _samples(lambda s, r: [*s[:-1], s[0]]),
    "samples: reversed": _samples(lambda s, r: s[::-1]),
    "samples := [0, 1]": _set_cert("samples", [0, 1]),
    "solutions: a token moved in one": _listed("solutions", _move_in_one),
    "solutions: one dropped": _listed("solutions", lambda v, r: v[:-1] if v else None),
    "solutions: the last repeated": _listed("solutions", lambda v, r: [*v, v[-1]] if v else None),
    "solutions: two swapped": _listed("solutions", _swap_two),
    "solutions := []": _set("solutions", []),
    "solutions := null": _set("solutions", None),
    "count_exact flipped": lambda a, r, g: {**a, "count_exact": not a["count_exact"]} if "count_exact" in a else None,
    "count_exact := null": _set("count_exact", None),
    "ambiguous: a token added": _listed("ambiguous", lambda v, r: [[*v[0], 0], *v[1:]] if v else None),
    "ambiguous := null": _set("ambiguous", None),
    "tokens: one dropped": _listed("tokens", lambda v, r: v[:-1] if v else None, cert=True),
    "tokens: two swapped": _listed("tokens", _swap_two, cert=True),
    "tokens: first repeated": _listed("tokens", lambda v, r: [*v[:-1], v[0]] if v else None, cert=True),
    "sample_pairs: two swapped": _listed("sample_pairs", _swap_two, cert=True),
    "sample_pairs: one reversed": _listed("sample_pairs", lambda v, r: [v[0][::-1], *v[1:]] if v else None, cert=True),
    "sample_pairs: one pair's samples equal": _listed(
        "sample_pairs", lambda v, r: [[v[0][0], v[0][0]], *v[1:]] if v else None, cert=True
    ),
    "group → 1": _set_cert("group", 1),
    "group → 0": _set_cert("group", 0),
    "note: checked flipped": _on_cert(lambda c, r: c.__setitem__("checked", not c.get("checked"))),
    "note: claim": _set_cert("claim", "anything"),
    "note: stats": _set("stats", {"bound": 99}),
    "note: message": _set("message", "hello"),
    "stray field upper_bound": _set("upper_bound", 0),
    "lower_bound := 0": _set("lower_bound", 0),
    "violated := []": _set("violated", []),
    "stray certificate field": _set_cert("gap", 0),
    "b: an entry + 1": _lsa_value("b", "1"),
    "a: an entry − 1/2": _lsa_value("a", "-1/2"),
    "b_float: an entry moved": _shift("b_float", 0.5),
    "residual := 1": _set("residual", "1"),
    "loss_excess := 0": _set("loss_excess", "0"),
    "lower_bound := 1/1000": _set("lower_bound", "1/1000"),
    "gap := 0": _set("gap", 0.0),
    "mode → real": _set("mode", "real"),
    "b := null": _set("b", None),
    "colour: a vertex recoloured": _colour,
    "colour: colours permuted": _permute_colours,
    "assignment: a variable flipped": _assignment,
    "literals := []": _set("literals", []),
    "planes: a threshold moved": _plane,
    "kind → cnf": _set("kind", "cnf"),
    "target_certificate := null": _set("target_certificate", None),
}


def mutate(genuine: Genuine, name: str, rng: random.Random) -> Answer | None:
    return OPERATORS[name](copy.deepcopy(genuine.answer), rng, genuine)


def mutate_twice(genuine: Genuine, rng: random.Random) -> tuple[str, Answer | None]:
    first, second = rng.sample(sorted(OPERATORS), 2)
    once = OPERATORS[first](copy.deepcopy(genuine.answer), rng, genuine)
    return f"{first} + {second}", None if once is None else OPERATORS[second](once, rng, genuine)
