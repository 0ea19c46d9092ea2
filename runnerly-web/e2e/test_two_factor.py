"""Two-factor sign-in in the browser, on the stack `make run` starts: a new runner sets it
up from the profile (the key read off the page, codes computed here as an authenticator app
does), logs out, logs in with their password and a code, then with a recovery code."""

from __future__ import annotations

import re
import secrets
import time

import pyotp
from playwright.sync_api import Page, expect

from e2e.runner import assert_accessible, assert_page_ran_clean, sign_up
from runnerly_common.testing.procfile import ProcfileStack


def _log_out(page: Page) -> None:
    # Exact: the profile also has "Log out everywhere".
    page.get_by_role("button", name="Log out", exact=True).click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def _password_step(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()


def test_a_runner_signs_in_with_a_code_and_then_with_a_recovery_code(
    stack: ProcfileStack, page: Page
) -> None:
    # The browser context is the session's: start logged out, whatever ran before.
    page.context.clear_cookies()
    email = f"e2e-2fa-{secrets.token_hex(4)}@example.com"
    password = f"totp {secrets.token_hex(6)} lighthouse"
    sign_up(page, email, password)

    page.goto("/profile")
    section = page.get_by_role("region", name="Two-factor sign-in")
    section.get_by_role("button", name="Set up two-factor sign-in").click()
    qr = section.get_by_role("img", name=re.compile("QR code"))
    expect(qr).to_be_visible()
    assert_accessible(page, "the two-factor enrolment")
    # Drawn: the server's SVG data: URI, loaded under the page's own policy.
    assert qr.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    app = pyotp.TOTP(section.get_by_test_id("two-factor-secret").inner_text().replace(" ", ""))
    enrolled_at = time.time()
    section.get_by_label("Code from your app").fill(app.at(enrolled_at))
    section.get_by_role("button", name="Turn on").click()
    expect(section.locator(".recovery-codes li")).to_have_count(10)
    codes = section.locator(".recovery-codes li").all_inner_texts()
    assert len(codes) == 10, codes
    section.get_by_role("button", name="I have saved them").click()
    expect(section.get_by_text("10 recovery codes left")).to_be_visible()
    _log_out(page)

    # The password alone opens nothing; the app's code does. The step the enrolment spent
    # is never good again, so the code is the next step's when the clock has not moved on.
    _password_step(page, email, password)
    assert page.request.get("/api/web/session").json()["user"] is None
    step = max(int(time.time()) // 30, int(enrolled_at) // 30 + 1)
    code = page.get_by_label("Code from your app")
    expect(code).to_have_attribute("autocomplete", "one-time-code")
    assert_accessible(page, "the login's second step")
    code.fill(app.at(step * 30))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    _log_out(page)

    # Without the phone: a recovery code, once.
    _password_step(page, email, password)
    page.get_by_role("button", name="Use a recovery code").click()
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    page.goto("/profile")
    region = page.get_by_role("region", name="Two-factor sign-in")
    expect(region.get_by_text("9 recovery codes left")).to_be_visible()
    assert_page_ran_clean(page)
    _log_out(page)  # the browser context is the next test's
