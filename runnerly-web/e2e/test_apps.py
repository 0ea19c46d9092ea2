"""A third-party app's code flow with PKCE, on the stack `make run` starts, through the
gateway (decision 54): an operator registers the app with the tokendealer's CLI; the
documented example script (docs/examples/runs_by_code_flow.py) opens the consent page,
where the runner, logged in, reads what the app asks and clicks Allow; the browser goes
back to the script's loopback server with the code; the script exchanges it and lists the
runner's runs from /api/v1. The runner revokes the app in the profile, and its refresh
token is refused."""

from __future__ import annotations

import importlib.util
import os
import queue
import re
import secrets
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import Page, expect

from e2e.runner import assert_accessible, assert_page_ran_clean, gpx_for, sign_up
from runnerly_common.testing.procfile import GATEWAY_URL, ROOT, ProcfileStack

APP_NAME = "E2E Run Stats"


def _env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.removeprefix("export ").partition("=")
        if sep and not key.strip().startswith("#"):
            values[key.strip()] = value.strip().strip("'\"")
    return values


def _add_app(client_id: str) -> None:
    """`tokendealer add-app`, as an operator runs it on the development stack."""
    env = {**os.environ}
    for name in ("config/dev.env", "var/dev/runnerly.env"):  # honcho's order: later wins
        env.update(_env_file(ROOT / name))
    command = ROOT / ".venv" / "bin" / "tokendealer"
    subprocess.run(
        [str(command), "add-app", client_id, "--name", APP_NAME, "--public",
         "--redirect-uri", "http://127.0.0.1/callback", "--scope", "runs:read"],
        cwd=ROOT, env=env, check=True, timeout=60, capture_output=True,
    )  # fmt: skip


def _example() -> Any:
    path = ROOT / "docs" / "examples" / "runs_by_code_flow.py"
    spec = importlib.util.spec_from_file_location("runs_by_code_flow", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_an_app_gets_a_runners_runs_by_the_code_flow_and_loses_them_when_revoked(
    stack: ProcfileStack, page: Page, tmp_path: Path
) -> None:
    # The browser context is the session's: whatever an earlier test left, start logged out.
    page.context.clear_cookies()
    sign_up(
        page, f"e2e-apps-{secrets.token_hex(4)}@example.com", f"apps {secrets.token_hex(6)} kite"
    )
    session = page.request.get("/api/web/session").json()
    runner_id, csrf = session["user"]["id"], session["csrf_token"]
    gpx = gpx_for(datetime.now(UTC) - timedelta(hours=1), tmp_path / "app-run.gpx")
    upload = page.request.post(
        "/api/web/runs/import?filename=app-run.gpx",
        data=gpx.read_bytes(),
        headers={"Content-Type": "application/octet-stream", "X-CSRF-Token": csrf},
    )
    assert upload.status == 201, upload.text()

    client_id = f"e2e-app-{secrets.token_hex(4)}"
    _add_app(client_id)
    example = _example()
    example.BASE, example.CLIENT_ID = GATEWAY_URL, client_id
    # The script waits on its loopback server while the browser (this thread: Playwright's
    # sync API) goes through the consent page.
    opened: queue.Queue[str] = queue.Queue()
    result: dict[str, Any] = {}

    def script() -> None:
        try:
            result["tokens"] = example.get_token(open_url=opened.put)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            result["error"] = exc

    running = threading.Thread(target=script, daemon=True)
    running.start()
    authorize_url = opened.get(timeout=10)
    assert authorize_url.startswith(f"{GATEWAY_URL}/oauth/authorize?")
    assert "code_challenge_method=S256" in authorize_url
    page.goto(authorize_url)
    expect(
        page.get_by_role("heading", name=f"Allow {APP_NAME} to use your Runnerly account?")
    ).to_be_visible()
    expect(page.get_by_text("See your runs")).to_be_visible()
    assert_accessible(page, "the consent page")
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/callback\?code="))
    running.join(timeout=30)
    assert "error" not in result, result.get("error")
    tokens = result["tokens"]
    assert tokens["scope"] == "runs:read" and tokens["refresh_token"]

    # The script's own listing, through the gateway: this runner's runs, and no one else's.
    runs = example.list_runs(tokens["access_token"])
    assert [run["runner_id"] for run in runs] == [runner_id]
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    other = 1 if runner_id != 1 else 2  # the demo runner (make setup's)
    elsewhere = requests.get(f"{GATEWAY_URL}/api/v1/users/{other}/runs", headers=bearer, timeout=10)
    assert elsewhere.status_code == 404

    page.goto("/profile")
    apps = page.get_by_role("region", name="Apps", exact=True)
    expect(apps.get_by_text(APP_NAME)).to_be_visible()
    assert_accessible(page, "the profile's apps")
    apps.get_by_role("button", name=f"Revoke {APP_NAME}").click()
    expect(apps.get_by_text("No app or token has access to your account.")).to_be_visible()

    refreshed = requests.post(
        f"{GATEWAY_URL}/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": client_id,
        },
        timeout=10,
    )
    assert refreshed.status_code == 400, refreshed.text
    assert refreshed.json()["error"] == "invalid_grant"
    assert_page_ran_clean(page)
    # Logged out, as the next test expects to find the browser.
    page.get_by_role("button", name="Log out", exact=True).click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
