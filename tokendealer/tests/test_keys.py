"""JWKS publication and key rotation."""

from __future__ import annotations

import jwt
import pytest

from tokendealer.keys.models import SigningKey


def _token(http, client):
    response = http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=client.basic
    )
    return response.json["access_token"]


def _kid(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


class TestJwks:
    def test_it_publishes_valid_public_jwks_for_the_current_and_next_keys(self, http):
        response = http.get("/.well-known/jwks.json")
        assert response.status_code == 200
        keys = response.json["keys"]
        assert len(keys) == 2
        for key in keys:
            assert {"kty", "kid", "use", "alg"} <= set(key)
            assert key["use"] == "sig"
            assert key["kty"] == "EC" and {"crv", "x", "y"} <= set(key)
            assert "d" not in key  # never the private part
            assert jwt.PyJWK(key).key_id == key["kid"]

    def test_it_is_cacheable_and_answers_304_to_a_matching_etag(self, http):
        first = http.get("/.well-known/jwks.json")
        assert "max-age=60" in first.headers["Cache-Control"]  # the revocation bound
        assert "public" in first.headers["Cache-Control"]
        again = http.get("/.well-known/jwks.json", headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304

    def test_the_signing_key_is_listed_first(self, http, worker):
        token = _token(http, worker)
        assert http.get("/.well-known/jwks.json").json["keys"][0]["kid"] == _kid(token)


class TestRotation:
    def test_the_key_that_signs_after_rotation_was_published_before(self, http, dealer, worker):
        published_before = {k["kid"] for k in http.get("/.well-known/jwks.json").json["keys"]}
        old_kid = _kid(_token(http, worker))
        with dealer.db.transaction() as session:
            dealer.keyring.rotate(session)
        new_kid = _kid(_token(http, worker))
        assert new_kid != old_kid
        assert new_kid in published_before

    def test_a_token_signed_before_rotation_still_verifies(self, http, dealer, worker, via_jwks):
        old = _token(http, worker)
        with dealer.db.transaction() as session:
            dealer.keyring.rotate(session)
        assert via_jwks(old)["sub"] == "strava-worker"
        published = [k["kid"] for k in http.get("/.well-known/jwks.json").json["keys"]]
        assert _kid(old) in published
        assert len(published) == 3  # current, next, and the retired one

    def test_a_retired_key_disappears_once_its_tokens_have_expired(
        self, http, dealer, worker, via_jwks
    ):
        old = _token(http, worker)
        with dealer.db.transaction() as session:
            dealer.keyring.rotate(session)
            # As if the longest token lifetime plus leeway had gone by since the rotation.
            row = session.get(SigningKey, _kid(old))
            row.retired_at -= dealer.keyring.retention + 1
        published = [k["kid"] for k in http.get("/.well-known/jwks.json").json["keys"]]
        assert _kid(old) not in published
        with pytest.raises(jwt.InvalidKeyError):
            via_jwks(old)
        with dealer.db.transaction() as session:
            assert _kid(old) in dealer.keyring.rotate(session)["purged"]

    def test_rotating_twice_keeps_every_unexpired_key_published(self, http, dealer, worker):
        tokens = [_token(http, worker)]
        for _ in range(2):
            with dealer.db.transaction() as session:
                dealer.keyring.rotate(session)
            tokens.append(_token(http, worker))
        published = {k["kid"] for k in http.get("/.well-known/jwks.json").json["keys"]}
        assert {_kid(t) for t in tokens} <= published
        assert len({_kid(t) for t in tokens}) == 3


class TestKid:
    def test_no_new_key_has_a_kid_an_operator_cannot_paste_into_keys_revoke(self):
        from tokendealer.keys import material

        # base64url thumbprints begin with "-" one time in 64; 600 keys all missing it
        # by chance would be odds of 1 in 10,000.
        kids = [material.public_jwk(material.generate("EdDSA"), "EdDSA")["kid"] for _ in range(600)]
        assert not [kid for kid in kids if kid.startswith("-")]
        assert {kid[0] for kid in kids} > {"_"}, "the kid is still the RFC 7638 thumbprint"
