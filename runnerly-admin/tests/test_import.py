"""``runnerly import``: files become runs through the dataservice's import service."""

from __future__ import annotations

import gzip
import json

import activity_files
import pytest
from helpers import one_line
from sqlalchemy import func, select

from dataservice.runs.models import Run, RunFile
from dataservice.stats import kept_records, records
from dataservice.stats.models import RunnerRecords


def _write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _lines(result):
    return [json.loads(line) for line in result.stdout.splitlines()]


def _count(db, model):
    return db.scalar(select(func.count()).select_from(model))


class TestImport:
    def test_gpx_tcx_and_fit_files_become_runs_then_are_unchanged(
        self, runnerly, db, runner, tmp_path
    ):
        paths = [
            _write(tmp_path, "morning.gpx", activity_files.gpx()),
            _write(tmp_path, "track.tcx", activity_files.tcx()),
            _write(tmp_path, "watch.fit", activity_files.fit()),
            _write(tmp_path, "strava.gpx.gz", gzip.compress(activity_files.gpx(day=3))),
        ]
        result = runnerly("import", "--user", runner, *paths)
        assert result.exit_code == 0, result.output
        first = _lines(result)
        assert [(r["file"], r["status"]) for r in first] == [(str(p), "created") for p in paths]
        again = runnerly("import", "--user", runner, *paths)
        assert [r["status"] for r in _lines(again)] == ["unchanged"] * 4
        assert [r["run_id"] for r in _lines(again)] == [r["run_id"] for r in first]
        assert _count(db, Run) == 4
        assert _count(db, RunFile) == 4
        titles = db.scalars(select(Run.title).order_by(Run.start_time)).all()
        assert titles[0] == "Morning loop"
        distance = db.scalar(select(Run.distance).where(Run.id == first[0]["run_id"]))
        assert distance == pytest.approx(1112, abs=5)

    def test_a_runner_named_by_email_gets_the_runs(self, runnerly, db, make_runner, tmp_path):
        runner = make_runner(email="ada@example.org")
        path = _write(tmp_path, "morning.gpx", activity_files.gpx())
        result = runnerly("import", "--email", "ADA@example.org", path)
        assert result.exit_code == 0, result.output
        assert db.scalar(select(Run.runner_id)) == runner

    def test_the_runners_records_panel_counts_the_imported_runs(
        self, runnerly, db, dataservice_db, runner, tmp_path
    ):
        kept_records.store(dataservice_db, [runner])  # the panel as the dashboard last read it
        path = _write(tmp_path, "morning.gpx", activity_files.gpx())
        assert runnerly("import", "--user", runner, path).exit_code == 0
        stored = db.scalar(select(RunnerRecords.panel).where(RunnerRecords.runner_id == runner))
        assert stored == json.loads(json.dumps(records.compute(db, runner)))
        assert stored["longest_run"] is not None

    def test_a_bad_file_is_named_exit_1_and_writes_nothing_while_good_ones_go_in(
        self, runnerly, db, runner, tmp_path
    ):
        good = _write(tmp_path, "good.gpx", activity_files.gpx())
        bad = _write(tmp_path, "bad.gpx", activity_files.gpx()[:300])
        result = runnerly("import", "--user", runner, bad, good)
        assert result.exit_code == 1
        line = one_line(result)
        assert str(bad) in line and "GPX" in line
        assert [r["file"] for r in _lines(result)] == [str(good)]
        assert _count(db, Run) == 1
        assert _count(db, RunFile) == 1

    @pytest.mark.parametrize(
        ("content", "problem"),
        [
            (b"MZ\x90\x00 not an activity", "not a GPX, TCX or FIT file"),
            (b"", "empty"),
            (activity_files.gpx().replace(b"<trkseg>", b'<!DOCTYPE x [<!ENTITY e "e">]>'), "GPX"),
        ],
        ids=["binary", "empty", "broken-xml"],
    )
    def test_a_file_that_cannot_be_read_changes_nothing(
        self, runnerly, snapshot, runner, tmp_path, content, problem
    ):
        path = _write(tmp_path, "run.gpx", content)
        before = snapshot()
        result = runnerly("import", "--user", runner, path)
        assert result.exit_code == 1
        assert problem in one_line(result)
        assert snapshot() == before

    def test_a_file_over_the_upload_limit_is_refused(self, runnerly, snapshot, runner, tmp_path):
        path = _write(tmp_path, "big.gpx", activity_files.gpx())
        before = snapshot()
        result = runnerly("import", "--user", runner, path, DATASERVICE_MAX_CONTENT_LENGTH="1000")
        assert result.exit_code == 1
        assert "upload limit" in one_line(result)
        assert snapshot() == before

    def test_an_unknown_runner_is_exit_1_and_nothing_is_written(self, runnerly, snapshot, tmp_path):
        path = _write(tmp_path, "morning.gpx", activity_files.gpx())
        before = snapshot()
        result = runnerly("import", "--user", "999", path)
        assert result.exit_code == 1
        assert "runner 999 not found" in one_line(result)
        assert snapshot() == before

    def test_a_missing_file_is_a_usage_error(self, runnerly, runner, tmp_path):
        result = runnerly("import", "--user", runner, tmp_path / "nope.gpx")
        assert result.exit_code == 2
        assert "does not exist" in result.stderr
