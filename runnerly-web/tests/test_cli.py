"""``runnerly-web serve``: the real server (gunicorn) with a real cookie jar, and its
refusal to start in production without its secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import requests

from runnerly_common.testing import ServiceProcess, free_port

from .conftest import SIM_SECRET
from .helpers import GOOD_PASSWORD

BIN = Path(sys.executable).parent


def test_serve_answers_and_keeps_a_session(
    tokendealer: dict[str, str], dataservice: dict[str, Any], sim: str, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "RUNNERLY_ENV": "test",
        "RUNNERLY_WEB_PORT": str(port),
        "RUNNERLY_WEB_WORKERS": "2",
        "RUNNERLY_WEB_SECRET_KEY": "s" * 40,
        "RUNNERLY_WEB_DATASERVICE_URL": dataservice["url"],
        "RUNNERLY_WEB_TOKEN_URL": f"{tokendealer['url']}/oauth/token",
        "RUNNERLY_WEB_CLIENT_ID": tokendealer["client_id"],
        "RUNNERLY_WEB_CLIENT_SECRET": tokendealer["client_secret"],
        "RUNNERLY_WEB_STRAVA_OAUTH_URL": f"{sim}/oauth",
        "RUNNERLY_WEB_STRAVA_CLIENT_SECRET": SIM_SECRET,
        "RUNNERLY_WEB_THROTTLE_DB": str(tmp_path / "throttle.db"),
        "RUNNERLY_WEB_LOG_LEVEL": "WARNING",
    }
    base = f"http://127.0.0.1:{port}"
    with ServiceProcess(
        [str(BIN / "runnerly-web"), "serve"],
        ready_url=f"{base}/readyz",
        log_path=tmp_path / "web.log",
        env=env,
        cwd=tmp_path,
    ) as server:
        ready = requests.get(f"{base}/readyz", timeout=5).json()
        assert ready["checks"]["dataservice"]["ok"] is True
        spec = requests.get(f"{base}/api/web/openapi.json", timeout=5).json()
        assert "/api/web/session" in {spec["servers"][0]["url"] + p for p in spec["paths"]}

        # Two gunicorn workers: the session and its CSRF token hold whichever answers.
        browser = requests.Session()
        csrf = browser.get(f"{base}/api/web/session", timeout=5).json()["csrf_token"]
        email = f"cli-{port}@example.org"
        signed = browser.post(
            f"{base}/api/web/signup",
            json={"email": email, "password": GOOD_PASSWORD},
            headers={"X-CSRF-Token": csrf},
            timeout=10,
        )
        assert signed.status_code == 201, signed.text
        for _ in range(4):
            assert browser.get(f"{base}/api/web/profile", timeout=5).json()["email"] == email
        assert not server.errors_in_log(), server.log()


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
