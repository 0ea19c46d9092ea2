"""``runnerly add-app``: a third-party app registered through the tokendealer's facade
(decision 54)."""

from __future__ import annotations

import json

import pytest
from helpers import one_line

from runnerly_common.db import Database
from tokendealer.clients import registry
from tokendealer.clients.models import Client


@pytest.fixture
def tokendealer_db(tokendealer_url):
    db = Database(tokendealer_url)
    yield db
    db.dispose()


def test_a_confidential_app_gets_a_secret_once(runnerly, tokendealer_db):
    result = runnerly(
        "add-app", "coach-sync", "--name", "Coach Sync",
        "--redirect-uri", "https://coach.example/cb", "--scope", "runs:read runs:write",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["app_name"], out["public"]) == ("Coach Sync", False)
    assert out["redirect_uris"] == ["https://coach.example/cb"]
    assert out["user_scopes"] == ["runs:read", "runs:write"] and out["scopes"] == []
    with tokendealer_db.sessionmaker() as session:
        assert registry.authenticate(session, "coach-sync", out["client_secret"]) is not None
        assert out["client_secret"] not in repr(vars(session.get(Client, "coach-sync")))


def test_a_public_app_has_no_secret(runnerly):
    result = runnerly(
        "add-app", "runs-script", "--name", "Runs script", "--public",
        "--redirect-uri", "http://127.0.0.1/callback", "--scope", "runs:read",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["client_secret"] is None


@pytest.mark.parametrize(
    ("uri", "scope", "problem"),
    [
        ("http://app.example/cb", "runs:read", "must be https"),
        ("https://app.example/cb#x", "runs:read", "no fragment"),
        ("https://app.example/cb", "runs:read admin", "may not have admin"),
        ("https://app.example/cb", "strava:tokens", "may not have strava:tokens"),
    ],
)
def test_an_unsafe_redirect_or_scope_is_one_line_and_exit_1(runnerly, uri, scope, problem):
    result = runnerly(
        "add-app", "bad-app", "--name", "Bad", "--redirect-uri", uri, "--scope", scope
    )
    assert result.exit_code == 1
    assert problem in one_line(result)
    assert "client_secret" not in result.stdout
