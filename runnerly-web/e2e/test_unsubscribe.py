"""Unsubscribe from the email's header, on the stack `make run` starts: a new runner's
monthly report mailed by the worker to the development sink (var/dev/mail), its
``List-Unsubscribe`` URI posted as a mail client does it (RFC 8058 one-click: the body
``List-Unsubscribe=One-Click``, no cookie, no CSRF token) through the gateway, and the
runner's profile shows the report off."""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
import time
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from urllib.parse import urlsplit

import requests
from playwright.sync_api import Page, expect

from e2e.runner import assert_accessible, assert_page_ran_clean, gpx_for, sign_up
from runnerly_common.testing.procfile import GATEWAY_URL, ROOT, ProcfileStack

MAILDIR = ROOT / "var" / "dev" / "mail"
# The worker's own environment sends the task: this process (tox's) has no Celery.
SEND = """
import sys
from celery import Celery
from runnerly_common.tasks import SEND_REPORT
app = Celery(broker=sys.argv[1])
runner, year, month = (int(value) for value in sys.argv[2:5])
SEND_REPORT.send(app, {"runner_id": runner, "year": year, "month": month})
app.close()
"""


def _dev_env(name: str) -> str:
    for line in (ROOT / "config" / "dev.env").read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == name:
            return value.strip()
    raise AssertionError(f"{name} not in config/dev.env")


def _previous_month() -> tuple[int, int]:
    today = datetime.now(UTC).date()
    return (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)


def _report_to(email: str, timeout: float = 90) -> EmailMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(MAILDIR.glob("*.eml")):
            message = message_from_bytes(path.read_bytes(), policy=default_policy)
            if email in str(message["To"]) and str(message["Subject"]).startswith("Your running"):
                return message  # type: ignore[return-value]
        time.sleep(0.5)
    raise AssertionError(f"no report mail to {email} in {MAILDIR} after {timeout}s")


def test_a_runner_unsubscribes_with_the_report_mails_one_click_header(
    stack: ProcfileStack, page: Page, tmp_path: Path
) -> None:
    # The browser context is the session's: start logged out, whatever ran before.
    page.context.clear_cookies()
    email = f"e2e-mail-{secrets.token_hex(4)}@example.com"
    sign_up(page, email, f"mail {secrets.token_hex(6)} harbour")
    session = page.request.get("/api/web/session").json()
    runner_id, csrf = session["user"]["id"], session["csrf_token"]
    year, month = _previous_month()
    gpx = gpx_for(datetime(year, month, 12, 12, tzinfo=UTC), tmp_path / "last-month.gpx")
    upload = page.request.post(
        "/api/web/runs/import?filename=last-month.gpx",
        data=gpx.read_bytes(),
        headers={"Content-Type": "application/octet-stream", "X-CSRF-Token": csrf},
    )
    assert upload.status == 201, upload.text()

    broker = _dev_env("STRAVA_WORKER_BROKER_URL")
    python = ROOT / ".venv" / "bin" / "python"
    subprocess.run(
        [
            str(python if python.exists() else sys.executable),
            "-c",
            SEND,
            broker,
            str(runner_id),
            str(year),
            str(month),
        ],
        cwd=ROOT,
        check=True,
        timeout=60,
    )
    message = _report_to(email)

    # The headers as a mail client reads them: one URI (http in development) and the flag.
    [uri] = re.findall(r"<([^>]*)>", str(message["List-Unsubscribe"]))
    assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    assert urlsplit(uri).path.startswith("/unsubscribe/")
    assert uri.startswith(GATEWAY_URL.replace("127.0.0.1", "localhost")) or uri.startswith(
        GATEWAY_URL
    )
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert uri in text  # the same link, visible

    # The mail client's POST: no cookie, no session, no CSRF token; through the gateway.
    one_click = requests.post(
        uri,
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert one_click.status_code == 200, one_click.text[:300]
    assert "set-cookie" not in {k.lower() for k in one_click.headers}

    page.goto("/profile")
    section = page.get_by_role("region", name="Email")
    expect(section.get_by_label("Send me the monthly report")).not_to_be_checked()
    # Turned on again from the profile, and the link's own page asks before it changes.
    section.get_by_label("Send me the monthly report").check()
    expect(
        section.get_by_text("Saved: your report comes on the 1st of each month.")
    ).to_be_visible()
    page.goto(urlsplit(uri).path)
    expect(page.get_by_role("heading", name="Unsubscribe from the monthly report?")).to_be_visible()
    assert_accessible(page, "the unsubscribe page")
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    assert_accessible(page, "the unsubscribed page")
    assert page.request.get("/api/web/email-preferences").json()["monthly_report"] is False
    assert_page_ran_clean(page)
    page.context.clear_cookies()  # the next test starts logged out
