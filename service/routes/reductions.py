"""`/v1/reductions`: run a hardness reduction forward (source → target instance) or lift a target solution back."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field

from problems.errors import InvalidInstance
from problems.limits import InputLimits, limits_in_force
from reductions.registry import registry
from reductions.wire import lift_json, reduce_json
from service.deps import SettingsDep
from service.errors import ERROR_RESPONSES

router = APIRouter(prefix="/v1/reductions", tags=["reductions"], responses={**ERROR_RESPONSES})


class ReductionInfo(BaseModel):
    """One registered map: its name, alias (R1, R2, R1R2, R3), version, and the kinds it maps between."""

    name: str
    alias: str | None = None
    version: str
    source: str
    target: str


class LiftRequest(BaseModel):
    """The source instance (the `map.source` that the forward call returned) and a solution of the target."""

    source: dict[str, Any] = Field(description="the source instance, as returned under map.source")
    solution: dict[str, Any] = Field(description="a target answer (partition), colouring, or exact b and A")


@router.get("", response_model=list[ReductionInfo])
def list_reductions() -> list[ReductionInfo]:
    """Every registered reduction and encoding."""
    return [
        ReductionInfo(name=e.name, alias=e.alias, version=e.version, source=e.source, target=e.target)
        for e in registry()
    ]


@router.post("/{name}")
def reduce(
    name: str,
    settings: SettingsDep,
    source: dict[str, Any] = Body(description="the source instance, e.g. a colouring"),  # noqa: B008
) -> dict:
    """Run reduction `name` forward: `{reduction, version, target, map}`; `target` goes to `POST /v1/jobs`.

    The source's size is bounded before the reduction runs (`LATENTSAT_MAX_GRAPH_VERTICES`, `..._GRAPH_EDGES`,
    `..._CNF_VARIABLES`, `..._CNF_CLAUSES`, `..._POINTS`): 413 naming the field."""
    return _guarded(lambda: reduce_json(name, source), settings)


@router.post("/{name}/lift")
def lift(name: str, request: LiftRequest, settings: SettingsDep) -> dict:
    """Map a target solution back to a source solution, verified on the source."""
    return lift_guarded(name, request.source, request.solution, settings)


def lift_guarded(
    name: str, source: dict[str, Any], solution: dict[str, Any], limits: InputLimits | None = None
) -> dict:
    """`lift_json` with malformed input mapped to 422 (shared with `POST /v1/jobs/{id}/lift`)."""
    return _guarded(lambda: lift_json(name, source, solution), limits)


def _guarded(action: Any, limits: InputLimits | None) -> dict:
    """Run under the server's size limits. Malformed sources that slip past the parsers (wrong nesting, wrong
    types) are bad input, not our crash."""
    try:
        with limits_in_force(limits or InputLimits()):
            return dict(action())
    except (TypeError, KeyError, IndexError, AttributeError, ValueError) as exc:
        raise InvalidInstance(f"malformed input: {exc}", "body") from exc
