"""Ids beyond 64 bits in the simulator's URLs: a 404 like any unknown id (SQLite raised
OverflowError on them, a 500), through the toolkit's bounded ``<int:...>`` converter; and a
JSON body nested 100,000 deep, a 400 (RecursionError through get_json, a 500)."""

from __future__ import annotations

import pytest
from conftest import bearer

HUGE = [str(2**63), "9" * 30]


@pytest.mark.parametrize("activity_id", HUGE)
def test_an_activity_id_beyond_64_bits_is_404(http, tokens, activity_id):
    response = http.get(f"/api/v3/activities/{activity_id}", headers=bearer(tokens))
    assert response.status_code == 404
    assert response.is_json


def test_an_admin_body_nested_100000_deep_is_400(http):
    response = http.post(
        "/admin/athletes/1/activities",
        data="[" * 100_000 + "]" * 100_000,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.is_json
