"""``runnerly export``: a zip with runner.json and every kept original, byte for byte."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, date, datetime

import activity_files
import pytest
from helpers import one_line

from dataservice.plans import service as plans
from dataservice.races import service as races
from dataservice.runs import service as runs
from dataservice.set_aside import service as set_aside
from dataservice.strava import service as strava
from dataservice.strava.crypto import TokenCipher


@pytest.fixture
def busy_runner(make_runner, dataservice_db, strava_keys):
    """A runner with a password, a Strava link, a run typed in by hand, a race and a plan."""
    runner = make_runner(email="ada@example.org", password="her secret password 1")
    with dataservice_db.transaction() as session:
        strava.put_link(
            session,
            TokenCipher(strava_keys),
            runner,
            {
                "athlete_id": 4242,
                "access_token": "strava-access-token",
                "refresh_token": "strava-refresh-token",
                "expires_at": datetime(2030, 1, 1, tzinfo=UTC),
            },
        )
        runs.create_manual_run(
            session,
            runner,
            {
                "start_time": datetime(2026, 3, 7, 9, 0, tzinfo=UTC),
                "distance": 5000.0,
                "moving_time": 1500,
                "elapsed_time": 1520,
                "title": "Parkrun",
            },
        )
        race = races.create_race(
            session,
            runner,
            {"name": "Paris Marathon", "date": date(2026, 4, 12), "distance": 42195},
        )
        plans.create_plan(
            session,
            runner,
            {
                "race_id": race.id,
                "start_date": date(2026, 3, 2),
                "sessions": [{"date": date(2026, 3, 4), "kind": "easy", "distance": 8000.0}],
            },
        )
        set_aside.record(
            session,
            runner,
            (),
            [{"source": "strava", "external_id": "9001", "reason": "elapsed_time out of range"}],
        )
    return runner


def _import(runnerly, runner, tmp_path, files):
    paths = []
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
        paths.append(tmp_path / name)
    result = runnerly("import", "--user", runner, *paths)
    assert result.exit_code == 0, result.output
    return {
        line["file"].rpartition("/")[2]: line["run_id"]
        for line in map(json.loads, result.stdout.splitlines())
    }


class TestExport:
    def test_the_zip_holds_the_original_files_byte_for_byte(self, runnerly, busy_runner, tmp_path):
        files = {"morning run.gpx": activity_files.gpx(), "watch.fit": activity_files.fit()}
        run_ids = _import(runnerly, busy_runner, tmp_path, files)
        output = tmp_path / "out" / "ada.zip"
        result = runnerly("export", "--email", "ada@example.org", "--output", output)
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == {"output": str(output), "runs": 3, "files": 2}
        with zipfile.ZipFile(output) as zf:
            assert zf.testzip() is None
            names = set(zf.namelist())
            assert names == {
                "runner.json",
                f"files/{run_ids['morning run.gpx']}-morning_run.gpx",
                f"files/{run_ids['watch.fit']}-watch.fit",
            }
            assert (
                zf.read(f"files/{run_ids['morning run.gpx']}-morning_run.gpx")
                == files["morning run.gpx"]
            )
            assert zf.read(f"files/{run_ids['watch.fit']}-watch.fit") == files["watch.fit"]
            document = json.loads(zf.read("runner.json"))
        by_id = {run["id"]: run for run in document["runs"]}
        assert by_id[run_ids["watch.fit"]]["file"] == f"files/{run_ids['watch.fit']}-watch.fit"

    def test_runner_json_holds_the_runners_data_without_secrets(
        self, runnerly, busy_runner, tmp_path
    ):
        _import(runnerly, busy_runner, tmp_path, {"morning.gpx": activity_files.gpx()})
        output = tmp_path / "ada.zip"
        assert runnerly("export", "--user", busy_runner, "--output", output).exit_code == 0
        with zipfile.ZipFile(output) as zf:
            text = zf.read("runner.json").decode()
        document = json.loads(text)
        assert document["runner"]["email"] == "ada@example.org"
        assert document["runner"]["has_password"] is True
        for secret in ("password_hash", "$argon2", "strava-access-token", "strava-refresh-token"):
            assert secret not in text
        assert "access_token" not in document["strava"]
        assert document["strava"]["athlete_id"] == 4242
        assert document["strava"]["sync_state"] == "pending"
        parkrun = next(run for run in document["runs"] if run["title"] == "Parkrun")
        assert parkrun["source"] == "manual" and parkrun["file"] is None
        assert {"distance": 5000, "elapsed_time": 1500.0, "origin": "whole"} in parkrun[
            "best_efforts"
        ]
        imported = next(run for run in document["runs"] if run["source"] == "file")
        assert 1000 in {effort["distance"] for effort in imported["best_efforts"]}
        assert "track" not in imported  # its file is in the zip
        assert [race["name"] for race in document["races"]] == ["Paris Marathon"]
        (plan,) = document["plans"]
        assert plan["race"]["name"] == "Paris Marathon"
        assert plan["weeks"][0]["sessions"][0]["kind"] == "easy"
        (not_imported,) = document["set_aside"]
        assert not_imported["external_id"] == "9001"
        assert not_imported["reason"] == "elapsed_time out of range"

    def test_a_runner_with_nothing_gets_an_empty_export(self, runnerly, runner, tmp_path):
        output = tmp_path / "empty.zip"
        result = runnerly("export", "--user", runner, "--output", output)
        assert result.exit_code == 0, result.output
        with zipfile.ZipFile(output) as zf:
            assert zf.namelist() == ["runner.json"]
            document = json.loads(zf.read("runner.json"))
        assert (document["runs"], document["races"], document["plans"]) == ([], [], [])
        assert document["set_aside"] == []
        assert document["strava"] is None

    def test_an_unknown_runner_writes_no_zip(self, runnerly, tmp_path):
        (tmp_path / "exports").mkdir()
        output = tmp_path / "exports" / "nobody.zip"
        result = runnerly("export", "--email", "nobody@example.org", "--output", output)
        assert result.exit_code == 1
        assert "not found" in one_line(result)
        assert list((tmp_path / "exports").iterdir()) == []
