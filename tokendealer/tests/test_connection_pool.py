"""The pool settings bound the PostgreSQL connections each tokendealer process holds: the
compose file's connection budget (deploy/tests/test_capacity.py) counts on them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tokendealer.service import TokenDealer
from tokendealer.settings import TokenDealerSettings


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_pool_settings_size_the_engine(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # The database itself, not the database_url fixture: nothing is written to clean up.
    if backend == "sqlite":
        database_url = f"sqlite:///{tmp_path}/tokendealer.db"
    else:
        database_url = request.getfixturevalue("postgres_database")
    settings = TokenDealerSettings.load(
        environ={"TOKENDEALER_DB_POOL_SIZE": "3", "TOKENDEALER_DB_MAX_OVERFLOW": "1"},
        env="test",
        database_url=database_url,
        keys_passphrase="test-passphrase",
    )
    dealer = TokenDealer(settings)
    try:
        if database_url.startswith("postgresql"):
            # What one process may hold at most: pool_size + max_overflow.
            pool = dealer.db.engine.pool
            assert (pool.size(), pool._max_overflow) == (3, 1)  # type: ignore[attr-defined]
        with dealer.db.transaction() as session:  # SQLite takes neither and still works
            assert session.connection() is not None
    finally:
        dealer.db.dispose()
