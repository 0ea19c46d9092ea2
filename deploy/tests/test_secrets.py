"""Each service holds only its own secrets: docker-compose.yml, rendered by `docker-compose
config` with a generated .env and secrets/, hands every container only the variables its
settings read and only the secret files it reads, and no secret value appears in the
rendered file. What a service reads comes from its settings classes (every field, alias and
<VAR>_FILE form), the OAuth clients the tokendealer's setup registers, and, for the images
that are not ours, a short list."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, SettingsClass, compose_config, make_project, read_env_file

ALL_PROFILES = ("--profile", "demo", "--profile", "tools")
SECRETS_DIR = "/run/secrets/"
INIT_SCRIPTS = ROOT / "deploy" / "postgres" / "initdb.d"
# The settings classes each of our images runs, by the prefix of their variables.
IMAGE_READERS = {
    "tokendealer/Dockerfile": ("TOKENDEALER_",),
    "dataservice/Dockerfile": ("DATASERVICE_",),
    "strava-worker/Dockerfile": ("STRAVA_WORKER_",),
    "runnerly-web/Dockerfile": ("RUNNERLY_WEB_",),
    "strava-sim/Dockerfile": ("STRAVA_SIM_",),
    "nginx/Dockerfile": ("GATEWAY_",),
    # The admin CLI opens both databases and the broker (runnerly_admin.stores), and
    # `runnerly backup` reads its own settings too.
    "runnerly-admin/Dockerfile": (
        "TOKENDEALER_",
        "DATASERVICE_",
        "STRAVA_WORKER_",
        "RUNNERLY_BACKUP_",
    ),
}
# Single variables an image reads beside its settings classes: `runnerly two-factor reset`
# reads runnerly-web's public_url (the link in the runner's mail), none of its secrets.
IMAGE_ALSO_READS = {"runnerly-admin/Dockerfile": {"RUNNERLY_WEB_PUBLIC_URL"}}
# Images that are not ours: the variables their entry points document.
POSTGRES_IMAGE_VARIABLES = re.compile(r"POSTGRES_[A-Z_]+|PGDATA")


@pytest.fixture(scope="module")
def shared_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One generated project for the tests that only read it (`config` takes seconds)."""
    return make_project(tmp_path_factory.mktemp("project"))


@pytest.fixture(scope="module")
def rendered(docker_compose: str, shared_project: Path) -> dict[str, Any]:
    result = compose_config(docker_compose, shared_project, *ALL_PROFILES)
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = yaml.safe_load(result.stdout)
    config["text"] = result.stdout
    return config


def _init_script_variables() -> set[str]:
    """The variables PostgreSQL's init scripts read (beside the image's own)."""
    names: set[str] = set()
    for script in INIT_SCRIPTS.glob("*.sh"):
        names |= set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", script.read_text(encoding="utf-8")))
    return names


def _provisioned_client_variables() -> set[str]:
    """tokendealer.provision reads each suite client's <env_prefix>_SECRET(_FILE)."""
    clients = tomllib.loads((ROOT / "config" / "clients.toml").read_text(encoding="utf-8"))
    prefixes = [entry["env_prefix"] for entry in clients["clients"].values()]
    return {f"{p}_SECRET{suffix}" for p in prefixes for suffix in ("", "_FILE")}


# Processes of a shared image that read only part of its settings, by their command.
COMMAND_READERS = {"strava-webhook": "WebhookSettings"}


def settings_of(
    service: dict[str, Any], settings_classes: dict[str, SettingsClass]
) -> list[SettingsClass]:
    """The settings classes a service's process loads."""
    command = service.get("command") or []
    if command and command[0] in COMMAND_READERS:
        return [settings_classes[COMMAND_READERS[command[0]]]]
    dockerfile = service.get("build", {}).get("dockerfile")
    return [settings_classes[p] for p in IMAGE_READERS.get(dockerfile, ()) if p in settings_classes]


def reads(
    service: dict[str, Any], settings_classes: dict[str, SettingsClass]
) -> set[str] | re.Pattern[str]:
    """The variables a service's process reads."""
    image = service.get("image", "")
    if image.startswith("postgres:"):
        return re.compile(
            "|".join([POSTGRES_IMAGE_VARIABLES.pattern, *sorted(_init_script_variables())])
        )
    dockerfile = service.get("build", {}).get("dockerfile")
    if dockerfile is None:  # redis, mailpit: nothing of ours
        return set()
    names = set().union(*(c.env_names() for c in settings_of(service, settings_classes)))
    names |= IMAGE_ALSO_READS.get(dockerfile, set())
    if "tokendealer.provision" in " ".join(service.get("command") or []):
        names |= _provisioned_client_variables()
    return names


