"""The pool settings bound the PostgreSQL connections each dataservice process holds: the
compose file's connection budget (deploy/tests/test_capacity.py) counts on them."""

from __future__ import annotations

from cryptography.fernet import Fernet

from dataservice.app import create_app
from dataservice.settings import DataServiceSettings


def test_the_pool_settings_size_the_engine(database_url: str) -> None:
    settings = DataServiceSettings.load(
        environ={"DATASERVICE_DB_POOL_SIZE": "3", "DATASERVICE_DB_MAX_OVERFLOW": "1"},
        env="test",
        database_url=database_url,
        strava_token_keys=Fernet.generate_key().decode(),
    )
    app = create_app(settings)
    db = app.extensions["runnerly.db"]
    try:
        if database_url.startswith("postgresql"):
            # What one process may hold at most: pool_size + max_overflow.
            pool = db.engine.pool
            assert (pool.size(), pool._max_overflow) == (3, 1)  # type: ignore[attr-defined]
        with db.transaction() as session:  # SQLite takes neither option and still works
            assert session.connection() is not None
    finally:
        db.dispose()
