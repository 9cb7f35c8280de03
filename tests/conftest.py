"""Shared fixtures: installed backends, and the hypothesis profile CI uses."""

from __future__ import annotations

import os

# Tiny numpy problems gain nothing from BLAS threads, and threads fight over the shared cores: one is enough.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pytest
from hypothesis import HealthCheck, settings

from solvers.registry import registry

settings.register_profile(
    "ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True, derandomize=True
)
settings.load_profile("ci")

# Complete partition backends only: heuristics (gradient) never answer `infeasible`, so brute-force agreement does
# not apply; the fast backend has its own brute-force property tests (tests/test_fast_backend.py).
INSTALLED_BACKENDS = [
    b.name for b in registry() if b.available() and b.complete and b.accepts & {"cnf", "cpsat"} and b.name != "fast"
]


@pytest.fixture(params=INSTALLED_BACKENDS)
def backend_name(request: pytest.FixtureRequest) -> str:
    return request.param
