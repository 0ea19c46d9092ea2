"""Two-factor sign-in through /api/v1/users/{id}/two-factor: enrolment, codes good once,
recovery codes good once, disabling, new recovery codes, an administrator's reset, and
the migration that adds it."""

from __future__ import annotations

import time

import pyotp
import pytest
from alembic import command
from sqlalchemy import inspect, text

from dataservice import admin
from dataservice.migrate import alembic_config, upgrade
from runnerly_common.db import make_engine

WORKER = "strava-worker"


def code(secret: str, steps_ahead: int = 0) -> str:
    """The code the runner's app shows ``steps_ahead`` 30-second steps from now."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def url(runner: int, what: str = "") -> str:
    return f"/api/v1/users/{runner}/two-factor{what}"


def enrol(client, token, runner: int) -> tuple[str, list[str]]:
    started = client.post(url(runner, "/enrolment"), headers=token(runner=runner))
    assert started.status_code == 201, started.json
    secret = started.json["secret"]
    confirmed = client.post(
        url(runner, "/enrolment/confirm"), json={"code": code(secret)}, headers=token(runner=runner)
    )
    assert confirmed.status_code == 200, confirmed.json
    return secret, confirmed.json["recovery_codes"]


def verify(client, token, runner: int, **body) -> dict:
    answer = client.post(url(runner, "/verify"), json=body, headers=token(scope="users:read"))
    assert answer.status_code == 200, answer.json
    return answer.json


class TestEnrolment:
    def test_the_secret_is_shown_once_and_kept_encrypted(self, client, token, runner, db):
        started = client.post(url(runner, "/enrolment"), headers=token(runner=runner))
        assert started.status_code == 201
        secret = started.json["secret"]
        assert started.json["otpauth_uri"].startswith("otpauth://totp/Runnerly:")
        assert f"secret={secret}" in started.json["otpauth_uri"]
        status = client.get(url(runner), headers=token(runner=runner)).json
        assert status == {
            "enabled": False,
            "pending": True,
            "enabled_at": None,
            "recovery_codes_left": 0,
        }
        assert secret not in str(status)
        stored = db.execute(text("SELECT secret FROM two_factor")).scalar_one()
        assert secret not in stored

    def test_a_first_code_turns_it_on_and_gives_ten_recovery_codes(self, client, token, runner):
        _, codes = enrol(client, token, runner)
        assert len(codes) == 10 and len(set(codes)) == 10
        status = client.get(url(runner), headers=token(runner=runner)).json
        assert status["enabled"] is True and status["recovery_codes_left"] == 10
        # Enrolling again while it is on would swap the phone silently: refused.
        again = client.post(url(runner, "/enrolment"), headers=token(runner=runner))
        assert again.status_code == 409

    def test_a_wrong_first_code_leaves_it_off(self, client, token, runner, snapshot):
        started = client.post(url(runner, "/enrolment"), headers=token(runner=runner))
        wrong = str((int(code(started.json["secret"])) + 1) % 1_000_000).zfill(6)
        before = snapshot()
        answer = client.post(
            url(runner, "/enrolment/confirm"), json={"code": wrong}, headers=token(runner=runner)
        )
        assert answer.status_code == 422
        assert answer.json["errors"][0]["field"] == "body.code"
        assert snapshot() == before
        assert client.get(url(runner), headers=token(runner=runner)).json["enabled"] is False

    @pytest.mark.parametrize("bad", ["12345", "1234567", "abcdef", ""])
    def test_a_code_that_is_not_six_digits_is_400(self, client, token, runner, bad):
        client.post(url(runner, "/enrolment"), headers=token(runner=runner))
        answer = client.post(
            url(runner, "/enrolment/confirm"), json={"code": bad}, headers=token(runner=runner)
        )
        assert answer.status_code == 400 and answer.json["errors"][0]["field"] == "body.code"

    def test_another_runner_and_other_applications_cannot_reach_it(
        self, client, token, make_runner
    ):
        ada, bob = make_runner(), make_runner()
        assert client.get(url(ada), headers=token(runner=bob)).status_code == 404
        app_token = token(runner=ada, client="some-third-party-app")
        assert client.post(url(ada, "/enrolment"), headers=app_token).status_code == 403
        worker = token(client=WORKER, scope="users:read")
        assert (
            client.post(url(ada, "/verify"), json={"code": "123456"}, headers=worker).status_code
            == 403
        )


class TestVerify:
    def test_a_code_is_good_once(self, client, token, runner):
        secret, _ = enrol(client, token, runner)
        fresh = code(secret, steps_ahead=1)  # the confirmation spent this step's code
        assert verify(client, token, runner, code=fresh) == {
            "valid": True,
            "method": "code",
            "recovery_codes_left": 10,
        }
        assert verify(client, token, runner, code=fresh) == {"valid": False}
        # Nor an older step's, still within the window: time only moves forward.
        assert verify(client, token, runner, code=code(secret)) == {"valid": False}

    def test_a_code_from_two_steps_away_is_refused(self, client, token, runner):
        secret, _ = enrol(client, token, runner)
        far = code(secret, steps_ahead=3)
        if far in {code(secret, k) for k in (-1, 0, 1, 2)}:
            pytest.skip("six digits collided")
        assert verify(client, token, runner, code=far) == {"valid": False}

    def test_a_recovery_code_is_good_once_however_it_is_typed(self, client, token, runner):
        _, codes = enrol(client, token, runner)
        typed = codes[3].upper().replace("-", " ")
        assert verify(client, token, runner, recovery_code=typed) == {
            "valid": True,
            "method": "recovery_code",
            "recovery_codes_left": 9,
        }
        assert verify(client, token, runner, recovery_code=codes[3]) == {"valid": False}
        assert verify(client, token, runner, recovery_code=codes[4])["valid"] is True

    def test_verifying_without_two_factor_is_409(self, client, token, runner):
        answer = client.post(
            url(runner, "/verify"), json={"code": "123456"}, headers=token(scope="users:read")
        )
        assert answer.status_code == 409

    def test_a_disabled_runners_code_is_refused(self, client, token, runner, db):
        secret, _ = enrol(client, token, runner)
        db.execute(text("UPDATE users SET disabled = :yes"), {"yes": True})
        db.commit()
        assert verify(client, token, runner, code=code(secret, 1)) == {"valid": False}


class TestDisableAndRegenerate:
    def test_a_wrong_code_keeps_it_on_and_a_good_one_turns_it_off(self, client, token, runner):
        secret, _ = enrol(client, token, runner)
        wrong = client.post(
            url(runner, "/disable"), json={"recovery_code": "nope"}, headers=token(runner=runner)
        )
        assert wrong.status_code == 422
        assert wrong.json["errors"][0]["field"] == "body.recovery_code"
        assert client.get(url(runner), headers=token(runner=runner)).json["enabled"] is True
        done = client.post(
            url(runner, "/disable"), json={"code": code(secret, 1)}, headers=token(runner=runner)
        )
        assert done.status_code == 204
        status = client.get(url(runner), headers=token(runner=runner)).json
        assert status["enabled"] is False and status["pending"] is False

    def test_new_recovery_codes_replace_the_old_ones(self, client, token, runner):
        secret, old = enrol(client, token, runner)
        answer = client.post(
            url(runner, "/recovery-codes"),
            json={"code": code(secret, 1)},
            headers=token(runner=runner),
        )
        assert answer.status_code == 200
        new = answer.json["recovery_codes"]
        assert len(new) == 10 and not set(new) & set(old)
        assert verify(client, token, runner, recovery_code=old[0]) == {"valid": False}
        assert verify(client, token, runner, recovery_code=new[0])["valid"] is True


class TestAdministratorReset:
    def test_only_an_administrator_resets_it(self, client, token, make_runner):
        runner, boss = make_runner(), make_runner(is_admin=True)
        enrol(client, token, runner)
        refused = client.post(
            url(runner, "/reset"), headers=token(runner=runner, scope="users:write admin")
        )
        assert refused.status_code == 403
        done = client.post(url(runner, "/reset"), headers=token(runner=boss, scope="admin"))
        assert done.status_code == 200 and done.json == {"was_enabled": True}
        assert client.get(url(runner), headers=token(runner=runner)).json["enabled"] is False
        again = client.post(url(runner, "/reset"), headers=token(runner=boss, scope="admin"))
        assert again.json == {"was_enabled": False}
        gone = client.post(url(987654, "/reset"), headers=token(runner=boss, scope="admin"))
        assert gone.status_code == 404

    def test_the_admin_facade_resets_it_as_the_cli_does(self, client, token, runner, settings):
        enrol(client, token, runner)
        database = admin.open_database(settings.database_url)
        try:
            with database.transaction() as session:
                assert admin.reset_two_factor(session, runner) is True
            with database.transaction() as session:
                assert admin.reset_two_factor(session, runner) is False
                with pytest.raises(admin.APIError) as missing:
                    admin.reset_two_factor(session, 987654)
                assert missing.value.status == 404
        finally:
            database.dispose()
        assert client.get(url(runner), headers=token(runner=runner)).json["enabled"] is False


def test_a_database_at_0013_gains_the_empty_tables_and_loses_them_going_back(tmp_path):
    database = f"sqlite:///{tmp_path}/at-0013.db"
    upgrade(database, "0013")
    engine = make_engine(database)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (email, email_key, first_name, last_name, units,"
                    " is_admin, disabled, created_at, updated_at) VALUES ('a@example.org',"
                    " 'a@example.org', 'Ada', '', 'metric', 0, 0, '2026-01-01', '2026-01-01')"
                )
            )
        upgrade(database, "0014")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM users")).scalar() == 1
            assert connection.execute(text("SELECT count(*) FROM two_factor")).scalar() == 0
            assert connection.execute(text("SELECT count(*) FROM recovery_codes")).scalar() == 0
        command.downgrade(alembic_config(database), "0013")
        assert not {"two_factor", "recovery_codes"} & set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_an_accepted_code_moves_the_secret_to_the_newest_key(client, token, runner, app, db):
    from cryptography.fernet import Fernet

    from dataservice.strava.crypto import TokenCipher

    secret, _ = enrol(client, token, runner)
    new_key = Fernet.generate_key().decode()
    # The configured keys, newest first: a new one put in front of the old.
    settings_keys = app.extensions["runnerly.settings"].strava_token_keys
    app.extensions["dataservice.cipher"] = TokenCipher(f"{new_key},{settings_keys}")
    assert verify(client, token, runner, code=code(secret, 1))["valid"] is True
    stored = db.execute(text("SELECT secret FROM two_factor")).scalar_one()
    assert TokenCipher(new_key).decrypt(stored) == secret
