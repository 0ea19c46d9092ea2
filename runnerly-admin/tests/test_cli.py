"""The command line as a whole: its commands, and settings from ``--config``."""

from __future__ import annotations

import json
import zipfile


def test_help_lists_every_command(runnerly):
    result = runnerly("--help")
    assert result.exit_code == 0
    for command in ("create-admin", "add-client", "rotate-keys", "sync", "import", "export"):
        assert command in result.stdout


def test_settings_come_from_the_config_file_sections(
    runnerly, database_url, tokendealer_url, runner, tmp_path
):
    ini = tmp_path / "runnerly.ini"
    ini.write_text(
        f"[dataservice]\ndatabase_url = {database_url}\n\n"
        f"[tokendealer]\ndatabase_url = {tokendealer_url}\n"
    )
    unset = {"DATASERVICE_DATABASE_URL": None, "TOKENDEALER_DATABASE_URL": None}
    output = tmp_path / "runner.zip"
    exported = runnerly("export", "--config", ini, "--user", runner, "--output", output, **unset)
    assert exported.exit_code == 0, exported.output
    with zipfile.ZipFile(output) as zf:
        assert json.loads(zf.read("runner.json"))["runner"]["id"] == runner
    added = runnerly("add-client", "bot", "--config", ini, "--scope", "runs:read", **unset)
    assert added.exit_code == 0, added.output
