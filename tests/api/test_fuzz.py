"""Fuzz the API from its own OpenAPI schema: whatever the input, never a 500.

A bounded run (30 examples per operation) against a live server on each backend, as a platform
admin, checking ``not_a_server_error``, the documented response schema, and the error body shape.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance


def test_no_server_errors(platform) -> None:  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_url(f"{platform.url}/api/v1/openapi.json")
    headers = {"Authorization": f"Bearer {platform.admin_token}"}
    operations = [op for op in (r.ok() for r in schema.get_all_operations()) if op.path.startswith("/api/")]
    assert len(operations) >= 14
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
            if response.status_code >= 400:
                assert set(response.json()["error"]) == {"code", "message", "details"}

        fuzz()
