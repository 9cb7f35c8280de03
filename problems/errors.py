"""One exception family for latentsat; each class names a stable machine-readable code and whose fault it is.

This module is also the one home of two rules every edge (CLI, service, parsers) shares: whether an error is the
caller's fault (`caller_fault`: CLI exit 2, HTTP 4xx, a job that failed as `invalid`), and how a field is named
(`field_path`: `samples[3][0]`, `groups[0].classes`, `options.time_limit`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar, TypeVar

if TYPE_CHECKING:
    from pydantic import ValidationError


class LatentsatError(Exception):
    """Parent of all our errors."""

    code: ClassVar[str] = "internal"
    caller_fault: ClassVar[bool] = False  # True: bad input from the caller, never our bug

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def __str__(self) -> str:
        message = super().__str__()
        return f"{self.field}: {message}" if self.field else message


class InvalidInstance(LatentsatError):
    """The instance is malformed; `field` names the offending path, e.g. `samples[3][1]`."""

    code = "invalid_instance"
    caller_fault = True


class UnsolvableKind(InvalidInstance):
    """The instance is of a kind that is read (a reduction's source or target) but not solved; the message names
    the way to use it instead, and `field` is `kind`."""


class InvalidOptions(LatentsatError):
    """The solve options are malformed or contradict the instance."""

    code = "invalid_options"
    caller_fault = True


class InstanceTooLarge(LatentsatError):
    """The instance exceeds a configured limit."""

    code = "instance_too_large"
    caller_fault = True


class UnknownBackend(LatentsatError):
    """No backend is registered under that name, or it cannot run here."""

    code = "unknown_backend"
    caller_fault = True


class UnknownKind(LatentsatError):
    """No problem kind or reduction is registered under that name."""

    code = "unknown_kind"
    caller_fault = True


class VerificationFailed(LatentsatError):
    """A decoded solution or proof did not check: our bug, never the caller's."""

    code = "verification_failed"


class InvalidCertificate(LatentsatError):
    """A certificate handed to `check` does not verify."""

    code = "invalid_certificate"
    caller_fault = True


class SolverFailed(LatentsatError):
    """The solver process crashed or hit a resource cap before answering."""

    code = "solver_failed"


class TimeLimitReached(LatentsatError):
    """The time limit ran out inside a step that has no partial result, such as an encoding; the pipeline turns
    it into the status `unknown`, so it never reaches a caller."""

    code = "time_limit"


class InputWarning(UserWarning):
    """A reader skipped something that its format's convention skips (e.g. a self-loop in a DIMACS graph); the
    CLI prints it on stderr, so nothing changes silently."""


E = TypeVar("E", bound=LatentsatError)

# Pydantic puts the branch of a union or a constrained type into `loc` ("int", "literal['minimize']", ...): not a field.
_TYPE_TAG = re.compile(r"^(int|float|str|bool|none|literal\[.*\]|constrained-.*|function-.*|union\[.*\]|list\[.*\])$")


def field_path(loc: Sequence[int | str], prefix: str = "") -> str:
    """The one way a field is named: `samples[3][0]`, `groups[0].classes`; under `prefix` (`options.time_limit`).

    >>> field_path(("samples", 3, 0)), field_path(("groups", 0, "classes")), field_path(("time_limit",), "options")
    ('samples[3][0]', 'groups[0].classes', 'options.time_limit')
    >>> field_path((), "instance"), field_path(())
    ('instance', 'body')
    """
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not _TYPE_TAG.match(str(part)):
            path += f".{part}" if path else str(part)
    return path or "body"


def nested_field(prefix: str, field: str | None) -> str:
    """`field` (already a path, or None for the whole thing) placed under `prefix`.

    >>> nested_field("instance", "samples[0][0]"), nested_field("instance", "[2]"), nested_field("instance", None)
    ('instance.samples[0][0]', 'instance[2]', 'instance')
    """
    if not field or field == "body":
        return prefix
    return prefix + (field if field.startswith("[") else "." + field)


def from_validation_error(exc: ValidationError, error: type[E], prefix: str = "") -> E:
    """The first pydantic error as one of ours, naming its field; raise it `from exc`."""
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid"}
    return error(str(first["msg"]), field_path(first["loc"], prefix))