def _mounted(service: dict[str, Any]) -> dict[str, str]:
    """Secret name -> its path in the container."""
    mounted = {}
    for entry in service.get("secrets") or []:
        source = entry if isinstance(entry, str) else entry["source"]
        target = source if isinstance(entry, str) else entry.get("target", source)
        mounted[source] = target if target.startswith("/") else SECRETS_DIR + target
    return mounted


def _secret_values(project: Path) -> dict[str, str]:
    values = {}
    for path in (project / "secrets").iterdir():
        value = path.read_text(encoding="utf-8").strip()
        if value:
            values[path.name] = value
    return values


class TestEachServiceHoldsOnlyWhatItReads:
    def test_no_service_is_handed_a_whole_env_file(
        self, services: dict[str, dict[str, Any]]
    ) -> None:
        # As written: `config` folds an env_file into each service's environment.
        assert [name for name, s in services.items() if s.get("env_file")] == []

    def test_every_variable_a_service_receives_is_one_it_reads(
        self, rendered: dict[str, Any], settings_classes: dict[str, SettingsClass]
    ) -> None:
        unread = []
        for name, service in rendered["services"].items():
            allowed = reads(service, settings_classes)
            for variable in service.get("environment") or {}:
                ok = (
                    bool(allowed.fullmatch(variable))
                    if isinstance(allowed, re.Pattern)
                    else variable in allowed
                )
                if not ok:
                    unread.append(f"{name}: {variable}")
        assert unread == []

    def test_every_secret_mounted_is_read_through_a_file_variable_or_the_command(
        self, rendered: dict[str, Any]
    ) -> None:
        unread = []
        for name, service in rendered["services"].items():
            environment = service.get("environment") or {}
            file_values = {v for k, v in environment.items() if k.endswith("_FILE")}
            command = " ".join(service.get("command") or [])
            for secret, path in _mounted(service).items():
                if path not in file_values and path not in command:
                    unread.append(f"{name}: {secret}")
        assert unread == []

    def test_every_file_variable_names_a_secret_the_service_mounts(
        self, rendered: dict[str, Any]
    ) -> None:
        dangling = []
        for name, service in rendered["services"].items():
            paths = set(_mounted(service).values())
            for variable, value in (service.get("environment") or {}).items():
                if variable.endswith("_FILE") and value not in paths:
                    dangling.append(f"{name}: {variable}={value}")
        assert dangling == []

    def test_every_secret_a_production_service_requires_reaches_it_as_a_file(
        self, rendered: dict[str, Any], settings_classes: dict[str, SettingsClass]
    ) -> None:
        missing = []
        for name, service in rendered["services"].items():
            dockerfile = service.get("build", {}).get("dockerfile")
            environment = service.get("environment") or {}
            if dockerfile == "runnerly-admin/Dockerfile":
                continue  # each admin command loads the settings it needs, not all of them
            for settings in settings_of(service, settings_classes):
                for secret in sorted(settings.secret_names()):
                    if secret + "_FILE" not in environment:
                        missing.append(f"{name}: {secret}_FILE")
        assert missing == []


