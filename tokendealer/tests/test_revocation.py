"""Revoking a signing key now (a leak): out of the JWKS at once, its private half erased,
recorded; the key that signs only with a rotation in the same command."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import jwt
import pytest

from tokendealer import admin
from tokendealer.keys.keyring import KeyRingError
from tokendealer.keys.models import SigningKey

TOKENDEALER = shutil.which("tokendealer") or str(Path(sys.executable).with_name("tokendealer"))


def _token(http, client) -> str:
    response = http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=client.basic
    )
    return response.json["access_token"]


def _kid(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


def _published(http) -> list[str]:
    return [k["kid"] for k in http.get("/.well-known/jwks.json").json["keys"]]


def _ring(dealer):
    with dealer.db.transaction() as session:
        return dealer.keyring.describe(session)


def _revoke(dealer, kid: str, *, rotate: bool = False, by: str = "ops@example.org"):
    with dealer.db.transaction() as session:
        return dealer.keyring.revoke(session, kid, by=by, rotate=rotate)


class TestRevokingTheKeyThatSigns:
    def test_it_is_refused_without_a_rotation_and_nothing_changes(self, http, dealer, worker):
        token = _token(http, worker)
        with pytest.raises(KeyRingError, match="--rotate"):
            _revoke(dealer, _kid(token))
        assert _kid(token) in _published(http)
        assert _ring(dealer)["revoked"] == []

    def test_with_a_rotation_the_next_key_signs_and_the_old_one_is_withdrawn_at_once(
        self, http, dealer, worker, via_jwks
    ):
        token = _token(http, worker)
        upcoming = _ring(dealer)["next"][0]

        ring = _revoke(dealer, _kid(token), rotate=True)

        assert ring["revoked_now"] == _kid(token)
        assert ring["current"] == upcoming  # published before: verifiers already know it
        assert _kid(token) not in _published(http)
        assert _kid(token) not in ring["retired"]
        with pytest.raises(jwt.InvalidKeyError):
            via_jwks(token)
        assert _kid(_token(http, worker)) == upcoming
        assert len(ring["next"]) == 1

    def test_the_tokendealer_itself_stops_accepting_its_tokens(
        self, http, dealer, worker, register
    ):
        resource = register("dataservice", ["dataservice"])  # the resource server itself
        token = _token(http, worker)
        assert http.post("/oauth/introspect", data={"token": token}, headers=resource.basic).json[
            "active"
        ]
        _revoke(dealer, _kid(token), rotate=True)
        answer = http.post("/oauth/introspect", data={"token": token}, headers=resource.basic)
        assert answer.json == {"active": False}


class TestRevokingOtherKeys:
    def test_the_next_key_is_withdrawn_and_replaced(self, http, dealer):
        upcoming = _ring(dealer)["next"][0]
        ring = _revoke(dealer, upcoming)
        assert upcoming not in _published(http)
        assert ring["next"] and upcoming not in ring["next"]
        with dealer.db.transaction() as session:
            dealer.keyring.rotate(session)  # promotes the replacement, never the revoked one
            assert dealer.keyring.describe(session)["current"] == ring["next"][0]

    def test_a_retired_key_is_withdrawn_before_its_tokens_expire(
        self, http, dealer, worker, via_jwks
    ):
        old = _token(http, worker)
        with dealer.db.transaction() as session:
            dealer.keyring.rotate(session)
        assert _kid(old) in _published(http)
        _revoke(dealer, _kid(old))
        assert _kid(old) not in _published(http)
        with pytest.raises(jwt.InvalidKeyError):
            via_jwks(old)


class TestTheRecord:
    def test_who_and_when_are_kept_and_the_private_key_is_erased(self, http, dealer, worker):
        kid = _kid(_token(http, worker))
        _revoke(dealer, kid, rotate=True, by="alice")
        ring = _ring(dealer)
        [record] = ring["revoked"]
        assert record["kid"] == kid and record["revoked_by"] == "alice"
        assert record["revoked_at"] > 0
        with dealer.db.transaction() as session:
            row = session.get(SigningKey, kid)
            assert row.private_pem == b""
            # Purges of retired keys leave the record alone, however old.
            row.retired_at = 1.0
            dealer.keyring.rotate(session)
            assert session.get(SigningKey, kid) is not None

    def test_revoking_again_changes_nothing(self, http, dealer, worker):
        kid = _kid(_token(http, worker))
        _revoke(dealer, kid, rotate=True, by="alice")
        again = _revoke(dealer, kid, rotate=True, by="bob")
        assert again["revoked_now"] is None
        assert [r["revoked_by"] for r in again["revoked"]] == ["alice"]

    def test_an_unknown_kid_is_refused_by_name(self, dealer):
        with pytest.raises(KeyRingError, match="no signing key 'nope'"):
            _revoke(dealer, "nope")


class TestAdminFacade:
    def test_revoke_key_and_list_keys(self, settings):
        ring = admin.list_keys(settings)
        current = ring["current"]
        with pytest.raises(admin.KeyRingError):
            admin.revoke_key(settings, current, by="ops")
        after = admin.revoke_key(settings, current, by="ops", rotate=True)
        assert after["current"] == ring["next"][0]
        assert [r["kid"] for r in admin.list_keys(settings)["revoked"]] == [current]


class TestCommandLine:
    @pytest.fixture
    def env(self, database_url: str) -> dict[str, str]:
        return {
            "TOKENDEALER_DATABASE_URL": database_url,
            "TOKENDEALER_KEYS_PASSPHRASE": secrets.token_urlsafe(16),
            "RUNNERLY_ENV": "development",
            "USER": "carol",
        }

    def _cli(self, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [TOKENDEALER, *args],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def test_keys_revoke(self, env: dict[str, str]) -> None:
        listed = self._cli(env, "keys", "list")
        assert listed.returncode == 0, listed.stderr
        current = json.loads(listed.stdout)["current"]

        refused = self._cli(env, "keys", "revoke", current)
        assert refused.returncode == 1
        assert "--rotate" in refused.stderr and "Traceback" not in refused.stderr

        done = self._cli(env, "keys", "revoke", current, "--rotate")
        assert done.returncode == 0, done.stderr
        ring = json.loads(done.stdout)
        assert ring["revoked_now"] == current
        assert ring["revoked"][0]["revoked_by"] == "carol"  # the login name by default
