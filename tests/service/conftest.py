"""Fixtures of the service tests: one shared server with two API keys, and instances (small, and long to solve)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from problems.generate import planted_partition
from tests.service.server import KEY_A, KEY_B, Server, running_server

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "planted_small.json"


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The server most tests share: keys A and B, two workers, default limits."""
    db = tmp_path_factory.mktemp("shared") / "jobs.db"
    with running_server(db, {"LATENTSAT_API_KEYS": f"{KEY_A},{KEY_B}"}) as running:
        yield running


@pytest.fixture(scope="session")
def small_instance() -> dict[str, Any]:
    return json.loads(EXAMPLE.read_text())


@pytest.fixture(scope="session")
def long_instance() -> dict[str, Any]:
    """Planted, 3 groups of 400 tokens, binary labels, 2 N ln N samples: the direct CNF (`backend: pysat`) runs for
    minutes on it (the default `fast` finds a solution in a second)."""
    instance, _ = planted_partition(3, 400, 3, 2, factor=2.0, seed=1)
    return instance.to_json_dict()


@pytest.fixture(scope="session")
def unique_instance() -> dict[str, Any]:
    """Small planted instance whose solution is unique (so its answer carries a DRUP proof)."""
    instance, _ = planted_partition(3, 12, 2, 2, factor=4, seed=1)
    return instance.to_json_dict()
