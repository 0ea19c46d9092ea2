"""The account-recovery tests (password reset, email change) on an app of their own: its
mail queued on the outbox's Redis database (:mod:`outbox`), reset requests from the tests'
one client address not limited per client, and a short answer floor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from runnerly_common.testing import ServiceUnavailable, skip_or_fail
from runnerly_common.testing.redis import shared_redis
from runnerly_common.testing.services import Dataservice, Tokendealer

from ..conftest import make_app, web_settings
from ..helpers import Browser
from .outbox import OUTBOX_DB, Outbox

ANSWER_MS = 500


@pytest.fixture(scope="module")
def account_app(
    tokendealer: Tokendealer,
    dataservice: Dataservice,
    sim: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Flask:
    try:
        broker = shared_redis(OUTBOX_DB)
    except ServiceUnavailable as exc:
        skip_or_fail(str(exc))
    settings = web_settings(
        tokendealer,
        dataservice,
        sim,
        tmp_path_factory.mktemp("account-web"),
        broker_url=broker,
        login_max_per_address=10_000,
        password_reset_max_per_address=10_000,
        password_reset_answer_ms=ANSWER_MS,
    )
    return make_app(settings)


@pytest.fixture
def outbox(account_app: Flask) -> Outbox:
    return Outbox(account_app.extensions["runnerly.settings"].broker_url)


@pytest.fixture
def new_browser(account_app: Flask) -> Callable[[], Browser]:
    return lambda: Browser(account_app.test_client())


@pytest.fixture
def browser(new_browser: Callable[[], Browser]) -> Browser:
    return new_browser()


@pytest.fixture
def runner(browser: Browser) -> dict[str, Any]:
    return browser.sign_up()
