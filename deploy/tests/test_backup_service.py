"""The compose service `backup` (runnerly backup schedule): scheduled, with retention, on a
named volume, holding the age public key only; and backups kept out of git and images."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from conftest import ROOT


def test_backups_run_on_a_schedule_with_retention(services: dict[str, dict[str, Any]]) -> None:
    backup = services["backup"]
    command = backup["command"]
    assert command[:3] == ["runnerly", "backup", "schedule"]
    assert "--keep" in command and "--every" in command
    assert backup["restart"] == "unless-stopped"
    assert backup["build"]["dockerfile"] == "runnerly-admin/Dockerfile"
    assert " ".join(backup["healthcheck"]["test"]).startswith("CMD runnerly backup check")


def test_backups_live_on_a_named_volume(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    backup = services["backup"]
    volume, _, path = backup["volumes"][0].partition(":")
    assert volume in compose["volumes"]
    assert backup["environment"]["RUNNERLY_BACKUP_DIR"] == path


def test_the_backup_host_holds_no_key_that_opens_a_backup(
    services: dict[str, dict[str, Any]],
) -> None:
    backup = services["backup"]
    names = set(backup["environment"])
    assert not {n for n in names if re.match(r"RUNNERLY_BACKUP_(IDENTITY|POSTGRES_PASSWORD)", n)}
    assert urlsplit(backup["environment"]["RUNNERLY_BACKUP_POSTGRES_URL"]).password is None
    assert "RUNNERLY_BACKUP_RECIPIENT" in names
    # Its databases' own roles dump them: never the superuser's password.
    assert set(backup["secrets"]) == {"tokendealer_database_url", "dataservice_database_url"}


def test_backups_stay_out_of_git_and_of_every_image() -> None:
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert {"/backups/", "*.tar.age", "var/"} <= set(ignored)
    docker_ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert {"backups", "**/*.tar.age", "var"} <= docker_ignored
