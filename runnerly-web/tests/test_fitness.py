"""Training load, fitness, fatigue and form through /api/web: what the Fitness page reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from .helpers import Browser
from .test_vo2max import gpx_with_heart_rate


def test_a_run_with_heart_rate_gives_the_days_load_fitness_and_fatigue(
    browser: Browser, runner: dict[str, Any]
) -> None:
    assert browser.patch("/api/web/profile", json={"max_hr": 190, "rest_hr": 50}).status_code == 200
    start = (datetime.now(UTC) - timedelta(days=2)).replace(hour=7, minute=0, second=0)
    created = browser.post(
        "/api/web/runs/import?filename=tempo.gpx",
        data=gpx_with_heart_rate(start, 300, 155),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert created.status_code == 201, created.json
    day = created.json["start_local"][:10]

    answer = browser.get(f"/api/web/fitness?from={day}&to={day}")
    assert answer.status_code == 200, answer.json
    (shown,) = answer.json["days"]
    # 2,990 s at 155 bpm, 75 % of the reserve: 49.83 min x 0.75 x 0.725215 x e^(1.795 x 0.75)
    # = 27.104 x 3.8437 = 104.2 (Banister's TRIMP, Runalyze's constants for an unknown sex)
    assert shown["load"] == pytest.approx(104.2, abs=0.1)
    assert shown["fitness"] == round(shown["load"] / 42, 1)
    assert shown["fatigue"] == round(shown["load"] / 7, 1)
    assert answer.json["settings"]["max_hr"] == 190


def test_a_threshold_pace_is_kept_in_the_profile_and_a_bad_span_is_a_400(
    browser: Browser, runner: dict[str, Any]
) -> None:
    changed = browser.patch("/api/web/profile", json={"threshold_pace": 250})
    assert changed.status_code == 200, changed.json
    assert browser.get("/api/web/profile").json["threshold_pace"] == 250
    settings = browser.get("/api/web/fitness").json["settings"]
    assert settings == {
        "max_hr": None,
        "rest_hr": None,
        "threshold_pace": 250,
        "threshold_from": "profile",
    }
    bad = browser.get("/api/web/fitness?from=2026-03-02&to=2026-03-01")
    assert bad.status_code == 400
    assert bad.json["errors"][0]["field"] == "query.to"


def test_signed_out_the_fitness_is_a_401(new_browser: Any) -> None:
    assert new_browser().get("/api/web/fitness").status_code == 401
