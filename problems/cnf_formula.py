"""CNF formulas (3-SAT when every clause has at most 3 literals): model, DIMACS parser, verifier, brute force.

Variables are 1..n_vars; a literal is ±v; an assignment is a list of n_vars booleans, `assignment[v-1]` for v.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from problems.errors import InvalidInstance, from_validation_error


class CnfFormula(BaseModel):
    """A conjunction of clauses over variables 1..n_vars (DIMACS literals ±v).

    >>> CnfFormula(n_vars=2, clauses=[[1, -2], [2]]).max_width
    2
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["cnf"] = "cnf"
    n_vars: int = Field(ge=1, description="the number of variables, named 1..n_vars")
    clauses: list[list[int]] = Field(description="clauses as lists of non-zero DIMACS literals")

    @model_validator(mode="after")
    def _literals_in_range(self) -> CnfFormula:
        for c, clause in enumerate(self.clauses):
            for lit in clause:
                if lit == 0 or abs(lit) > self.n_vars:
                    raise ValueError(f"clauses[{c}]: literal {lit} is not in ±1..{self.n_vars}")
        return self

    @property
    def max_width(self) -> int:
        return max((len(c) for c in self.clauses), default=0)

    @property
    def is_3sat(self) -> bool:
        return self.max_width <= 3

    def to_json_dict(self) -> dict[str, Any]:
        return {"kind": "cnf", "n_vars": self.n_vars, "clauses": [list(c) for c in self.clauses]}


@dataclass(frozen=True)
class CnfSolution:
    """A truth value per variable: `assignment[v-1]` is the value of variable v."""

    assignment: list[bool]


def formula_from_dict(data: Any) -> CnfFormula:
    """Validate a decoded JSON object; errors become `InvalidInstance` naming the first bad field."""
    try:
        return CnfFormula.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc, InvalidInstance) from exc


def parse_dimacs_cnf(text: str) -> CnfFormula:
    """A DIMACS CNF (`p cnf V C`, clauses ending in 0, possibly spanning lines; `%` ends the file as in SATLIB).

    >>> parse_dimacs_cnf("p cnf 3 2\\n1 -2 0\\n2 3\\n0\\n").clauses
    [[1, -2], [2, 3]]
    """
    n_vars: int | None = None
    declared = 0
    clauses: list[list[int]] = []
    current: list[int] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        words = line.split()
        if not words or words[0].startswith("c"):
            continue
        if words[0] == "%":
            break
        field = f"line {line_no}"
        if words[0] == "p":
            if len(words) != 4 or words[1] != "cnf" or not words[2].isdigit() or not words[3].isdigit():
                raise InvalidInstance(f"expected 'p cnf V C', got {line!r}", field)
            n_vars, declared = int(words[2]), int(words[3])
            continue
        if n_vars is None:
            raise InvalidInstance("a clause comes before the 'p cnf V C' header", field)
        for word in words:
            try:
                lit = int(word)
            except ValueError as exc:
                raise InvalidInstance(f"{word!r} is not a literal", field) from exc
            if lit == 0:
                clauses.append(current)
                current = []
            else:
                current.append(lit)
    if n_vars is None:
        raise InvalidInstance("no 'p cnf V C' header", "header")
    if current:
        clauses.append(current)  # a last clause without its terminating 0, as some files have
    if declared != len(clauses):
        raise InvalidInstance(f"the header declares {declared} clauses, the file has {len(clauses)}", "header")
    return formula_from_dict({"n_vars": n_vars, "clauses": clauses})


def to_dimacs_cnf(formula: CnfFormula) -> str:
    lines = [f"p cnf {formula.n_vars} {len(formula.clauses)}"]
    lines.extend(" ".join(map(str, clause)) + " 0" for clause in formula.clauses)
    return "\n".join(lines) + "\n"


def verify_assignment(formula: CnfFormula, assignment: Sequence[bool]) -> bool:
    """True iff there is one value per variable and every clause has a true literal."""
    if len(assignment) != formula.n_vars:
        return False
    return all(any(assignment[abs(lit) - 1] == (lit > 0) for lit in clause) for clause in formula.clauses)


def brute_force_sat(formula: CnfFormula) -> list[bool] | None:
    """A satisfying assignment by enumerating all 2^n, or None. Meant for n ≤ ~16.

    >>> brute_force_sat(CnfFormula(n_vars=1, clauses=[[1], [-1]])) is None
    True
    """
    for values in itertools.product((False, True), repeat=formula.n_vars):
        if verify_assignment(formula, values):
            return list(values)
    return None
