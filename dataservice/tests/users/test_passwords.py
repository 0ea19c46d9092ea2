"""Password hashes: RFC 9106's Argon2id unless a test suite asks for the cheapest, which
production refuses."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from dataservice.app import create_app
from dataservice.settings import DataServiceSettings
from dataservice.users import passwords
from runnerly_common.settings import SettingsError


def _settings(**fields: str) -> DataServiceSettings:
    return DataServiceSettings.load(
        environ={},
        database_url="sqlite://",
        strava_token_keys=Fernet.generate_key().decode(),
        **fields,
    )


def test_a_password_is_hashed_with_rfc_9106_argon2id_by_default():
    app = create_app(_settings(env="test"))
    with app.app_context():
        stored = passwords.hash_password("correct horse battery staple")
        assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")  # RFC 9106, low memory
        assert passwords.verify_password(stored, "correct horse battery staple")
        assert not passwords.verify_password(stored, "correct horse battery stapler")


def test_a_test_suite_may_ask_for_the_cheapest_and_its_hashes_still_verify():
    app = create_app(_settings(env="test", password_hash="cheapest"))
    with app.app_context():
        stored = passwords.hash_password("correct horse battery staple")
        assert not stored.startswith("$argon2id$v=19$m=65536")
        assert passwords.verify_password(stored, "correct horse battery staple")
        assert not passwords.verify_password(stored, "wrong")
        assert not passwords.verify_password(None, "correct horse battery staple")
    # The command line (ensure-user, the admin facade) hashes with the standard parameters.
    assert passwords.hash_password("x").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_production_refuses_the_cheapest_naming_the_variable():
    with pytest.raises(SettingsError, match="DATASERVICE_PASSWORD_HASH"):
        _settings(env="production", password_hash="cheapest").check()
    with pytest.raises(SettingsError, match="DATASERVICE_PASSWORD_HASH must be rfc9106 or"):
        _settings(env="test", password_hash="md5").check()
