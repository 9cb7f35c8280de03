"""JSON in, JSON out for the hardness reductions: `reduce_json` and `lift_json`, shared by the CLI and the service.

A reduction is deterministic, so the map needed to lift a target solution is just the source instance: `lift_json`
re-runs `forward` on it and then `backward` on the target solution, and verifies the result on the source.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from pydantic import ValidationError

from problems.answers import Answer, AnswerStatus
from problems.bilinear import BilinearSolution, bounded_rational, fraction_text, to_fraction, verify_bilinear
from problems.cnf_formula import CnfSolution, formula_from_dict, verify_assignment
from problems.errors import InvalidInstance, VerificationFailed, from_validation_error
from problems.graph import ColouringSolution, colouring_from_dict, verify_colouring
from problems.separability import TwoPlanes, separability_from_dict, separates
from problems.verify import verify_partition
from reductions.registry import ReductionEntry, get_reduction

PARSERS = {"colouring": colouring_from_dict, "cnf": formula_from_dict, "separability": separability_from_dict}


def parse_source(entry: ReductionEntry, data: Any) -> Any:
    """The validated source instance of a hardness reduction (`InvalidInstance` names the bad field)."""
    if entry.source not in PARSERS:
        raise InvalidInstance(f"{entry.name} is an encoding, not a hardness reduction with a JSON source", "reduction")
    if isinstance(data, dict) and data.get("kind", entry.source) != entry.source:
        raise InvalidInstance(f"{entry.alias or entry.name} takes a {entry.source!r} instance", "kind")
    return PARSERS[entry.source](data)


def reduce_json(name: str, data: Any) -> dict[str, Any]:
    """Run a reduction forward: `{"reduction", "version", "target", "map"}`; `map` is what `lift_json` needs.

    >>> out = reduce_json("R1", {"kind": "colouring", "n": 2, "edges": [[0, 1]], "k": 2})
    >>> out["target"]["groups"], out["target"]["samples"]
    ([{'size': 2, 'classes': 2}, {'size': 1, 'classes': 1}], [[0, 0, 0], [1, 0, 1]])
    """
    entry = get_reduction(name)
    source = parse_source(entry, data)
    target = entry.build().forward(source)
    return {
        "reduction": entry.name,
        "version": entry.version,
        "target": _target_json(target),
        "map": {"reduction": entry.name, "version": entry.version, "source": source.to_json_dict()},
    }


def _target_json(target: Any) -> dict[str, Any]:
    if hasattr(target, "to_json_dict"):
        return dict(target.to_json_dict())
    return dict(target.model_dump(mode="json"))  # BilinearSystem


def lift_json(name: str, source: Any, target_solution: Any) -> dict[str, Any]:
    """Map a target solution (an answer, a colouring, or b and A) back to a verified source solution.

    An `infeasible` target answer lifts to `infeasible` (by the reduction's proof, the source has no solution);
    `unknown` stays `unknown`.
    """
    entry = get_reduction(name)
    instance = parse_source(entry, source)
    reduction = entry.build()
    target = reduction.forward(instance)
    if entry.target == "partition":
        answer = _answer(target_solution)
        if answer.status in (AnswerStatus.INFEASIBLE, AnswerStatus.UNKNOWN):
            return _no_solution(entry, answer)
        table = [(entry_.cell, entry_.label) for entry_ in answer.table or []]
        verdict = verify_partition(target, answer.classes or [], table)
        _require(verdict.ok, f"the answer does not solve the target: {verdict.reason}")
        lifted = reduction.backward(answer)
    elif entry.target == "colouring":
        colour = _int_list(target_solution, "colour")
        _require(verify_colouring(target, colour), "the colouring is not a proper colouring of the target graph")
        lifted = reduction.backward(ColouringSolution(colour))
    else:
        solution = _bilinear_solution(target_solution)
        _require(verify_bilinear(target, solution), "b and A do not satisfy every target equation exactly")
        lifted = reduction.backward(solution)
    return _verified(entry, instance, lifted)


def _require(ok: bool, message: str) -> None:
    """A target solution that does not solve the target is the caller's error, not ours."""
    if not ok:
        raise InvalidInstance(message, "solution")


def _answer(data: Any) -> Answer:
    if isinstance(data, dict) and "answer" in data:  # a bundle from `latentsat solve --bundle`
        data = data["answer"]
    try:
        return Answer.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc, InvalidInstance, "solution") from exc


def _int_list(data: Any, key: str) -> list[int]:
    values = data.get(key) if isinstance(data, dict) else None
    if not isinstance(values, list) or any(type(v) is not int for v in values):
        raise InvalidInstance(f"expected a list of integers under {key!r}", f"solution.{key}")
    return values


def _bilinear_solution(data: Any) -> BilinearSolution:
    if not isinstance(data, dict) or "b" not in data or "a" not in data:
        raise InvalidInstance("expected {'b': [...], 'a': [[...], ...]} with exact rationals", "solution")
    try:
        return BilinearSolution([_exact(v) for v in data["b"]], [[_exact(v) for v in row] for row in data["a"]])
    except (ValueError, TypeError) as exc:
        raise InvalidInstance(str(exc), "solution") from exc


def _exact(value: Any) -> Fraction:
    """A caller's rational, bounded before any arithmetic (no booleans, no 10^(10^9))."""
    return to_fraction(bounded_rational(value))


def _no_solution(entry: ReductionEntry, answer: Answer) -> dict[str, Any]:
    out: dict[str, Any] = {"reduction": entry.name, "status": answer.status.value}
    if answer.status is AnswerStatus.INFEASIBLE:
        checked = bool(answer.certificate and answer.certificate.checked)
        out["message"] = f"the target is infeasible (proof checked: {checked}); by the reduction, so is the source"
        out["certified"] = checked
        if answer.certificate is not None:  # what `latentsat check` re-checks against the rebuilt target
            out["target_certificate"] = answer.certificate.model_dump(mode="json", exclude_none=True)
    return out


def _verified(entry: ReductionEntry, instance: Any, lifted: Any) -> dict[str, Any]:
    """The lifted solution in wire form, after an independent check on the source; a failure is our bug."""
    if isinstance(lifted, ColouringSolution):
        ok, body = verify_colouring(instance, lifted.colour), {"colour": lifted.colour}
    elif isinstance(lifted, CnfSolution):
        dimacs = [v if value else -v for v, value in enumerate(lifted.assignment, start=1)]
        ok, body = verify_assignment(instance, lifted.assignment), {"assignment": lifted.assignment, "literals": dimacs}
    elif isinstance(lifted, TwoPlanes):
        ok, body = separates(instance, lifted), lifted.to_json_dict()
    else:
        raise VerificationFailed(f"{entry.name} lifted an unexpected {type(lifted).__name__}")
    if not ok:
        raise VerificationFailed(f"{entry.name}: the lifted solution does not solve the source (a reduction bug)")
    return {"reduction": entry.name, "status": "solved", "kind": entry.source, "verified": True, **body}


def bilinear_solution_json(solution: BilinearSolution) -> dict[str, Any]:
    """The wire form of b and A (exact rationals as strings), as `lift_json` reads it."""

    def text(value: Fraction) -> str:
        return fraction_text(value)

    return {"b": [text(v) for v in solution.b], "a": [[text(v) for v in row] for row in solution.a]}
