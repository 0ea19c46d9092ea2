"""Migration 0003 (runner grants, decision 54) on a database at 0002 with its clients: they
keep working as they were, as service clients; going back down removes apps, which the
older code would take for service clients."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text

from runnerly_common.db import make_engine
from runnerly_common.testing import ServiceUnavailable, skip_or_fail, temporary_postgres_database
from tokendealer.apps.registry import register_app
from tokendealer.clients import registry
from tokendealer.migrate import alembic_config, current, upgrade
from tokendealer.service import TokenDealer
from tokendealer.settings import TokenDealerSettings


@pytest.fixture(params=["sqlite", "postgresql"])
def at_0002(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """A database at revision 0002 holding one service client, made as 0002's code did."""

    def _fill(url: str) -> str:
        upgrade(url, "0002")
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO clients (client_id, secret_salt, secret_hash, audiences, scopes,"
                    " user_scopes, disabled, created_at) VALUES ('strava-worker', :salt, :hash,"
                    " 'dataservice', 'runs:read', '', false, 1)"
                ),
                {"salt": "ab", "hash": registry._hash("ab", "the-secret")},
            )
        engine.dispose()
        return url

    if request.param == "sqlite":
        yield _fill(f"sqlite:///{tmp_path}/td.db")
        return
    try:
        with temporary_postgres_database("runnerly_td_m0003") as url:
            yield _fill(url)
    except ServiceUnavailable as exc:
        skip_or_fail(str(exc))


def _dealer(url: str) -> TokenDealer:
    return TokenDealer(
        TokenDealerSettings.load(
            environ={}, env="test", database_url=url, keys_passphrase="test-passphrase"
        )
    )


def test_clients_at_0002_stay_service_clients_with_their_secret(at_0002: str) -> None:
    upgrade(at_0002)
    assert current(at_0002) == "0003"
    dealer = _dealer(at_0002)
    try:
        with dealer.db.transaction() as session:
            client = registry.authenticate(session, "strava-worker", "the-secret")
            assert client is not None
            assert (client.is_app, client.public, client.redirect_uris) == (False, False, "")
            assert client.scope_set == {"runs:read"}
    finally:
        dealer.db.dispose()


def test_going_down_to_0002_removes_apps_and_keeps_service_clients(at_0002: str) -> None:
    upgrade(at_0002)
    dealer = _dealer(at_0002)
    try:
        with dealer.db.transaction() as session:
            register_app(
                session,
                "run-stats",
                name="Run Stats",
                redirect_uris=["https://app.example/cb"],
                scopes=["runs:read"],
                public=True,
            )
    finally:
        dealer.db.dispose()
    command.downgrade(alembic_config(at_0002), "0002")
    engine = make_engine(at_0002)
    with engine.connect() as connection:
        names = [row[0] for row in connection.execute(text("SELECT client_id FROM clients"))]
    engine.dispose()
    assert names == ["strava-worker"]
