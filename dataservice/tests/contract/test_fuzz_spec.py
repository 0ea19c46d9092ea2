"""Property-based fuzzing from the spec against a live dataservice (schemathesis).

Every operation gets generated requests, valid and invalid, with valid tokens: a runner's
token whose path ids point at that runner, so requests reach real validation and writes.
No answer may be a 5xx, and every answer must match the spec (status, content type,
body schema).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import dataservice
from runnerly_common.openapi import load_spec
from runnerly_common.testing import SigningKey, sign_token

SCOPES = "users:read users:write runs:read runs:write reports:read strava:tokens admin"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Request lines and headers beyond gunicorn's limits never reach the app.
SERVER_LIMITS = {414, 431}


def refused_by_the_server(response: schemathesis.Response) -> bool:
    """Answered by gunicorn before the app (nginx in front answers the same): a request line
    or headers beyond its limits, or a transfer coding it does not know (an empty
    ``Transfer-Encoding``), which RFC 9112 (6.1) answers with 501."""
    if response.status_code in SERVER_LIMITS:
        return True
    coding = response.request.headers.get("Transfer-Encoding")
    return (
        response.status_code == 501 and coding is not None and coding.strip().lower() != "chunked"
    )


SPEC = load_spec(Path(dataservice.__file__).with_name("openapi"))
SPEC["servers"] = [{"url": "/api/v1"}]
API = schemathesis.openapi.from_dict(SPEC)
OPERATIONS = sorted(
    op["operationId"]
    for item in SPEC["paths"].values()
    for op in item.values()
    if isinstance(op, dict) and "operationId" in op
)


@pytest.fixture(scope="session")
def runner_id(live_dataservice: str, signing_key: SigningKey) -> int:
    token = sign_token(
        signing_key,
        audience="dataservice",
        subject="runnerly-web",
        scope="users:write",
        client_id="runnerly-web",
    )
    response = requests.post(
        f"{live_dataservice}/api/v1/users",
        json={"email": "fuzz@example.org", "password": "fuzz-password-1"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.mark.parametrize(
    "mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"]
)
@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_no_answer_is_a_server_error_or_off_the_spec(
    operation_id: str,
    mode: GenerationMode,
    live_dataservice: str,
    runner_id: int,
    signing_key: SigningKey,
) -> None:
    token = sign_token(
        signing_key,
        audience="dataservice",
        subject=str(runner_id),
        scope=SCOPES,
        client_id="runnerly-web",
        act={"sub": "runnerly-web"},
    )
    headers = {"Authorization": f"Bearer {token}"}
    operation = API.find_operation_by_id(operation_id)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    def check(case: schemathesis.Case) -> None:
        for name in ("user_id", "runner_id"):
            # Aim at the real runner (not for deleting them: that would end the run).
            if (
                case.path_parameters
                and name in case.path_parameters
                and operation_id != "deleteUser"
            ):
                case.path_parameters[name] = runner_id
        response = case.call(base_url=f"{live_dataservice}/api/v1", headers=headers)
        if refused_by_the_server(response):
            return
        case.validate_response(response, checks=CHECKS)

    check()


@pytest.mark.parametrize(
    ("status", "coding", "excused"),
    [
        (501, "", True),
        (501, "gzip", True),
        (501, "chunked", False),
        (501, None, False),
        (500, "", False),
        (414, None, True),
    ],
)
def test_only_the_servers_own_refusals_are_excused(
    status: int, coding: str | None, excused: bool
) -> None:
    headers = {} if coding is None else {"Transfer-Encoding": coding}
    request = requests.Request("GET", "http://127.0.0.1/api/v1/x", headers=headers).prepare()
    response = schemathesis.Response(
        status_code=status, headers={}, content=b"", request=request, elapsed=0.0, verify=True
    )
    assert refused_by_the_server(response) is excused
