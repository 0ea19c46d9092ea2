"""What the compose tests read: the compose file, .env.example, the Procfile, the
Dockerfiles and the services' settings classes (imported from their src folders: this
environment installs none of the services, and the settings need none of their
dependencies)."""

from __future__ import annotations

import dataclasses
import importlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
DOCKER_COMPOSE = "/usr/bin/docker-compose"


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    """docker-compose.yml as written (anchors and merge keys resolved, ${...} not)."""
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            values[name] = value
    return values


@pytest.fixture(scope="session")
def env_example() -> dict[str, str]:
    return read_env_file(ENV_EXAMPLE)


@pytest.fixture(scope="session")
def docker_compose() -> str:
    """The docker-compose 1.29 that Debian packages: `config` needs no engine."""
    if not Path(DOCKER_COMPOSE).is_file():
        message = f"{DOCKER_COMPOSE} not found: apt-get install docker-compose"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return DOCKER_COMPOSE


def make_project(folder: Path) -> Path:
    """The repository's top level, linked into ``folder``, where deploy/generate-env.sh then
    writes a .env and secrets/, which the checkout never holds."""
    for entry in ROOT.iterdir():
        if entry.name not in {".env", ".git", ".venv", ".tox", "var", "secrets"}:
            (folder / entry.name).symlink_to(entry)
    subprocess.run(
        [str(ROOT / "deploy" / "generate-env.sh"), str(folder / ".env")],
        check=True,
        capture_output=True,
    )
    return folder


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    """A project folder of one's own, to change its .env or secrets."""
    yield make_project(tmp_path)


def compose_config(
    docker_compose: str, project: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    """`docker-compose config` of the project's file and .env (args: profiles and such)."""
    return subprocess.run(
        [docker_compose, "--env-file", ".env", "-f", "docker-compose.yml", *args, "config"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )


# --- The services' settings, imported ------------------------------------------------------

# Each package's src folder: the settings modules need only the standard library and
# runnerly_common.settings, so they import without the services installed (tox's deploy env
# installs none of them).
SETTINGS_PACKAGES = {
    "tokendealer": "tokendealer.settings",
    "dataservice": "dataservice.settings",
    "strava-worker": "strava_worker.settings",
    "runnerly-web": "runnerly_web.settings",
    "strava-sim": "strava_sim.settings",
    "nginx": "runnerly_gateway.settings",
    # The admin image's own settings: `runnerly backup` (the compose service `backup`).
    "runnerly-admin": "runnerly_admin.backups.settings",
}


@dataclass
class SettingsClass:
    """What one settings class reads from the environment."""

    cls: type[Any]
    prefix: str = ""
    fields: set[str] = field(default_factory=set)
    secrets: set[str] = field(default_factory=set)
    aliases: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.prefix = self.cls.ENV_PREFIX
        for f in dataclasses.fields(self.cls):
            if f.metadata.get("secret"):
                used = getattr(self.cls, "SECRETS_USED", None)
                if used is not None and f.name not in used:
                    continue  # a secret this process neither needs nor reads
                self.secrets.add(f.name)
            self.fields.add(f.name)
            self.aliases |= set(f.metadata.get("aliases", ()))
        self.aliases.add("RUNNERLY_ENV")  # the run mode, set once for the suite

    def variables(self) -> set[str]:
        """<PREFIX><FIELD> and the aliases, without their _FILE forms."""
        return {self.cls.env_name(name) for name in self.fields} | self.aliases

    def env_names(self) -> set[str]:
        """Every variable it reads: each setting, aliases included, also as <VAR>_FILE;
        and <PREFIX>CONFIG, the INI file."""
        names = self.variables()
        return names | {name + "_FILE" for name in names} | {self.prefix + "CONFIG"}

    def secret_names(self) -> set[str]:
        return {self.prefix + name.upper() for name in self.secrets}


def _settings_classes() -> dict[str, SettingsClass]:
    for folder in ("runnerly-common", *SETTINGS_PACKAGES):
        path = str(ROOT / folder / "src")
        if path not in sys.path:
            sys.path.append(path)
    found = {}
    for module_name in SETTINGS_PACKAGES.values():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            # A package without settings of its own yet; a dependency missing is an error
            # (tox's deploy env installs only what the settings modules import).
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and dataclasses.is_dataclass(value)
                and value.__module__ == module_name
                and hasattr(value, "ENV_PREFIX")
            ):
                # A process that uses part of its package's settings (SECRETS_USED, e.g.
                # the webhook intake's) is found under its class name, the package's
                # settings under their prefix.
                key = value.__name__ if getattr(value, "SECRETS_USED", None) else value.ENV_PREFIX
                found[key] = SettingsClass(value)
    return found


@pytest.fixture(scope="session")
def settings_classes() -> dict[str, SettingsClass]:
    """Every service's settings by env prefix, the shared fields included."""
    return _settings_classes()


# --- Dockerfiles and the Procfile ---------------------------------------------------------


def dockerfile_stages(path: Path) -> list[list[tuple[str, str]]]:
    """The Dockerfile's instructions, (INSTRUCTION, arguments), per build stage, with
    continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    stages: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, arguments = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((instruction, " ".join(arguments.split())))
    return stages


@pytest.fixture(scope="session")
def procfile() -> dict[str, list[str]]:
    processes = {}
    for line in (ROOT / "Procfile").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, command = line.partition(":")
            processes[name.strip()] = command.split()
    return processes
