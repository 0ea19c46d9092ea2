"""What the compose tests read: the compose file, .env.example, the Procfile, the
Dockerfiles and the services' settings classes (parsed, not imported: this environment
installs none of the services)."""

from __future__ import annotations

import ast
import os
import re
import subprocess
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


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    """The repository's top level, linked into a folder where deploy/generate-env.sh wrote a
    .env: the compose file names `env_file: .env`, which the checkout never holds."""
    for entry in ROOT.iterdir():
        if entry.name not in {".env", ".git", ".venv", ".tox", "var"}:
            (tmp_path / entry.name).symlink_to(entry)
    subprocess.run(
        [str(ROOT / "deploy" / "generate-env.sh"), str(tmp_path / ".env")],
        check=True,
        capture_output=True,
    )
    yield tmp_path


# --- The services' settings, read from their source ------------------------------------


@dataclass
class SettingsClass:
    prefix: str
    fields: set[str] = field(default_factory=set)
    secrets: set[str] = field(default_factory=set)
    aliases: set[str] = field(default_factory=set)

    def env_names(self) -> set[str]:
        names = {self.prefix + name.upper() for name in self.fields} | self.aliases
        # A secret may also come from a file (<NAME>_FILE); INI files from <PREFIX>CONFIG.
        names |= {self.prefix + name.upper() + "_FILE" for name in self.secrets}
        return names | {self.prefix + "CONFIG", "RUNNERLY_ENV"}

    def secret_names(self) -> set[str]:
        return {self.prefix + name.upper() for name in self.secrets}


def _parse_settings(path: Path) -> dict[str, tuple[str | None, set[str], set[str], set[str]]]:
    """Per class: (ENV_PREFIX, fields, secret fields, alias variables)."""
    classes = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if not isinstance(node, ast.ClassDef):
            continue
        prefix, fields, secrets, aliases = None, set(), set(), set()
        for item in node.body:
            if not (isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)):
                continue
            name = item.target.id
            if name == "ENV_PREFIX":
                prefix = ast.literal_eval(item.value)
                continue
            if "ClassVar" in ast.unparse(item.annotation):
                continue
            fields.add(name)
            call = item.value
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name):
                if call.func.id == "secret":
                    secrets.add(name)
                elif call.func.id == "alias":
                    aliases |= {ast.literal_eval(arg) for arg in call.args[1:]}
            if isinstance(call, ast.Call):
                # dataclasses.field(..., metadata={"aliases": (...)})
                for keyword in call.keywords:
                    if keyword.arg == "metadata":
                        metadata = ast.literal_eval(keyword.value)
                        aliases |= set(metadata.get("aliases", ()))
        classes[node.name] = (prefix, fields, secrets, aliases)
    return classes


@pytest.fixture(scope="session")
def settings_classes() -> dict[str, SettingsClass]:
    """Every service's settings by env prefix, the shared fields included."""
    base_path = ROOT / "runnerly-common" / "src" / "runnerly_common" / "settings.py"
    _, base_fields, base_secrets, base_aliases = _parse_settings(base_path)["Settings"]
    found = {}
    for path in sorted(ROOT.glob("*/src/*/settings.py")):
        if path == base_path:
            continue
        for prefix, fields, secrets, aliases in _parse_settings(path).values():
            if prefix:
                found[prefix] = SettingsClass(
                    prefix, base_fields | fields, base_secrets | secrets, base_aliases | aliases
                )
    return found


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
