""".env.example documents every variable compose uses, every one it lists is read by
someone, it holds no secret (those are files: test_secrets.py), and deploy/generate-env.sh
copies it and writes the secrets beside it."""

from __future__ import annotations

import base64
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

from conftest import COMPOSE_FILE, ENV_EXAMPLE, ROOT, SettingsClass, read_env_file

GENERATE = ROOT / "deploy" / "generate-env.sh"
GENERATE_SECRETS = ROOT / "deploy" / "generate-secrets.sh"
# ${NAME}, ${NAME:-default}, ${NAME?message}; $$ escapes a dollar for the container's shell.
REFERENCE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")


def _compose_references() -> set[str]:
    return set(REFERENCE.findall(COMPOSE_FILE.read_text(encoding="utf-8")))


def _command_words(services: dict[str, dict[str, Any]]) -> set[str]:
    words: set[str] = set()
    for service in services.values():
        command = service.get("command") or []
        for part in [command] if isinstance(command, str) else command:
            words |= set(re.findall(r"[A-Z][A-Z0-9_]+", part))
    return words


def _commented_examples() -> set[str]:
    """Optional variables, shown as `# NAME=value` for the operator to uncomment."""
    return set(re.findall(r"^# ([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE.read_text(encoding="utf-8"), re.M))


def test_every_variable_compose_uses_is_documented(env_example: dict[str, str]) -> None:
    documented = env_example.keys() | _commented_examples()
    assert sorted(_compose_references() - documented) == []


def test_every_documented_variable_is_used_by_compose_or_a_service(
    env_example: dict[str, str],
    services: dict[str, dict[str, Any]],
    settings_classes: dict[str, SettingsClass],
) -> None:
    read_by_services = set().union(*(c.env_names() for c in settings_classes.values()))
    used = _compose_references() | _command_words(services) | read_by_services
    assert sorted(env_example.keys() - used) == []


def test_the_commented_examples_name_real_settings(
    settings_classes: dict[str, SettingsClass],
) -> None:
    examples = _commented_examples()
    read_by_services = set().union(*(c.env_names() for c in settings_classes.values()))
    assert examples, "optional settings are shown as commented examples"
    assert sorted(examples - read_by_services) == []


def test_the_suites_oauth_clients_have_their_secrets_generated() -> None:
    clients = tomllib.loads((ROOT / "config" / "clients.toml").read_text(encoding="utf-8"))
    script = GENERATE_SECRETS.read_text(encoding="utf-8")
    for entry in clients["clients"].values():
        name = f"{entry['env_prefix']}_SECRET".lower()
        assert re.search(rf"^secret {name} ", script, re.M), name


def test_every_variable_has_a_comment_above_it_or_its_group() -> None:
    undocumented, commented = [], False
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            commented = False
        elif line.startswith("#"):
            commented = True
        elif not commented:
            undocumented.append(line.partition("=")[0])
    assert undocumented == []


def test_generate_env_copies_the_example_and_writes_the_secrets(project: Path) -> None:
    assert (project / ".env").stat().st_mode & 0o077 == 0, "readable by others"
    assert read_env_file(project / ".env") == read_env_file(ENV_EXAMPLE)
    secrets = {
        p.name: p.read_text(encoding="utf-8").strip() for p in (project / "secrets").iterdir()
    }
    # A Fernet key: 32 bytes, url-safe base64.
    key = secrets["dataservice_strava_token_keys"]
    assert len(base64.urlsafe_b64decode(key)) == 32 and "+" not in key and "/" not in key
    # The OAuth client secrets pass the tokendealer's own check (32+ URL-safe characters).
    for name in ("strava_worker_client_secret", "runnerly_web_client_secret"):
        assert re.fullmatch(r"[A-Za-z0-9._~-]{32,256}", secrets[name]), name
    for name, value in secrets.items():
        if name != "strava_worker_smtp_password":  # the relay's, not ours: empty
            assert len(value) >= 12, name


def test_generate_env_never_overwrites_an_existing_file_but_fills_missing_secrets(
    project: Path,
) -> None:
    before = (project / ".env").read_text(encoding="utf-8")
    kept = (project / "secrets" / "runnerly_web_secret_key").read_text(encoding="utf-8")
    (project / "secrets" / "strava_sim_admin_token").unlink()  # added by an upgrade, say
    result = subprocess.run(
        [str(GENERATE), str(project / ".env")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "not overwritten" in result.stderr
    assert (project / ".env").read_text(encoding="utf-8") == before
    assert (project / "secrets" / "runnerly_web_secret_key").read_text(encoding="utf-8") == kept
    assert (project / "secrets" / "strava_sim_admin_token").read_text(encoding="utf-8").strip()
