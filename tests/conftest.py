"""Shared fixtures: installed backends, and the hypothesis profile CI uses."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from solvers.base import is_complete, registry

settings.register_profile(
    "ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True, derandomize=True
)
settings.load_profile("ci")

# Complete backends only: heuristics (gradient) never answer `infeasible`, so brute-force agreement does not apply.
INSTALLED_BACKENDS = [b.name for b in registry() if b.available() and is_complete(b)]


@pytest.fixture(params=INSTALLED_BACKENDS)
def backend_name(request: pytest.FixtureRequest) -> str:
    return request.param
