"""The records panel is kept on write: read in one statement, never stale, restored by
``dataservice migrate`` / ``refresh-records`` when a database lacks it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, event, update

from dataservice.cli import main as dataservice_cli
from dataservice.stats import kept_records
from dataservice.stats.models import RunnerRecords

WORKER = {"client": "strava-worker", "scope": "runs:write"}


def panel(client, token, runner):
    response = client.get(f"/api/v1/users/{runner}/stats/records", headers=token(runner=runner))
    assert response.status_code == 200, response.json
    return response.json


def statements_of(engine, action):
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        result = action()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return result, seen


class TestRead:
    def test_a_runner_with_years_of_runs_reads_the_panel_in_one_statement(
        self, app, client, token, runner, add_runs, run
    ):
        add_runs(
            runner,
            *(
                run(f"202{y}-0{m}-1{d}T07:00:00Z", 5 + d, 1500 + 300 * d)
                for y in range(4)
                for m in range(1, 10)
                for d in range(3)
            ),
        )
        engine = app.extensions["runnerly.db"].engine
        answer, statements = statements_of(engine, lambda: panel(client, token, runner))
        assert answer["longest_run"]["distance"] == 7000.0
        reads = [s for s in statements if "runner_records" in s]
        # the runner's existence check, then the panel: no read of the runs
        assert len(reads) == 1 and not any(" runs" in s for s in statements), statements

    def test_every_change_shows_at_once(self, client, token, runner, add_runs, run):
        add_runs(runner, run("2026-03-01T07:00:00Z", 10.0, 3000, title="Ten"))
        assert panel(client, token, runner)["longest_run"]["title"] == "Ten"
        add_runs(runner, run("2026-03-08T07:00:00Z", 21.1, 6900, title="Half"))
        longest = panel(client, token, runner)["longest_run"]
        assert longest["title"] == "Half"
        headers = token(runner=runner)
        changed = client.patch(
            f"/api/v1/users/{runner}/runs/{longest['run_id']}",
            json={"title": "Half, renamed"},
            headers=headers,
        )
        assert changed.status_code == 200, changed.json
        assert panel(client, token, runner)["longest_run"]["title"] == "Half, renamed"
        gone = client.delete(f"/api/v1/users/{runner}/runs/{longest['run_id']}", headers=headers)
        assert gone.status_code == 204, gone.json
        assert panel(client, token, runner)["longest_run"]["title"] == "Ten"

    def test_a_missing_or_older_panel_is_computed_on_read_never_answered(
        self, app, db, client, token, runner, add_runs, run
    ):
        add_runs(runner, run("2026-03-01T07:00:00Z", 10.0, 3000, title="Ten"))
        expected = panel(client, token, runner)
        db.execute(
            update(RunnerRecords).values(
                version=kept_records.VERSION - 1, panel={"longest_run": "an older shape"}
            )
        )
        db.commit()
        assert panel(client, token, runner) == expected
        db.execute(delete(RunnerRecords))
        db.commit()
        assert panel(client, token, runner) == expected
        with app.extensions["runnerly.db"].transaction() as session:
            kept_records.refresh(session, runner)  # stored again, as the next write would


class TestCommands:
    def test_migrate_stores_missing_panels_and_refresh_records_rewrites_them(
        self, database_url, db, client, token, runner, other_runner, add_runs, run
    ):
        add_runs(runner, run("2026-03-01T07:00:00Z", 10.0, 3000))
        add_runs(other_runner, run("2026-03-02T07:00:00Z", 5.0, 1500))
        db.execute(delete(RunnerRecords))  # as after a restore, or a load with COPY
        db.commit()
        env = {"DATASERVICE_DATABASE_URL": database_url}
        migrated = CliRunner().invoke(dataservice_cli, ["migrate"], env=env)
        assert migrated.exit_code == 0, migrated.output
        assert '"records_stored": 2' in migrated.output
        again = CliRunner().invoke(dataservice_cli, ["migrate"], env=env)
        assert '"records_stored": 0' in again.output  # nothing missing: nothing computed
        one = CliRunner().invoke(
            dataservice_cli, ["refresh-records", "--user", str(runner)], env=env
        )
        assert one.exit_code == 0 and '"records_stored": 1' in one.output, one.output
        # (the teardown check compares every stored panel with a fresh one)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_concurrent_writers_of_one_runner_leave_a_panel_with_every_run(app, runner, run):
    """Eight writers commit runs of one runner at once: each refresh waits for the last
    commit, so the stored panel holds the longest of all of them (the teardown check
    compares it with a fresh computation)."""
    from dataservice.runs.bulk import upsert_runs

    db = app.extensions["runnerly.db"]
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(5):
                with db.transaction() as session:
                    start = datetime(2026, 1 + i, 10 + n, 7, tzinfo=UTC)  # as the API parses it
                    item = run(start, 5 + n + i / 10, 1500 + 60 * n)
                    upsert_runs(session, runner, [{"source": "strava", "external_id": f"{n}-{i}",
                                                   **item}])  # fmt: skip
                    if i == 0:
                        barrier.wait(timeout=30)  # all eight flushed, none committed yet
        except Exception as exc:  # noqa: BLE001 - reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    with db.sessionmaker() as session:
        stored = kept_records.panel(session, runner)
    assert stored["longest_run"]["distance"] == 12400.0  # writer 7's fifth run
