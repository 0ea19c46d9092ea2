"""``runnerly-web serve``: the real server (gunicorn) with a real cookie jar, and its
refusal to start in production without its secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import requests

from runnerly_common.testing import free_port
from runnerly_common.testing.services import Dataservice, Tokendealer, start_web

from .helpers import GOOD_PASSWORD

BIN = Path(sys.executable).parent


def test_serve_answers_and_keeps_a_session(
    tokendealer: Tokendealer, dataservice: Dataservice, sim: str, tmp_path: Path
) -> None:
    web = start_web(
        tmp_path, dataservice_url=dataservice.url, tokendealer=tokendealer, strava_url=sim
    )
    base = web.url
    try:
        ready = requests.get(f"{base}/readyz", timeout=5).json()
        assert ready["checks"]["dataservice"]["ok"] is True
        spec = requests.get(f"{base}/api/web/openapi.json", timeout=5).json()
        assert "/api/web/session" in {spec["servers"][0]["url"] + p for p in spec["paths"]}

        # Two gunicorn workers: the session and its CSRF token hold whichever answers.
        browser = requests.Session()
        csrf = browser.get(f"{base}/api/web/session", timeout=5).json()["csrf_token"]
        email = f"cli-{base.rpartition(':')[2]}@example.org"
        signed = browser.post(
            f"{base}/api/web/signup",
            json={"email": email, "password": GOOD_PASSWORD},
            headers={"X-CSRF-Token": csrf},
            timeout=10,
        )
        assert signed.status_code == 201, signed.text
        for _ in range(4):
            assert browser.get(f"{base}/api/web/profile", timeout=5).json()["email"] == email
        assert not web.process.errors_in_log(), web.process.log()
    finally:
        web.process.stop()


def test_production_refuses_to_start_without_its_secrets(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNNERLY_WEB_", "RUNNERLY_"))}
    env["RUNNERLY_ENV"] = "production"
    result = subprocess.run(
        [str(BIN / "runnerly-web"), "serve", "--port", str(free_port())],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    for name in ("RUNNERLY_WEB_SECRET_KEY", "RUNNERLY_WEB_CLIENT_SECRET"):
        assert name in result.stderr
