"""``tokendealer.admin``, the public admin API operators' tools use (runnerly-admin):
what it does must show at the token endpoint and in the JWKS of a running tokendealer."""

from __future__ import annotations

import base64

import jwt
import pytest

from tokendealer import admin


def _basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def _token(http, client_id, secret):
    return http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=_basic(client_id, secret),
    )


class TestAddClient:
    def test_the_secret_it_returns_once_gets_the_client_its_tokens(self, http, settings):
        added = admin.add_client(
            settings, "reports-bot", audiences=["dataservice"], scopes=["runs:read reports:read"]
        )
        assert added["client_id"] == "reports-bot"
        assert (added["audiences"], added["scopes"]) == (
            ["dataservice"],
            ["reports:read", "runs:read"],
        )
        response = _token(http, "reports-bot", added["client_secret"])
        assert response.status_code == 200
        assert response.json["scope"] == "reports:read runs:read"
        assert _token(http, "reports-bot", "not the secret").status_code == 401

    @pytest.mark.parametrize(
        ("name", "problem"),
        [("reports-bot", "already exists"), ("Bad Name!", "client name must be")],
        ids=["taken", "invalid"],
    )
    def test_a_taken_or_invalid_name_is_the_registry_error_it_exports(
        self, settings, name, problem
    ):
        admin.add_client(settings, "reports-bot", audiences=["dataservice"], scopes=["runs:read"])
        with pytest.raises(admin.RegistryError, match=problem):
            admin.add_client(settings, name, audiences=["dataservice"], scopes=["runs:read"])


class TestRotateKeys:
    def test_the_next_key_signs_and_the_old_one_stays_published(self, http, settings):
        bot = admin.add_client(settings, "bot", audiences=["dataservice"], scopes=["runs:read"])
        old_kid = jwt.get_unverified_header(
            _token(http, "bot", bot["client_secret"]).json["access_token"]
        )["kid"]
        published_before = {k["kid"] for k in http.get("/.well-known/jwks.json").json["keys"]}

        ring = admin.rotate_keys(settings)

        assert ring["current"] in published_before and ring["current"] != old_kid
        assert old_kid in ring["retired"]
        new_kid = jwt.get_unverified_header(
            _token(http, "bot", bot["client_secret"]).json["access_token"]
        )["kid"]
        assert new_kid == ring["current"]
        published = {k["kid"] for k in http.get("/.well-known/jwks.json").json["keys"]}
        assert {old_kid, new_kid, *ring["next"]} <= published
