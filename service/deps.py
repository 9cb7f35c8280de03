"""Dependency aliases for the routes: settings, store, worker pool, and the caller's identity (its API key).

Each is `async def` although none awaits: FastAPI runs a plain `def` dependency in its thread pool, a thread
hand-off per dependency and request (five per job submission), for what is an attribute read.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.config import Settings
from service.dispatch import Dispatcher
from service.errors import Unauthorized
from service.metrics import Metrics
from service.store import Store

OPEN_OWNER = "open"
bearer = HTTPBearer(auto_error=False, description="an API key from LATENTSAT_API_KEYS or LATENTSAT_API_KEYS_FILE")


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


async def get_pool(request: Request) -> Dispatcher:
    return request.app.state.pool  # type: ignore[no-any-return]


async def get_metrics(request: Request) -> Metrics:
    return request.app.state.metrics  # type: ignore[no-any-return]


def owner_of(key: str) -> str:
    """Jobs are filed under a hash of the key, so the store never holds a key itself."""
    return hashlib.sha256(key.encode()).hexdigest()[:24]


async def get_owner(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> str:
    """The caller's identity: its key's hash, or the shared open owner when the server runs without keys."""
    keys: frozenset[str] = request.app.state.keys
    if not keys:
        return OPEN_OWNER
    if credentials is None or credentials.scheme.lower() != "bearer" or credentials.credentials not in keys:
        raise Unauthorized("send a valid API key as `Authorization: Bearer <key>`", "Authorization")
    return owner_of(credentials.credentials)


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
PoolDep = Annotated[Dispatcher, Depends(get_pool)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
OwnerDep = Annotated[str, Depends(get_owner)]
