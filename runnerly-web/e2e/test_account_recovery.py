"""A forgotten password, on the stack `make run` starts: "Forgot your password?" on the
login page, the reset mail the worker sends reaching the development sink (var/dev/mail)
with its link, a new password chosen on the link's page, then a normal login with it; the
old password no longer works, the "password changed" notice arrives, and the link works
only once."""

from __future__ import annotations

import re
import secrets
import time
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy

from playwright.sync_api import Page, expect

from e2e.accessibility import assert_accessible
from e2e.runner import assert_page_ran_clean, sign_up
from runnerly_common.testing.procfile import ROOT, ProcfileStack

MAILDIR = ROOT / "var" / "dev" / "mail"


def _mail_to(email: str, subject: str, timeout: float = 90) -> EmailMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(MAILDIR.glob("*.eml")):
            message = message_from_bytes(path.read_bytes(), policy=default_policy)
            if email in str(message["To"]) and str(message["Subject"]) == subject:
                return message  # type: ignore[return-value]
        time.sleep(0.5)
    raise AssertionError(f"no mail {subject!r} to {email} in {MAILDIR} after {timeout}s")


def _text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())  # type: ignore[attr-defined]


def _log_out(page: Page) -> None:
    csrf = page.request.get("/api/web/session").json()["csrf_token"]
    assert page.request.post("/api/web/logout", headers={"X-CSRF-Token": csrf}).ok
    page.goto("/login")  # the page forgets the session it showed


def test_a_runner_who_forgot_their_password_resets_it_from_the_emailed_link(
    stack: ProcfileStack, page: Page
) -> None:
    email = f"e2e-reset-{secrets.token_hex(4)}@example.com"
    old_password = f"reset {secrets.token_hex(6)} lantern"
    new_password = f"fresh {secrets.token_hex(6)} harbour"
    try:
        sign_up(page, email, old_password)
        _log_out(page)

        page.goto("/login")
        page.get_by_role("link", name="Forgot your password?").click()
        expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
        assert_accessible(page, "the forgot-password page")
        page.get_by_label("Email").fill(email)
        page.get_by_role("button", name="Send me a link").click()
        expect(page.locator("#main").get_by_role("status")).to_contain_text(
            "If an account uses this address"
        )

        mail = _mail_to(email, "Reset your Runnerly password")
        text = _text(mail)
        link = re.search(r"http://localhost:8080/reset-password#token=[A-Za-z0-9_-]+", text)
        assert link, text
        assert "Runnerly: http://localhost:8080" in text  # the footer links back to the app

        page.goto(link.group(0))
        expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
        assert "token" not in page.url  # read, then dropped from the address bar
        assert_accessible(page, "the new-password page")
        page.get_by_label("New password").fill(new_password)
        page.get_by_role("button", name="Set my new password").click()
        expect(page.get_by_role("heading", name="Password changed")).to_be_visible()

        page.get_by_role("link", name="Log in").click()
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(old_password)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("alert")).to_be_visible()
        page.get_by_label("Password").fill(new_password)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

        notice = _mail_to(email, "Your Runnerly password was changed")
        assert "logged out" in _text(notice)

        # The link works once.
        page.goto(link.group(0))
        page.get_by_label("New password").fill(f"again {secrets.token_hex(6)} meadow")
        page.get_by_role("button", name="Set my new password").click()
        expect(page.get_by_role("alert")).to_contain_text("already used")
        assert_page_ran_clean(page)
    finally:
        # The browser context is the next test's too: it must start logged out.
        _log_out(page)
