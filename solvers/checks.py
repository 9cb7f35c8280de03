"""`latentsat check` for every kind: strict reading of the answer, the kind's checker, and lifted answers.

An answer is read strictly: a field that latentsat answers do not have is rejected rather than ignored (an
unchecked `lower_bound: 5` would otherwise pass as if it had been checked). Then the checker that the kinds
registry (`solvers/kinds.py`) names for the instance's kind decides:

- `partition`: `solvers.certificates.check_answer` (the status → evidence table);
- `lsa`: `solvers.check_lsa.check_lsa_answer`;
- a lifted answer (it names its `reduction`): an answer mapped back through a hardness reduction by `latentsat
  lift`, checked against the reduction's map (its source instance). `solved` is re-verified on the source (a
  proper colouring, a satisfying assignment, a separating pair of planes). `infeasible` carries the target's
  certificate (`target_certificate`): the target instance is rebuilt by running the reduction forward on the
  source, the certificate is checked as an `infeasible` answer to it, and the reduction's theorem
  (docs/reductions.md) carries the verdict back.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ValidationError

from problems.answers import Answer, AnswerStatus, Certificate, TableEntry
from problems.cnf_formula import verify_assignment
from problems.graph import verify_colouring
from problems.limits import INT64_MAX, INT64_MIN
from problems.separability import Plane, TwoPlanes, separates
from solvers.certificates import CheckReport, check_answer
from solvers.proofs import Checker
from solvers.refutation import Rejected, require

LIFTED_FIELDS = frozenset({"reduction", "status", "kind", "verified", "message", "certified", "target_certificate"})
LIFTED_BODIES = {"colouring": {"colour"}, "cnf": {"assignment", "literals"}, "separability": {"planes"}}


def _lifted(map_data: Any, answer_data: dict[str, Any], checker: Checker) -> CheckReport:
    from reductions.registry import get_reduction
    from reductions.wire import parse_source

    require(isinstance(map_data, dict) and {"reduction", "source"} <= set(map_data), "a map has reduction, source")
    entry = get_reduction(map_data["reduction"])
    lifted_by = answer_data.get("reduction")
    require(lifted_by == entry.name, f"the answer was lifted through {lifted_by!r}, the map is {entry.name!r}")
    require(map_data.get("version") in (None, entry.version), f"the map is for {entry.name} version {entry.version}")
    source = parse_source(entry, map_data["source"])
    status = answer_data.get("status")
    body = LIFTED_BODIES.get(entry.source, set())
    stray = sorted(set(answer_data) - LIFTED_FIELDS - body)
    require(not stray, f"a lifted answer does not carry {', '.join(stray)}")
    if status == "solved":
        require(answer_data.get("kind") == entry.source, f"a solved lift of {entry.name} is a {entry.source} solution")
        require(_solves(source, answer_data), f"the lifted solution does not solve the {entry.source} source")
        return CheckReport(True, f"solved: the lifted solution is verified on the {entry.source} source")
    if status == "infeasible":
        require(entry.target == "partition", f"{entry.name} lifts no infeasibility")
        require(isinstance(answer_data.get("target_certificate"), dict), "an infeasible lift needs target_certificate")
        target = entry.build().forward(source)
        claim = Answer(status=AnswerStatus.INFEASIBLE, certificate=_certificate(answer_data))
        report = check_answer(target, claim, checker)
        require(report.ok, f"the target's certificate: {report.reason}")
        reason = f"infeasible: the rebuilt target is refuted ({report.reason}); by the reduction, so is the source"
        return CheckReport(True, reason, report.checker)
    require(status == "unknown", f"a lifted answer is solved, infeasible or unknown, not {status!r}")
    require(not set(answer_data) & (body | {"target_certificate"}), "an unknown lift carries no solution")
    return CheckReport(True, "unknown: nothing claimed beyond the status")


def _certificate(answer_data: dict[str, Any]) -> Certificate:
    return _strict(Certificate, answer_data["target_certificate"])


def _solves(source: Any, data: dict[str, Any]) -> bool:
    """Re-verify a lifted source solution (wire form of `reductions.wire._verified`) on the source itself."""
    try:
        if "colour" in data:
            return verify_colouring(source, _ints(data["colour"]))
        if "assignment" in data:
            values = data["assignment"]
            require(isinstance(values, list) and all(type(v) is bool for v in values), "assignment: booleans")
            literals = [v if value else -v for v, value in enumerate(values, start=1)]
            require(data.get("literals") in (None, literals), "literals do not match the assignment")
            return verify_assignment(source, values)
        planes = data["planes"]
        require(isinstance(planes, list) and len(planes) == 2, "planes: two planes {w, gamma}")
        parsed = [Plane(tuple(_fraction(v) for v in plane["w"]), _fraction(plane["gamma"])) for plane in planes]
        return separates(source, TwoPlanes(*parsed))
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as exc:
        raise Rejected(f"the lifted solution is malformed: {exc}") from None


def _ints(values: Any) -> list[int]:
    require(isinstance(values, list) and all(type(v) is int for v in values), "colour: a list of integers")
    return list(values)


def _fraction(value: Any) -> Any:
    from problems.bilinear import bounded_rational, to_fraction

    require(isinstance(value, int | str), f"{str(value)[:40]!r} is not an exact rational")
    try:
        return to_fraction(bounded_rational(value))  # type: ignore[arg-type]
    except ValueError as exc:
        raise Rejected(f"the lifted solution is malformed: {exc}") from None


def check_data(
    instance_data: Any, answer_data: Any, checker: Checker = Checker.AUTO, bundle_kind: Any = None
) -> CheckReport:
    """Check a decoded answer against an instance (decoded JSON, or already parsed), or against a reduction map
    for a lifted answer (one that names its `reduction`). `bundle_kind`: the `kind` a bundle states beside its
    instance, which must be the instance's kind.

    Raises our `InvalidInstance` family when the instance itself is invalid (the CLI's exit 2); every fault of
    the answer is a rejected `CheckReport` (exit 1).
    """
    if not isinstance(answer_data, dict):
        return CheckReport(False, "an answer is a JSON object")
    try:
        _no_huge_integers(answer_data, "answer")
        if "reduction" in answer_data:
            return _lifted(instance_data, answer_data, checker)
        kind, instance = _kind_and_instance(instance_data)
        stated = bundle_kind if bundle_kind is None else str(bundle_kind)[:40]
        require(stated in (None, kind.name), f"kind: the bundle says {stated!r}, its instance is {kind.name!r}")
        if kind.check is None:
            return CheckReport(False, f"answers of kind {kind.name!r} have no checker")
        report: CheckReport = kind.check(instance, _strict(kind.answer_type, answer_data), checker)
        return report
    except Rejected as exc:
        return CheckReport(False, str(exc))


def _no_huge_integers(data: Any, where: str) -> None:
    """Every integer of an answer is an int64 (indices, classes, counts, literals, labels), so the numpy arrays
    the checks build from them cannot overflow: a larger one is a malformed answer, rejected here."""
    stack = [(data, where)]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            stack.extend((item, f"{path}.{key}") for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(value))
        elif type(value) is int and not INT64_MIN <= value <= INT64_MAX:
            raise Rejected(f"{path} holds {str(value)[:30]}, outside int64: no latentsat answer has such a number")


def _kind_and_instance(instance_data: Any) -> tuple[Any, Any]:
    """(kind, parsed instance): parsed data is looked up by its type, JSON by its `kind` field."""
    from solvers.kinds import kind_of, read_data

    if isinstance(instance_data, dict):
        return read_data(instance_data)
    return kind_of(instance_data), instance_data


def _strict(model: type[BaseModel], data: Any) -> Any:
    """`model` validated from `data`, refusing fields the model does not have (here and in nested objects)."""
    require(isinstance(data, dict), f"{model.__name__}: a JSON object")
    _no_stray_fields(model, data)
    try:  # strict: "2" is not a violation count, nor true a class
        return model.model_validate_json(json.dumps(data), strict=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"])) or model.__name__
        raise Rejected(f"the answer does not parse: {where}: {first['msg']}") from None


def _no_stray_fields(model: type[BaseModel], data: dict[str, Any]) -> None:
    stray = sorted(set(data) - set(model.model_fields))
    require(not stray, f"{model.__name__} has no field {', '.join(map(repr, stray))}")
    nested = {"certificate": Certificate, "target_certificate": Certificate}
    for name, inner in nested.items():
        if isinstance(data.get(name), dict):
            _no_stray_fields(inner, data[name])
    for entry in data.get("table") or [] if model is Answer else []:
        if isinstance(entry, dict):
            _no_stray_fields(TableEntry, entry)
