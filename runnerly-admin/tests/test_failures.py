"""Every command meeting a database that is down: one line on stderr, exit code 1."""

from __future__ import annotations

import pytest
from helpers import one_line

from runnerly_common.testing import free_port


@pytest.fixture
def down() -> str:
    return f"postgresql+psycopg://postgres:hunter2@127.0.0.1:{free_port()}/runnerly"


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (("create-admin", "--email", "a@example.org", "--password-stdin"), "long enough pw"),
        (("sync", "--user", "1"), None),
        (("export", "--user", "1", "--output", "x.zip"), None),
        (("import", "--user", "1", "run.gpx"), None),
    ],
    ids=["create-admin", "sync", "export", "import"],
)
def test_an_unreachable_dataservice_database_is_one_line_and_exit_1(
    runnerly, down, tmp_path, monkeypatch, args, stdin
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "run.gpx").write_bytes(b"<gpx/>")
    result = runnerly(*args, input=stdin, DATASERVICE_DATABASE_URL=down)
    assert result.exit_code == 1
    line = one_line(result)
    assert "the dataservice's database" in line and "unavailable" in line
    assert "hunter2" not in line  # the password stays out of messages
    assert not (tmp_path / "x.zip").exists()


def test_an_unreachable_tokendealer_database_is_one_line_and_exit_1(runnerly, down):
    result = runnerly("add-client", "bot", "--scope", "runs:read", TOKENDEALER_DATABASE_URL=down)
    assert result.exit_code == 1
    assert "the tokendealer's database" in one_line(result)


def test_a_bad_setting_is_one_line_and_exit_1(runnerly):
    result = runnerly("sync", "--user", "1", DATASERVICE_MAX_BATCH="0")
    assert result.exit_code == 1
    assert "DATASERVICE_MAX_BATCH" in one_line(result)
