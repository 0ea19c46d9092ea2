"""An administrator's reset of a runner's two-factor sign-in is mailed to the runner (read
off the worker's broker, :mod:`outbox`)."""

from __future__ import annotations

import time
from typing import Any

import pyotp

from ..helpers import Browser
from .outbox import Outbox

SUBJECT = "Two-factor sign-in was removed from your Runnerly account"


def test_the_runner_is_told_when_an_administrator_removes_it(
    admin: Browser, browser: Browser, runner: dict[str, Any], outbox: Outbox
) -> None:
    started = browser.post("/api/web/profile/two-factor/enrolment")
    code = pyotp.TOTP(started.json["secret"]).at(time.time())
    assert (
        browser.post("/api/web/profile/two-factor/confirm", json={"code": code}).status_code == 200
    )
    answer = admin.post(f"/api/web/admin/users/{runner['id']}/two-factor/reset")
    assert answer.status_code == 200, answer.json
    assert answer.json == {"was_enabled": True, "runner_told": True}
    mail = outbox.one(runner["email"], SUBJECT)
    assert "Your password alone now logs in" in mail["text"]
    assert "/profile" in mail["text"]
    assert mail["runner_id"] == runner["id"]  # the worker adds their unsubscribe
    # A runner without two-factor is not mailed about a reset that removed nothing.
    again = admin.post(f"/api/web/admin/users/{runner['id']}/two-factor/reset")
    assert again.json == {"was_enabled": False, "runner_told": False}
    outbox.none(runner["email"])
