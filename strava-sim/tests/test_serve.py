"""A real `strava-sim serve` with two gunicorn workers: one budget for both."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from runnerly_common.testing import free_port
from runnerly_common.testing.services import start_strava_sim

STRAVA_SIM = shutil.which("strava-sim") or str(Path(sys.executable).with_name("strava-sim"))


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "RUNNERLY_ENV": "test",
        "STRAVA_SIM_DATABASE_URL": f"sqlite:///{tmp_path}/sim.db",
        "STRAVA_SIM_CLIENT_SECRET": "serve-secret",
        "STRAVA_SIM_PORT": str(free_port()),
        "STRAVA_SIM_WORKERS": "2",
        "STRAVA_SIM_ATHLETES": "1",
        "STRAVA_SIM_RATE_LIMIT_15MIN": "20",
    }


def test_two_workers_share_one_rate_limit_count(tmp_path):
    sim = start_strava_sim(tmp_path, athletes=1, workers=2, rate_limit_15min=20)
    base, server = sim.url, sim.process
    try:
        token = requests.post(f"{base}/admin/athletes/1/grant", json={}, timeout=5).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        statuses, usages = [], []
        for _ in range(30):  # a new connection each time: both workers answer
            response = requests.get(f"{base}/api/v3/athlete", headers=headers, timeout=5)
            statuses.append(response.status_code)
            usages.append(int(response.headers["X-ReadRateLimit-Usage"].split(",")[0]))
        assert statuses == [200] * 20 + [429] * 10
        assert usages == list(range(1, 31))
        assert server.errors_in_log() == []
    finally:
        server.stop()


def test_serve_without_a_client_secret_refuses_to_start_naming_it(env, tmp_path):
    env = {**os.environ, **env, "STRAVA_SIM_CLIENT_SECRET": ""}
    result = subprocess.run(
        [STRAVA_SIM, "serve"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=30
    )
    assert result.returncode != 0 and "STRAVA_SIM_CLIENT_SECRET" in result.stderr


def test_reset_reseeds_the_same_history_quickly(env, tmp_path):
    env = {**os.environ, **env, "STRAVA_SIM_ATHLETES": "3"}
    runs = [
        subprocess.run(
            [STRAVA_SIM, "reset"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
        for _ in range(2)
    ]
    assert all(run.returncode == 0 for run in runs), runs[0].stderr
    assert (
        '"activities": 2970' in runs[0].stdout
        and runs[0].stdout.split('"seconds"')[0] == (runs[1].stdout.split('"seconds"')[0])
    )
