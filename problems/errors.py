"""One exception family for latentsat; each class names a stable machine-readable code."""

from typing import ClassVar


class LatentsatError(Exception):
    """Parent of all our errors."""

    code: ClassVar[str] = "internal"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def __str__(self) -> str:
        message = super().__str__()
        return f"{self.field}: {message}" if self.field else message


class InvalidInstance(LatentsatError):
    """The instance is malformed; `field` names the offending path, e.g. `samples[3][1]`."""

    code = "invalid_instance"


class InvalidOptions(LatentsatError):
    """The solve options are malformed or contradict the instance."""

    code = "invalid_options"


class InstanceTooLarge(LatentsatError):
    """The instance exceeds a configured limit."""

    code = "instance_too_large"


class UnknownBackend(LatentsatError):
    """No backend is registered under that name, or it cannot run here."""

    code = "unknown_backend"


class UnknownKind(LatentsatError):
    """No problem kind or reduction is registered under that name."""

    code = "unknown_kind"


class VerificationFailed(LatentsatError):
    """A decoded solution or proof did not check: our bug, never the caller's."""

    code = "verification_failed"


class InvalidCertificate(LatentsatError):
    """A certificate handed to `check` does not verify."""

    code = "invalid_certificate"


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
