"""Schemathesis against the live OpenAPI schema: generated requests, valid and invalid, never get a 5xx, and every
response matches its documented status, content type, headers and schema.

The operations are driven from one test with hypothesis directly (schemathesis' pytest plugin does not run on
pytest 9).
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis import checks as core_checks
from schemathesis.specs.openapi import checks as openapi_checks

from tests.service.server import KEY_A, Server

EXAMPLES_PER_MODE = 20  # per operation, once valid (positive) and once invalid (negative)
MIN_EXAMPLES = 300
CHECKS = [
    core_checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.response_schema_conformance,
]
# Not `negative_data_rejection`: the API ignores unknown query parameters (as HTTP APIs usually do), and the test
# adds the Authorization header to every request, so some "invalid" cases are valid by the time they are sent.


def run_operation(operation: schemathesis.APIOperation, mode: GenerationMode, calls: list[str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES_PER_MODE, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case: schemathesis.Case) -> None:
        calls.append(operation.label)
        case.call_and_validate(headers={"Authorization": f"Bearer {KEY_A}"}, checks=CHECKS, timeout=30)

    try:
        check()
    except Unsatisfiable:
        # No invalid request exists for an operation without parameters (e.g. GET /healthz).
        assert mode is GenerationMode.NEGATIVE, operation.label


def test_api_conforms_to_its_live_schema(server: Server) -> None:
    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    calls: list[str] = []
    for operation in operations:
        for mode in GenerationMode:
            run_operation(operation, mode, calls)
    print(f"schemathesis: {len(calls)} requests over {len(operations)} operations")
    assert len(calls) >= MIN_EXAMPLES, len(calls)
    assert {op.label for op in operations} <= set(calls)
