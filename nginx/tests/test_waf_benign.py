"""Realistic Runnerly traffic passes the WAF untouched: runner text with quotes, dashes and
<3 in many languages, passwords full of symbols, GPX/TCX uploads, encoded polylines, JWTs,
OAuth form posts and Strava webhooks (nginx/tests/data/waf_benign.json)."""

from __future__ import annotations

import pytest
from waf_support import benign_cases, decision, send

pytest_plugins = ("waf_support",)

BENIGN = list(benign_cases())


def test_the_benign_set_covers_what_runnerly_receives() -> None:
    labels = {case.label.rsplit("-", 1)[0] for case in BENIGN}
    assert {
        "text-query",
        "text-form",
        "text-json",
        "password-form",
        "password-json",
        "polyline",
        "jwt-header",
        "jwt-form",
    } <= labels
    requests = {case.label for case in BENIGN}
    assert {
        "gpx-upload",
        "tcx-upload",
        "oauth-client-credentials",
        "strava-webhook-update-title",
        "run-with-polylines",
    } <= requests


@pytest.mark.parametrize("case", BENIGN, ids=lambda case: case.label)
def test_benign_traffic_passes_without_a_score(waf, http, case) -> None:
    response = send(http, waf, case)

    assert response.status_code == 200, response.text
    verdict = decision(response)
    assert verdict["action"] == "pass"
    assert verdict["score"] < 5
