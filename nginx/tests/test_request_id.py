"""Request ids: a well-formed incoming X-Request-ID is kept, any other is replaced, and the
same id reaches the service, the response and the access log."""

from __future__ import annotations

import re

import pytest
import requests
from conftest import TOO_LARGE, UPSTREAM_DOWN

GENERATED = re.compile(r"[0-9a-f]{32}")


class TestRequestIds:
    @pytest.mark.parametrize(
        "incoming",
        ["abcd1234", "0f8fad5b-d9cb-469f-a165-70867728950e", "web.42:retry_1", "x" * 128],
    )
    def test_a_well_formed_id_is_kept_end_to_end(self, gateway, incoming):
        gw = gateway()
        response = requests.get(
            gw.url("/api/v1/users/1"), headers={"X-Request-ID": incoming}, timeout=5
        )
        assert response.headers["X-Request-ID"] == incoming
        assert response.json()["headers"]["X-Request-Id"] == incoming
        assert gw.access_log_lines(expect=1)[0]["request_id"] == incoming

    @pytest.mark.parametrize(
        "incoming",
        [
            "short",
            "x" * 129,
            "has spaces in it",
            "semi;colon;id",
            'quote"injection',
            "line%0abreak",
        ],
    )
    def test_a_malformed_id_is_replaced_everywhere(self, gateway, incoming):
        gw = gateway()
        response = requests.get(
            gw.url("/api/v1/users/1"), headers={"X-Request-ID": incoming}, timeout=5
        )
        new_id = response.headers["X-Request-ID"]
        assert GENERATED.fullmatch(new_id)
        assert response.json()["headers"]["X-Request-Id"] == new_id
        assert gw.access_log_lines(expect=1)[0]["request_id"] == new_id

    def test_a_request_without_an_id_gets_a_new_one_each_time(self, gateway):
        gw = gateway()
        ids = []
        for _ in range(3):
            response = requests.get(gw.url("/"), timeout=5)
            assert response.json()["headers"]["X-Request-Id"] == response.headers["X-Request-ID"]
            ids.append(response.headers["X-Request-ID"])
        assert all(GENERATED.fullmatch(i) for i in ids)
        assert len(set(ids)) == 3
        assert [line["request_id"] for line in gw.access_log_lines(expect=3)] == ids

    def test_ids_made_by_two_workers_never_repeat(self, gateway):
        # Each worker makes its ids from a random part of its own and a counter
        # (decision 73): 300 requests over new connections, spread over both workers.
        gw = gateway(workers=2, limits={"classes": {"web": {"rate": "1000r/s", "burst": 1000}}})
        ids = [requests.get(gw.url("/"), timeout=5).headers["X-Request-ID"] for _ in range(300)]
        assert all(GENERATED.fullmatch(i) for i in ids)
        assert len(set(ids)) == 300

    def test_the_gateways_own_errors_name_the_request_id(self, gateway):
        gw = gateway(
            down=["dataservice"],
            limits={"classes": {"token": {"rate": "1r/m", "burst": 0, "nodelay": True}}},
            allowed_errors=[UPSTREAM_DOWN, TOO_LARGE],
        )
        bodies = {
            "502": requests.get(
                gw.url("/api/v1/users/1"), headers={"X-Request-ID": "trace-502-a"}, timeout=5
            ),
            "413": requests.post(
                gw.url("/oauth/token"),
                data=b"x" * 100_000,
                headers={"X-Request-ID": "trace-413-a"},
                timeout=5,
            ),
        }
        requests.post(gw.url("/oauth/token"), timeout=5)
        bodies["429"] = requests.post(
            gw.url("/oauth/token"), headers={"X-Request-ID": "trace-429-a"}, timeout=5
        )
        for status, response in bodies.items():
            assert str(response.status_code) == status
            assert response.headers["X-Request-ID"] == f"trace-{status}-a"
            assert response.json()["request_id"] == f"trace-{status}-a"
