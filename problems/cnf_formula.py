"""CNF formulas (3-SAT when every clause has at most 3 literals): model, DIMACS parser, verifier, brute force.

Variables are 1..n_vars; a literal is ±v; an assignment is a list of n_vars booleans, `assignment[v-1]` for v.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from problems.dimacs import count, dimacs_lines, dimacs_text, integer, problem_line
from problems.errors import InvalidInstance, from_validation_error
from problems.limits import INT64_MAX, active_limits


class CnfFormula(BaseModel):
    """A conjunction of clauses over variables 1..n_vars (DIMACS literals ±v).

    >>> CnfFormula(n_vars=2, clauses=[[1, -2], [2]]).max_width
    2
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["cnf"] = "cnf"
    n_vars: int = Field(ge=1, le=INT64_MAX, description="the number of variables, named 1..n_vars")
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
    """Validate a decoded JSON object against the model and the limits in force (`InvalidInstance` /
    `InstanceTooLarge` naming the field)."""
    if isinstance(data, dict):
        check_formula_size(data.get("n_vars"), data.get("clauses"))
    try:
        return CnfFormula.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc, InvalidInstance) from exc


def check_formula_size(n_vars: Any, clauses: Any) -> None:
    """n_vars ≤ max_cnf_variables and clauses ≤ max_cnf_clauses (values of the wrong type are left to the model)."""
    limits = active_limits()
    if type(n_vars) is int:
        limits.require(n_vars, "max_cnf_variables", "n_vars", "the number of variables")
    if isinstance(clauses, list):
        limits.require(len(clauses), "max_cnf_clauses", "clauses", "the number of clauses")


def is_dimacs_cnf(data: str | bytes) -> bool:
    """True when the first line that is not a comment is a `p cnf ...` problem line."""
    fields = problem_line(data)
    return fields is not None and len(fields) >= 2 and fields[1] == "cnf"


def parse_dimacs_cnf(data: str | bytes) -> CnfFormula:
    """A DIMACS CNF as SATLIB writes it: `c` comments, `p cnf V C`, clauses of literals ending in 0 (a clause may
    span lines; the last 0 may be missing), and optionally a line starting with `%` that ends the formula (only
    `0`, blank and comment lines may follow it, as in SATLIB's uf/uuf files).

    The number of clauses must equal C, as the number of edges of a DIMACS graph must equal its M (a mismatch
    usually means a truncated file). Raises `InvalidInstance` naming the line; `InstanceTooLarge` when V or C
    exceed the limits in force.

    >>> parse_dimacs_cnf("p cnf 3 2\\n1 -2 0\\n2 3\\n0\\n%\\n0\\n").clauses
    [[1, -2], [2, 3]]
    """
    n_vars: int | None = None
    declared, header_field = 0, "header"
    clauses: list[list[int]] = []
    current: list[int] = []
    ended_at: int | None = None
    max_clauses = active_limits().max_cnf_clauses
    for line_no, line, words in dimacs_lines(dimacs_text(data)):
        field = f"line {line_no}"
        if ended_at is not None:
            if words != ["0"]:
                raise InvalidInstance(f"{line!r} after the '%' that ends the formula (line {ended_at})", field)
            continue
        if line.startswith("%"):
            ended_at = line_no
        elif words[0] == "p":
            if n_vars is not None:
                raise InvalidInstance("a second problem line", field)
            n_vars, declared = _cnf_header(words, line, field)
            header_field = field
        elif n_vars is None:
            raise InvalidInstance("a clause comes before the 'p cnf V C' problem line", field)
        else:
            current = _read_literals(words, n_vars, field, clauses, current, max_clauses)
    if n_vars is None:
        raise InvalidInstance("no 'p cnf V C' problem line", "header")
    if current:
        clauses.append(current)  # a last clause without its terminating 0, as some files have
    if declared != len(clauses):
        raise InvalidInstance(
            f"the problem line declares {declared} clauses, the file has {len(clauses)}", header_field
        )
    return formula_from_dict({"n_vars": n_vars, "clauses": clauses})


def _cnf_header(words: list[str], line: str, field: str) -> tuple[int, int]:
    if len(words) != 4 or words[1] != "cnf":
        raise InvalidInstance(f"expected 'p cnf V C', got {line!r}", field)
    n_vars, declared = count(words[2], field), count(words[3], field)
    if n_vars < 1:
        raise InvalidInstance("a formula needs at least one variable", field)
    limits = active_limits()
    limits.require(n_vars, "max_cnf_variables", field, "the number of variables")
    limits.require(declared, "max_cnf_clauses", field, "the number of clauses")
    return n_vars, declared


def _read_literals(
    words: list[str], n_vars: int, field: str, clauses: list[list[int]], current: list[int], max_clauses: int
) -> list[int]:
    """Append the literals of one line; a 0 closes the clause. Returns the clause still open."""
    for word in words:
        lit = integer(word, field)
        if lit == 0:
            clauses.append(current)
            current = []
            if len(clauses) > max_clauses:
                active_limits().require(len(clauses), "max_cnf_clauses", field, "the number of clauses")
        elif abs(lit) > n_vars:
            raise InvalidInstance(f"literal {lit} is not in ±1..{n_vars}", field)
        else:
            current.append(lit)
    return current


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
