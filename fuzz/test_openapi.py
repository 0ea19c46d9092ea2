"""Every operation of the three specs, fuzzed by schemathesis against the running services:
its examples, coverage (each schema keyword's boundaries, valid and invalid), fuzzing
(random valid and invalid requests) and stateful (chains of calls along the links between
operations, which schemathesis infers from the specs) phases. Each answer must be below
500 and match its spec: a documented status, its content type, its schema and headers.

schemathesis runs as its command-line tool would in CI, with a configuration written
here (the credentials exist only once the services run); a failure shows schemathesis'
report: each failing request as a curl command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from stack import FuzzStack, WebSession

BIN = Path(sys.executable).parent
# Examples per operation and phase: every schema keyword is covered by the coverage phase
# anyway; this is the random part, kept small enough for a two-core CI machine.
MAX_EXAMPLES = 10
# What an answer must satisfy. Left out, with reasons (README.md): positive_data_acceptance
# and negative_data_rejection (business rules no JSON Schema states, e.g. moving_time <=
# elapsed_time, and the ids pinned below), ensure_resource_availability (a resource made
# with a service token is out of a runner token's reach, by design), unsupported_method.
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "use_after_free",
    "ignored_auth",
    "missing_required_header",
]
# Operations on the dataservice that a runner token never reaches: a service token.
SERVICE_OPERATIONS = ["listUsers", "createUser", "checkPassword", "listStravaLinks"]
# Web operations that change whose session it is: an anonymous browser of their own ...
ANONYMOUS_OPERATIONS = ["getSession", "login", "signup", "logout", "reportCspViolation"]
# ... or that end the session: a runner of their own (after the first success, 401s).
ENDING_OPERATIONS = ["deleteAccount", "logoutEverywhere"]


def toml(value: Any) -> str:
    """A TOML value: JSON's strings, numbers, booleans and arrays are TOML's too."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    return json.dumps(value)


def write_config(path: Path, settings: dict[str, Any], operations: list[dict[str, Any]]) -> Path:
    lines = [f"{json.dumps(key)} = {toml(value)}" for key, value in settings.items()]
    for operation in operations:
        lines += ["", "[[operations]]"]
        lines += [f"{json.dumps(key)} = {toml(value)}" for key, value in operation.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def base_settings(**more: Any) -> dict[str, Any]:
    return {
        # The same cases on every run: CI is repeatable, a failure reproducible. Nothing
        # kept from a run to the next (schemathesis' cache, hypothesis' example database).
        "generation": {
            "deterministic": True,
            "max-examples": MAX_EXAMPLES,
            "database": "none",
            **more,
        },
        "cache": {"enabled": False},
        # Dates are bounded by a pattern (1970..2100) on top of their format: most drawn
        # strings are filtered out, which is slow, not wrong; the CI machine is slow too.
        "suppress-health-check": ["filter_too_much", "too_slow"],
        "request-timeout": 30,
    }


INTERPRETER_BUG = "SystemError: AST constructor recursion depth mismatch"
# Serialises ast.parse inside schemathesis, where that bug comes from (see the module).
SERIAL_AST = Path(__file__).with_name("serial_ast.py")


def schemathesis(stack: FuzzStack, name: str, spec_url: str, config: Path) -> None:
    """Run every phase against ``spec_url``; fail with schemathesis' report."""
    report = stack.work / f"schemathesis-{name}"
    command = [
        str(BIN / "schemathesis"),
        "--config-file",
        str(config),
        "run",
        spec_url,
        "--workers",
        "2",
        "--no-color",
        "--checks",
        ",".join(CHECKS),
        "--report",
        "junit",
        "--report-dir",
        str(report),
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(SERIAL_AST)}
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env)
    output = result.stdout + result.stderr
    if result.returncode != 0 and INTERPRETER_BUG in output:
        # Not a finding: CPython 3.11 before 3.11.8 (this machine has 3.11.7) can fail an
        # ast.parse in one thread while another parses (gh-106905), and hypothesis parses
        # the source of its filters to name them. serial_ast.py serialises those parses;
        # should some other path still meet the bug, the run is repeated once.
        print(output)
        result = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env)
        output = result.stdout + result.stderr
    print(output)  # pytest shows it with -s, or on failure
    assert result.returncode == 0, f"schemathesis found failures in {name}:\n{output[-30000:]}"


def cookie_headers(browser: WebSession) -> dict[str, str]:
    return {
        "Cookie": f"session={browser.cookies['session']}",
        "X-CSRF-Token": browser.headers["X-CSRF-Token"],
    }


def test_dataservice(stack: FuzzStack) -> None:
    # The fuzzer acts as one runner: its id in every path, so a case reaches the
    # operation's logic, not the 404 another runner's id gets. Deleting a runner
    # deletes a victim of its own instead (once; 404 after).
    victim = stack.ensure_user("fuzz-victim@example.org")
    runner = {"Authorization": f"Bearer {stack.runner_token()}"}
    service = {"Authorization": f"Bearer {stack.service_token()}"}
    config = write_config(
        stack.work / "dataservice.toml",
        {
            **base_settings(**{"with-security-parameters": False}),
            "headers": runner,
            "parameters": {"user_id": stack.runner_id, "runner_id": stack.runner_id},
        },
        [
            {"include-operation-id": SERVICE_OPERATIONS, "headers": service},
            {"include-operation-id": "deleteUser", "parameters": {"user_id": victim}},
        ],
    )
    spec = f"{stack.urls['dataservice']}/api/v1/openapi.json"
    schemathesis(stack, "dataservice", spec, config)


def test_web(stack: FuzzStack) -> None:
    # A logged-in administrator (the admin operations reach their logic; it cannot
    # disable or delete itself), with its CSRF token, as the dashboard sends them.
    admin = cookie_headers(stack.web_session(admin=True))
    anonymous = cookie_headers(WebSession(stack.urls["web"]))
    ending = cookie_headers(stack.web_session())
    config = write_config(
        stack.work / "web.toml",
        # The session cookie and CSRF header are sent as headers: generated ones would
        # replace them.
        {**base_settings(**{"with-security-parameters": False}), "headers": admin},
        [
            {"include-operation-id": ANONYMOUS_OPERATIONS, "headers": anonymous},
            {"include-operation-id": ENDING_OPERATIONS, "headers": ending},
        ],
    )
    schemathesis(stack, "runnerly-web", f"{stack.urls['web']}/api/web/openapi.json", config)


def test_tokendealer(stack: FuzzStack) -> None:
    client_id, secret = stack.client_auth()
    config = write_config(
        stack.work / "tokendealer.toml",
        {
            **base_settings(),
            "auth": {"openapi": {"clientBasic": {"username": client_id, "password": secret}}},
        },
        [],
    )
    schemathesis(stack, "tokendealer", f"{stack.urls['tokendealer']}/openapi.json", config)
