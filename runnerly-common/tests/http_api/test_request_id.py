"""Request ids: a well-formed incoming ``X-Request-ID`` is kept, anything else replaced."""

from __future__ import annotations

import re
from typing import Any

import pytest

GENERATED = re.compile(r"[0-9a-f]{32}")


class TestIncomingRequestId:
    @pytest.mark.parametrize(
        "incoming",
        [
            "3f2b8c1e-6a7d-4e0f-9b1a-2c3d4e5f6a7b",
            "gw-1700000000.123:node-2",
            "a" * 128,
        ],
    )
    def test_a_well_formed_id_is_kept_and_echoed(self, client: Any, incoming: str) -> None:
        response = client.get("/healthz", headers={"X-Request-ID": incoming})
        assert response.headers["X-Request-ID"] == incoming

    def test_the_kept_id_is_the_one_named_in_error_bodies(self, client: Any) -> None:
        response = client.get("/nope", headers={"X-Request-ID": "trace-0001-abcd"})
        assert response.get_json()["request_id"] == "trace-0001-abcd"
        assert response.headers["X-Request-ID"] == "trace-0001-abcd"

    @pytest.mark.parametrize(
        "incoming",
        [
            "short",
            "a" * 129,
            "id with spaces",
            '"><script>alert(1)</script>',
            "trace/../../etc",
            "x" * 20 + "\u00e9",
        ],
    )
    def test_a_malformed_id_is_replaced_by_a_new_one(self, client: Any, incoming: str) -> None:
        response = client.get("/nope", headers={"X-Request-ID": incoming})
        request_id = response.headers["X-Request-ID"]
        assert GENERATED.fullmatch(request_id)
        assert response.get_json()["request_id"] == request_id


class TestGeneratedRequestId:
    def test_a_request_without_an_id_gets_one(self, client: Any) -> None:
        assert GENERATED.fullmatch(client.get("/healthz").headers["X-Request-ID"])

    def test_each_request_gets_its_own_id(self, client: Any) -> None:
        ids = {client.get("/healthz").headers["X-Request-ID"] for _ in range(5)}
        assert len(ids) == 5

    def test_errors_raised_by_views_carry_the_generated_id(self, client: Any) -> None:
        response = client.get("/boom")
        assert response.get_json()["request_id"] == response.headers["X-Request-ID"]
