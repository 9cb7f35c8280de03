"""Schemathesis against the live OpenAPI schema: generated requests, valid and invalid, never get a 5xx, and every
response matches its documented status, content type, headers and schema.

The operations are driven from one test with hypothesis directly (schemathesis' pytest plugin does not run on
pytest 9).
"""

from __future__ import annotations

import contextlib

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import FlakyStrategyDefinition, Unsatisfiable
from hypothesis.stateful import run_state_machine_as_test
from schemathesis import GenerationMode
from schemathesis import checks as core_checks
from schemathesis.specs.openapi import checks as openapi_checks

from tests.service.server import KEY_A, Server

EXAMPLES_PER_MODE = 25  # per operation, once valid (positive) and once invalid (negative)
MIN_EXAMPLES = 600
STATEFUL_SCENARIOS = 40  # each a chain of calls that follows the schema's links (submit, then read, cancel, ...)
MIN_STATEFUL_CALLS = 300
MIN_TOTAL = 1000
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


def test_stateful_chains_along_the_links_never_get_a_5xx(server: Server) -> None:
    """Schemathesis' state machine: submit jobs, then call the operations the schema's links lead to with the ids
    it got back (`GET /v1/jobs/{id}`, `/result`, `/log?offset=`, `DELETE`, ...)."""
    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    machine = schema.as_state_machine()
    calls: list[str] = []
    failures: list[str] = []

    class Authorised(machine):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, object]:
            return {"headers": {"Authorization": f"Bearer {KEY_A}"}, "timeout": 30}

        def validate_response(self, response: object, case: schemathesis.Case, **kwargs: object) -> None:
            # Collected, not raised: a chain's responses depend on the server's state (a job done or still
            # running), so hypothesis could not replay a failing chain to shrink it; the chain itself is reported.
            calls.append(case.operation.label)
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as exc:
                failures.append(f"{case.method} {case.formatted_path} {case.query}: {exc}")

    for _ in range(8):
        # Which rules hypothesis can draw depends on what the server answered (a job listed, done, or not yet):
        # when a replayed prefix meets a changed server, hypothesis stops that run with FlakyStrategyDefinition.
        # Not an API failure (the checks' failures are collected above), so go on with a fresh run.
        with contextlib.suppress(FlakyStrategyDefinition):
            run_state_machine_as_test(
                Authorised,
                settings=settings(
                    max_examples=STATEFUL_SCENARIOS, stateful_step_count=10, deadline=None,
                    suppress_health_check=list(HealthCheck), database=None,
                ),
            )  # fmt: skip
        if len(calls) >= MIN_STATEFUL_CALLS:
            break
    assert not failures, "\n".join(failures[:5])
    linked = {label for label in calls if "{job_id}" in label}
    print(f"schemathesis stateful: {len(calls)} requests, {len(linked)} linked operations reached")
    STATEFUL_CALLS.extend(calls)
    assert len(calls) >= MIN_STATEFUL_CALLS, len(calls)
    assert len(linked) >= 4, linked  # the links were followed, not just the entry points


STATEFUL_CALLS: list[str] = []


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
    if STATEFUL_CALLS:  # both tests ran in this session: the acceptance's total
        print(f"schemathesis: {len(calls) + len(STATEFUL_CALLS)} requests in all")
        assert len(calls) + len(STATEFUL_CALLS) >= MIN_TOTAL
