"""Ids beyond 64 bits in the simulator's URLs: a 404 like any unknown id (SQLite raised
OverflowError on them, a 500), through the toolkit's bounded ``<int:...>`` converter."""

from __future__ import annotations

import pytest
from conftest import bearer

HUGE = [str(2**63), "9" * 30]


@pytest.mark.parametrize("activity_id", HUGE)
def test_an_activity_id_beyond_64_bits_is_404(http, tokens, activity_id):
    response = http.get(f"/api/v3/activities/{activity_id}", headers=bearer(tokens))
    assert response.status_code == 404
    assert response.is_json
