"""A runner id is never given twice: a token or a session naming a deleted runner must never
reach the account created after it.  PostgreSQL's identity sequences never go back; SQLite
reuses the highest rowid unless the table is declared AUTOINCREMENT."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text

from dataservice.migrate import alembic_config
from runnerly_common.db import make_engine

SERVICE = {"client": "runnerly-web", "scope": "users:read users:write"}


def _sign_up(client, token, email: str) -> int:
    response = client.post("/api/v1/users", json={"email": email}, headers=token(**SERVICE))
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_the_id_of_a_deleted_runner_is_never_given_again(client, token) -> None:
    first = _sign_up(client, token, "first@example.org")
    last = _sign_up(client, token, "last@example.org")
    deleted = client.delete(f"/api/v1/users/{last}", headers=token(**SERVICE))
    assert deleted.status_code == 204

    newcomer = _sign_up(client, token, "newcomer@example.org")

    assert newcomer > last > first
    # The deleted runner's own token finds nothing, not the newcomer's account.
    old_token = token(runner=last, scope="users:read")
    assert client.get(f"/api/v1/users/{last}", headers=old_token).status_code == 404


def test_the_migration_keeps_every_runner_and_run_and_stops_reuse(tmp_path: Path) -> None:
    """A SQLite database made before AUTOINCREMENT: its runners and their runs survive the
    table's rebuild (foreign keys cascade on delete: a careless rebuild empties `runs`)."""
    url = f"sqlite:///{tmp_path}/old.db"
    command.upgrade(alembic_config(url), "0004")
    engine = make_engine(url)
    with engine.begin() as conn:
        for n in (1, 2, 3):
            conn.execute(
                text(
                    "INSERT INTO users (id, email, email_key, first_name, last_name, units, "
                    "is_admin, disabled, created_at, updated_at) VALUES (:id, :e, :e, '', '', "
                    "'metric', 0, 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                ),
                {"id": n, "e": f"r{n}@example.org"},
            )
        conn.execute(
            text(
                "INSERT INTO runs (runner_id, source, external_id, title, start_time, distance, "
                "moving_time, elapsed_time, sport_type, content_hash, created_at, updated_at) "
                "VALUES (2, 'manual', 'a', 't', '2026-01-02 00:00:00', 1000, 300, 300, 'Run', "
                "'d', '2026-01-02 00:00:00', '2026-01-02 00:00:00')"
            )
        )
    engine.dispose()

    command.upgrade(alembic_config(url), "head")

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            assert conn.execute(text("SELECT id FROM users ORDER BY id")).scalars().all() == [
                1,
                2,
                3,
            ]
            assert conn.execute(text("SELECT runner_id FROM runs")).scalars().all() == [2]
            conn.execute(text("DELETE FROM users WHERE id = 3"))
            conn.execute(
                text(
                    "INSERT INTO users (email, email_key, first_name, last_name, units, "
                    "is_admin, disabled, created_at, updated_at) VALUES ('n@example.org', "
                    "'n@example.org', '', '', 'metric', 0, 0, '2026-01-03 00:00:00', "
                    "'2026-01-03 00:00:00')"
                )
            )
            newest = conn.execute(text("SELECT max(id) FROM users")).scalar()
            # Foreign keys still hold after the rebuild, and still cascade.
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()
    assert newest == 4
