"""``runnerly add-client`` and ``runnerly rotate-keys``, on the tokendealer's database."""

from __future__ import annotations

import json

import pytest
from helpers import one_line

from runnerly_common.db import Database
from tokendealer.clients import registry
from tokendealer.clients.models import Client
from tokendealer.keys.models import SigningKey


@pytest.fixture
def tokendealer_db(tokendealer_url):
    db = Database(tokendealer_url)
    yield db
    db.dispose()


class TestAddClient:
    def test_the_secret_printed_once_authenticates_the_client(self, runnerly, tokendealer_db):
        result = runnerly("add-client", "reports-bot", "--scope", "runs:read reports:read")
        assert result.exit_code == 0, result.output
        out = json.loads(result.stdout)
        assert out["client_id"] == "reports-bot"
        assert out["audiences"] == ["dataservice"]
        assert out["scopes"] == ["reports:read", "runs:read"]
        with tokendealer_db.sessionmaker() as session:
            client = registry.authenticate(session, "reports-bot", out["client_secret"])
            assert client is not None
            assert registry.authenticate(session, "reports-bot", "not the secret") is None
            stored = session.get(Client, "reports-bot")
            assert out["client_secret"] not in repr(vars(stored))  # kept hashed only

    def test_audiences_can_be_named(self, runnerly):
        result = runnerly(
            "add-client", "bot", "--scope", "x", "--audience", "dataservice", "--audience", "web"
        )
        assert json.loads(result.stdout)["audiences"] == ["dataservice", "web"]

    @pytest.mark.parametrize(
        ("name", "problem"),
        [("runnerly-web", "already exists"), ("Bad Name!", "client name must be")],
        ids=["taken", "invalid"],
    )
    def test_a_taken_or_invalid_name_is_one_line_and_exit_1(self, runnerly, name, problem):
        assert runnerly("add-client", "runnerly-web", "--scope", "runs:read").exit_code == 0
        result = runnerly("add-client", name, "--scope", "runs:read")
        assert result.exit_code == 1
        assert problem in one_line(result)
        assert "client_secret" not in result.stdout


class TestRotateKeys:
    def test_the_next_key_signs_and_the_old_one_stays_published(self, runnerly, tokendealer_db):
        first = json.loads(runnerly("rotate-keys").stdout)
        second = runnerly("rotate-keys")
        assert second.exit_code == 0, second.output
        rotated = json.loads(second.stdout)
        assert rotated["current"] == first["next"][0]
        assert first["current"] in rotated["retired"]
        with tokendealer_db.sessionmaker() as session:
            kids = {row.kid for row in session.query(SigningKey)}
        assert {first["current"], rotated["current"], *rotated["next"]} <= kids

    def test_an_unreachable_database_is_one_line_and_exit_1(self, runnerly):
        result = runnerly(
            "rotate-keys", TOKENDEALER_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:1/x"
        )
        assert result.exit_code == 1
        line = one_line(result)
        assert "the tokendealer's database" in line and "unavailable" in line
