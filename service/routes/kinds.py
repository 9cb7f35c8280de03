"""`/v1/kinds`: the registered problem kinds and the JSON schemas of their instances."""

from __future__ import annotations

from fastapi import APIRouter

from service.errors import ERROR_RESPONSES, NotFound
from service.models import KindInfo
from solvers.kinds import get_kind, kinds

router = APIRouter(prefix="/v1/kinds", tags=["kinds"])


@router.get("", response_model=list[KindInfo], response_model_by_alias=True)
def list_kinds() -> list[KindInfo]:
    """Every problem kind the API accepts in `POST /v1/jobs`."""
    return [_info(name) for name in kinds()]


@router.get("/{name}", response_model=KindInfo, response_model_by_alias=True, responses={404: ERROR_RESPONSES[404]})
def get_one_kind(name: str) -> KindInfo:
    """One kind and its instance schema."""
    if name not in kinds():
        raise NotFound(f"no problem kind {name!r}; known: {', '.join(kinds())}", "name")
    return _info(name)


def _info(name: str) -> KindInfo:
    kind = get_kind(name)
    return KindInfo(name=kind.name, summary=kind.summary, schema=kind.schema())
