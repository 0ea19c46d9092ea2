"""Settings: defaults < INI section < environment < explicit overrides; named failures."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from runnerly_common import Settings, SettingsError, secret
from runnerly_common.settings import DatabaseSettings, alias


@dataclasses.dataclass
class WorkerSettings(Settings):
    SECTION = "worker"
    ENV_PREFIX = "WORKER_"

    broker_url: str = "memory://"
    batch_size: int = 50
    verify_tls: bool = True
    backoff: float = 0.5
    scopes: tuple[str, ...] = ("runs:write",)
    max_pages: int | None = None
    client_secret: str = secret()
    strava_client_secret: str = secret()


@dataclasses.dataclass
class IntakeSettings(WorkerSettings):
    SECRETS_USED = frozenset({"client_secret"})


@dataclasses.dataclass
class AliasedSettings(Settings):
    SECTION = "svc"
    ENV_PREFIX = "SVC_"

    database_url: str = alias("sqlite://", "DATABASE_URL")


@pytest.fixture
def ini(tmp_path: Path) -> Path:
    path = tmp_path / "worker.ini"
    path.write_text(
        "[worker]\n"
        "broker_url = redis://ini-host:6379/0\n"
        "batch_size = 200\n"
        "port = 6000\n"
        "[dataservice]\n"
        "batch_size = 1\n",
        encoding="utf-8",
    )
    return path


class TestPrecedence:
    def test_it_uses_the_defaults_when_nothing_is_configured(self) -> None:
        settings = WorkerSettings.load(environ={})
        assert (settings.broker_url, settings.batch_size, settings.port) == ("memory://", 50, 8000)
        assert settings.env == "development"

    def test_the_ini_section_of_the_service_overrides_the_defaults(self, ini: Path) -> None:
        settings = WorkerSettings.load(ini, environ={})
        assert settings.broker_url == "redis://ini-host:6379/0"
        assert settings.batch_size == 200  # not the [dataservice] section's value
        assert settings.port == 6000
        assert settings.verify_tls is True

    def test_a_bad_ini_value_is_reported_by_its_ini_name(self, tmp_path: Path) -> None:
        path = tmp_path / "bad.ini"
        path.write_text("[worker]\nbatch_size = lots\n", encoding="utf-8")
        with pytest.raises(SettingsError, match=r"batch_size in \[worker\] of .*bad\.ini"):
            WorkerSettings.load(path, environ={})

    def test_the_environment_overrides_the_ini_file(self, ini: Path) -> None:
        settings = WorkerSettings.load(ini, environ={"WORKER_BATCH_SIZE": "75"})
        assert settings.batch_size == 75
        assert settings.broker_url == "redis://ini-host:6379/0"

    def test_variables_of_another_service_are_ignored(self) -> None:
        settings = WorkerSettings.load(environ={"DATASERVICE_BATCH_SIZE": "3"})
        assert settings.batch_size == 50

    def test_explicit_overrides_beat_the_environment(self) -> None:
        settings = WorkerSettings.load(environ={"WORKER_PORT": "7000"}, port=7001)
        assert settings.port == 7001

    def test_the_ini_file_can_be_named_by_the_environment(self, ini: Path) -> None:
        settings = WorkerSettings.load(environ={"WORKER_CONFIG": str(ini)})
        assert settings.batch_size == 200

    def test_the_run_mode_can_be_set_once_for_the_whole_suite(self) -> None:
        assert WorkerSettings.load(environ={"RUNNERLY_ENV": "test"}).env == "test"

    def test_the_service_run_mode_beats_the_suite_wide_one(self) -> None:
        environ = {"RUNNERLY_ENV": "test", "WORKER_ENV": "development"}
        assert WorkerSettings.load(environ=environ).env == "development"


class TestConversion:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("true", True),
            ("YES", True),
            ("1", True),
            ("on", True),
            ("false", False),
            ("no", False),
            ("0", False),
            ("off", False),
            ("", False),
        ],
    )
    def test_it_reads_booleans(self, text: str, expected: bool) -> None:
        settings = WorkerSettings.load(environ={"WORKER_VERIFY_TLS": text})
        assert settings.verify_tls is expected

    def test_it_reads_lists_separated_by_spaces_or_commas(self) -> None:
        environ = {"WORKER_SCOPES": "runs:write, strava:tokens  admin"}
        settings = WorkerSettings.load(environ=environ)
        assert settings.scopes == ("runs:write", "strava:tokens", "admin")

    def test_it_reads_floats_and_optional_numbers(self) -> None:
        settings = WorkerSettings.load(environ={"WORKER_BACKOFF": "1.5", "WORKER_MAX_PAGES": "4"})
        assert (settings.backoff, settings.max_pages) == (1.5, 4)
        assert WorkerSettings.load(environ={"WORKER_MAX_PAGES": ""}).max_pages is None

    @pytest.mark.parametrize(
        ("var", "text", "expected"),
        [
            ("WORKER_BATCH_SIZE", "fifty", "WORKER_BATCH_SIZE must be a number, not 'fifty'"),
            ("WORKER_BACKOFF", "1,5", "WORKER_BACKOFF must be a number"),
            ("WORKER_VERIFY_TLS", "maybe", "WORKER_VERIFY_TLS must be a boolean"),
            ("WORKER_ENV", "staging", "WORKER_ENV must be development, test or production"),
        ],
    )
    def test_a_bad_value_fails_naming_the_variable(
        self, var: str, text: str, expected: str
    ) -> None:
        with pytest.raises(SettingsError, match=expected):
            WorkerSettings.load(environ={var: text})

    def test_an_unknown_override_fails_naming_it(self) -> None:
        with pytest.raises(SettingsError, match="unknown settings: bach_size"):
            WorkerSettings.load(environ={}, bach_size=10)

    def test_a_missing_ini_file_fails_naming_the_path(self, tmp_path: Path) -> None:
        with pytest.raises(SettingsError, match=r"configuration file not found: .*nope\.ini"):
            WorkerSettings.load(tmp_path / "nope.ini", environ={})


class TestSecrets:
    def test_a_secret_can_come_from_a_file(self, tmp_path: Path) -> None:
        (tmp_path / "secret").write_text("s3cr3t-from-file\n", encoding="utf-8")
        environ = {"WORKER_CLIENT_SECRET_FILE": str(tmp_path / "secret")}
        assert WorkerSettings.load(environ=environ).client_secret == "s3cr3t-from-file"

    def test_an_unreadable_secret_file_fails_naming_the_variable(self, tmp_path: Path) -> None:
        environ = {"WORKER_CLIENT_SECRET_FILE": str(tmp_path / "missing")}
        with pytest.raises(SettingsError, match="WORKER_CLIENT_SECRET_FILE: cannot read"):
            WorkerSettings.load(environ=environ)

    def test_a_secret_given_both_ways_is_refused(self, tmp_path: Path) -> None:
        (tmp_path / "secret").write_text("one", encoding="utf-8")
        environ = {
            "WORKER_CLIENT_SECRET": "two",
            "WORKER_CLIENT_SECRET_FILE": str(tmp_path / "secret"),
        }
        with pytest.raises(
            SettingsError, match="WORKER_CLIENT_SECRET or WORKER_CLIENT_SECRET_FILE"
        ):
            WorkerSettings.load(environ=environ)

    def test_any_setting_can_come_from_a_file_and_is_converted(self, tmp_path: Path) -> None:
        # A database URL holds a password: compose hands it over as a file like a key.
        (tmp_path / "url").write_text("postgresql://w:pw@db/worker\n", encoding="utf-8")
        (tmp_path / "size").write_text("9\n", encoding="utf-8")
        environ = {
            "WORKER_BROKER_URL_FILE": str(tmp_path / "url"),
            "WORKER_BATCH_SIZE_FILE": str(tmp_path / "size"),
        }
        settings = WorkerSettings.load(environ=environ)
        assert settings.broker_url == "postgresql://w:pw@db/worker"
        assert settings.batch_size == 9

    def test_a_bad_value_in_a_file_fails_naming_the_file_variable(self, tmp_path: Path) -> None:
        (tmp_path / "size").write_text("many", encoding="utf-8")
        environ = {"WORKER_BATCH_SIZE_FILE": str(tmp_path / "size")}
        with pytest.raises(SettingsError, match="WORKER_BATCH_SIZE_FILE must be a number"):
            WorkerSettings.load(environ=environ)

    def test_any_setting_given_both_ways_is_refused(self, tmp_path: Path) -> None:
        (tmp_path / "url").write_text("redis://file", encoding="utf-8")
        environ = {
            "WORKER_BROKER_URL": "redis://env",
            "WORKER_BROKER_URL_FILE": str(tmp_path / "url"),
        }
        with pytest.raises(SettingsError, match="WORKER_BROKER_URL or WORKER_BROKER_URL_FILE"):
            WorkerSettings.load(environ=environ)

    def test_an_alias_can_come_from_a_file_after_the_prefixed_name(self, tmp_path: Path) -> None:
        (tmp_path / "url").write_text("postgresql://alias-from-file/db", encoding="utf-8")
        (tmp_path / "own").write_text("postgresql://own-from-file/db", encoding="utf-8")
        environ = {"DATABASE_URL_FILE": str(tmp_path / "url")}
        assert AliasedSettings.load(environ=environ).database_url.endswith("alias-from-file/db")
        environ["SVC_DATABASE_URL_FILE"] = str(tmp_path / "own")
        assert AliasedSettings.load(environ=environ).database_url.endswith("own-from-file/db")
        with pytest.raises(SettingsError, match="DATABASE_URL or DATABASE_URL_FILE, not both"):
            AliasedSettings.load(environ={"DATABASE_URL": "x", "DATABASE_URL_FILE": str(tmp_path)})

    def test_missing_secrets_are_fine_outside_production(self) -> None:
        assert WorkerSettings.load(environ={"WORKER_ENV": "development"}).client_secret == ""

    def test_production_refuses_to_start_naming_each_missing_secret(self) -> None:
        with pytest.raises(
            SettingsError, match="in production: WORKER_CLIENT_SECRET, WORKER_STRAVA_CLIENT_SECRET "
        ):
            WorkerSettings.load(environ={"RUNNERLY_ENV": "production"})

    def test_production_names_only_the_secrets_still_missing(self) -> None:
        environ = {"WORKER_ENV": "production", "WORKER_CLIENT_SECRET": "x"}
        with pytest.raises(SettingsError, match=r"in production: WORKER_STRAVA_CLIENT_SECRET \("):
            WorkerSettings.load(environ=environ)

    def test_production_starts_when_every_secret_is_given(self, tmp_path: Path) -> None:
        (tmp_path / "strava").write_text("strava-secret", encoding="utf-8")
        environ = {
            "WORKER_ENV": "production",
            "WORKER_CLIENT_SECRET": "client-secret",
            "WORKER_STRAVA_CLIENT_SECRET_FILE": str(tmp_path / "strava"),
        }
        settings = WorkerSettings.load(environ=environ)
        assert settings.is_production
        assert settings.strava_client_secret == "strava-secret"

    def test_a_process_using_some_secrets_requires_only_those(self) -> None:
        # The webhook intake shares the worker's settings but holds one secret.
        environ = {"WORKER_ENV": "production", "WORKER_CLIENT_SECRET": "client-secret"}
        settings = IntakeSettings.load(environ=environ)
        assert settings.is_production and settings.strava_client_secret == ""
        with pytest.raises(SettingsError, match=r"in production: WORKER_CLIENT_SECRET \("):
            IntakeSettings.load(environ={"WORKER_ENV": "production"})

    def test_secrets_are_masked_wherever_settings_are_shown(self) -> None:
        settings = WorkerSettings.load(environ={"WORKER_CLIENT_SECRET": "hunter2"})
        assert "hunter2" not in repr(settings)
        assert settings.public_dict()["client_secret"] == "***"
        assert settings.public_dict()["strava_client_secret"] == ""  # unset: nothing to hide
        assert settings.public_dict()["batch_size"] == 50


def test_settings_load_without_the_app_factory() -> None:
    """The gateway's CLI and the Celery processes read settings only: importing them must not
    pull in the OpenAPI and JSON Schema machinery (seconds at every start on a busy host)."""
    import subprocess
    import sys

    probe = (
        "import sys, runnerly_common.settings, runnerly_common.errors; "
        "print(sorted(m for m in ('runnerly_common.app', 'runnerly_common.openapi', 'jsonschema')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("variable", "value"), [("SVC_DB_POOL_SIZE", "0"), ("SVC_DB_MAX_OVERFLOW", "-1")]
)
def test_a_pool_that_cannot_serve_refuses_to_start(variable: str, value: str) -> None:
    @dataclasses.dataclass
    class PooledSettings(DatabaseSettings):
        ENV_PREFIX = "SVC_"

    assert PooledSettings.load(environ={}).db_pool_size == 5
    with pytest.raises(SettingsError, match="SVC_DB_POOL_SIZE must be at least 1"):
        PooledSettings.load(environ={variable: value})


def test_a_pool_smaller_than_its_threads_need_refuses_to_start() -> None:
    @dataclasses.dataclass
    class PooledSettings(DatabaseSettings):
        ENV_PREFIX = "SVC_"

    pool = {"SVC_DB_POOL_SIZE": "2", "SVC_DB_MAX_OVERFLOW": "2"}
    # Four connections serve three threads (one spare for a request's second session)...
    assert PooledSettings.load(environ={**pool, "SVC_THREADS": "3"}).threads == 3
    # ...not four: each could hold one and wait for its second until the pool times out.
    with pytest.raises(SettingsError, match=r"SVC_THREADS \+ 1 \(5\)"):
        PooledSettings.load(environ={**pool, "SVC_THREADS": "4"})


def test_threads_start_at_one() -> None:
    assert Settings.load(environ={}).threads == 1  # a sync worker, unless a service says
    with pytest.raises(SettingsError, match="RUNNERLY_THREADS must be at least 1"):
        Settings.load(environ={"RUNNERLY_THREADS": "0"})