class TestNoSecretInTheEnvironment:
    def test_no_secret_value_appears_in_the_rendered_file(
        self, rendered: dict[str, Any], shared_project: Path
    ) -> None:
        values = _secret_values(shared_project)
        assert len(values) >= 10, "deploy/generate-env.sh wrote the secrets"
        assert [name for name, value in values.items() if value in rendered["text"]] == []

    def test_no_secret_value_is_in_the_env_file(self, shared_project: Path) -> None:
        env = (shared_project / ".env").read_text(encoding="utf-8")
        values = _secret_values(shared_project)
        assert [name for name, value in values.items() if value in env] == []

    def test_no_variable_holds_a_url_with_a_password(self, rendered: dict[str, Any]) -> None:
        found = [
            f"{name}: {variable}"
            for name, service in rendered["services"].items()
            for variable, value in (service.get("environment") or {}).items()
            if re.search(r"://[^/@\s]*:[^/@\s]*@", str(value))
        ]
        assert found == []

    def test_the_webhook_intake_holds_only_the_verify_token(self, rendered: dict[str, Any]) -> None:
        # Anyone can POST to it (through the gateway): it needs no client's secret.
        intake = rendered["services"]["strava-webhook"]
        assert list(_mounted(intake)) == ["strava_worker_webhook_verify_token"]
        assert not [v for v in intake.get("environment") or {} if "CLIENT_SECRET" in v]

    def test_the_internet_facing_web_app_holds_no_database_or_other_services_secret(
        self, rendered: dict[str, Any]
    ) -> None:
        web = rendered["services"]["runnerly-web"]
        variables = " ".join(web.get("environment") or {})
        for forbidden in (
            "POSTGRES_PASSWORD",
            "KEYS_PASSPHRASE",
            "DATABASE_URL",
            "DB_PASSWORD",
            "STRAVA_WORKER_CLIENT_SECRET",
        ):
            assert forbidden not in variables, forbidden
        assert set(_mounted(web)) == {
            "runnerly_web_secret_key",
            "runnerly_web_client_secret",
            "strava_client_secret",
        }


class TestGeneratedSecrets:
    def test_every_secret_compose_mounts_is_generated_into_a_private_folder(
        self, rendered: dict[str, Any], shared_project: Path
    ) -> None:
        folder = shared_project / "secrets"
        assert folder.stat().st_mode & 0o777 == 0o700
        for name, secret in rendered["secrets"].items():
            path = Path(secret["file"])
            assert path.parent == folder, name
            assert path.is_file(), f"{name}: deploy/generate-secrets.sh does not write it"
            # Docker bind-mounts it as it is, for the image's user to read: never writable
            # by others, and the folder keeps the host's other users out.
            assert path.stat().st_mode & 0o022 == 0, name

    def test_secrets_are_fresh_each_time_and_never_overwritten(self, project: Path) -> None:
        first = _secret_values(project)
        script = ROOT / "deploy" / "generate-secrets.sh"
        subprocess.run([str(script), str(project / "other")], check=True, capture_output=True)
        other = {
            p.name: p.read_text(encoding="utf-8").strip() for p in (project / "other").iterdir()
        }
        assert [name for name, value in first.items() if other[name] == value] == []
        subprocess.run([str(script), str(project / "secrets")], check=True, capture_output=True)
        assert _secret_values(project) == first

    def test_the_database_urls_carry_the_roles_passwords(self, shared_project: Path) -> None:
        values = _secret_values(shared_project)
        for service in ("tokendealer", "dataservice"):
            password = values[f"{service}_db_password"]
            assert values[f"{service}_database_url"] == (
                f"postgresql+psycopg://{service}:{password}@postgres:5432/{service}"
            )

    def test_an_older_env_files_secrets_are_moved_not_regenerated(self, tmp_path: Path) -> None:
        # Before secrets were files they were in .env: the roles' passwords must go on
        # matching the data volume, so an upgrade keeps them.
        (tmp_path / ".env").write_text(
            "RUNNERLY_ENV=production\nDATASERVICE_DB_PASSWORD=0123abcd\n", encoding="utf-8"
        )
        result = subprocess.run(
            [str(ROOT / "deploy" / "generate-secrets.sh"), str(tmp_path / "secrets")],
            capture_output=True,
            text=True,
            check=True,
        )
        values = {
            p.name: p.read_text(encoding="utf-8").strip() for p in (tmp_path / "secrets").iterdir()
        }
        assert values["dataservice_db_password"] == "0123abcd"
        assert values["dataservice_database_url"].endswith(":0123abcd@postgres:5432/dataservice")
        assert "DATASERVICE_DB_PASSWORD" in result.stderr
        assert values["tokendealer_db_password"] != "0123abcd"

    def test_the_example_env_file_holds_no_secret(self) -> None:
        secret_like = re.compile(r"SECRET|PASSWORD|PASSPHRASE|_TOKEN$|_KEYS?$")
        example = read_env_file(ROOT / ".env.example")
        assert sorted(name for name in example if secret_like.search(name)) == []


def test_the_secrets_folder_stays_out_of_git_and_of_every_image() -> None:
    assert "/secrets/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "secrets" in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
