""".env.example documents every variable compose uses, every one it lists is read by
someone, every secret a production service requires is in it (and empty), and
deploy/generate-env.sh fills them."""

from __future__ import annotations

import base64
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

from conftest import COMPOSE_FILE, ENV_EXAMPLE, ROOT, SettingsClass, read_env_file

GENERATE = ROOT / "deploy" / "generate-env.sh"
# ${NAME}, ${NAME:-default}, ${NAME?message}; $$ escapes a dollar for the container's shell.
REFERENCE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSPHRASE|_TOKEN$|_KEYS?$")
# Which settings class each of our images runs: its prefix.
IMAGE_PREFIX = {
    "tokendealer/Dockerfile": "TOKENDEALER_",
    "dataservice/Dockerfile": "DATASERVICE_",
    "strava-worker/Dockerfile": "STRAVA_WORKER_",
    "strava-sim/Dockerfile": "STRAVA_SIM_",
    "runnerly-web/Dockerfile": "RUNNERLY_WEB_",
}


def _compose_references() -> set[str]:
    return set(REFERENCE.findall(COMPOSE_FILE.read_text(encoding="utf-8")))


def _command_words(services: dict[str, dict[str, Any]]) -> set[str]:
    words: set[str] = set()
    for service in services.values():
        command = service.get("command") or []
        for part in [command] if isinstance(command, str) else command:
            words |= set(re.findall(r"[A-Z][A-Z0-9_]+", part))
    return words


def test_every_variable_compose_uses_is_documented(env_example: dict[str, str]) -> None:
    assert sorted(_compose_references() - env_example.keys()) == []


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
    examples = re.findall(r"^# ([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE.read_text(encoding="utf-8"), re.M)
    read_by_services = set().union(*(c.env_names() for c in settings_classes.values()))
    assert examples, "the worker counts are shown as commented examples"
    assert sorted(set(examples) - read_by_services) == []


def test_every_secret_a_production_service_requires_is_provided(
    env_example: dict[str, str],
    services: dict[str, dict[str, Any]],
    settings_classes: dict[str, SettingsClass],
) -> None:
    missing = []
    for name, service in services.items():
        prefix = IMAGE_PREFIX.get(service.get("build", {}).get("dockerfile", ""))
        if prefix is None:
            continue
        given = set(service.get("environment") or {})
        if service.get("env_file") == ".env":
            given |= env_example.keys()
        missing += [
            f"{name}: {secret}"
            for secret in sorted(settings_classes[prefix].secret_names())
            if secret not in given
        ]
    assert missing == []


def test_the_suites_oauth_clients_have_their_secrets_documented(
    env_example: dict[str, str],
) -> None:
    clients = tomllib.loads((ROOT / "config" / "clients.toml").read_text(encoding="utf-8"))
    for entry in clients["clients"].values():
        assert f"{entry['env_prefix']}_SECRET" in env_example


def test_secrets_are_empty_in_the_example_each_with_a_command_to_generate_it() -> None:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        name, sep, value = line.partition("=")
        if not sep or line.startswith("#") or not SECRET_NAME.search(name):
            continue
        assert value == "", f"{name} holds a value in .env.example"
        if name != "STRAVA_WORKER_SMTP_PASSWORD":  # optional: the relay's, not ours
            assert lines[index - 1].startswith("# generate: "), f"{name}: how to make one?"


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


def test_generate_env_fills_every_secret_with_a_fresh_value(project: Path) -> None:
    generated = read_env_file(project / ".env")
    assert (project / ".env").stat().st_mode & 0o077 == 0, "readable by others"
    subprocess.run([str(GENERATE), str(project / "second.env")], check=True, capture_output=True)
    second = read_env_file(project / "second.env")
    for name, value in generated.items():
        if SECRET_NAME.search(name) and name != "STRAVA_WORKER_SMTP_PASSWORD":
            assert len(value) >= 12, name
            assert value != second[name], f"{name} is the same in two generated files"
    # A Fernet key: 32 bytes, url-safe base64.
    key = generated["DATASERVICE_STRAVA_TOKEN_KEYS"]
    assert len(base64.urlsafe_b64decode(key)) == 32 and "+" not in key and "/" not in key
    # The OAuth client secrets pass the tokendealer's own check (32+ URL-safe characters).
    for name in ("STRAVA_WORKER_CLIENT_SECRET", "RUNNERLY_WEB_CLIENT_SECRET"):
        assert re.fullmatch(r"[A-Za-z0-9._~-]{32,256}", generated[name]), name
    # Everything that is not generated is the example's own value.
    example = read_env_file(ENV_EXAMPLE)
    assert generated.keys() == example.keys()
    assert {k: v for k, v in generated.items() if example[k]} == {
        k: v for k, v in example.items() if v
    }


def test_generate_env_never_overwrites_an_existing_file(project: Path) -> None:
    before = (project / ".env").read_text(encoding="utf-8")
    result = subprocess.run(
        [str(GENERATE), str(project / ".env")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "not overwritten" in result.stderr
    assert (project / ".env").read_text(encoding="utf-8") == before
