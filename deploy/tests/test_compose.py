"""docker-compose.yml: it validates, and it runs the stack an operator expects (start
order, health checks, durable Redis, services reaching each other by name, no secret)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from conftest import COMPOSE_FILE, ROOT, compose_config

PROFILES = ([], ["--profile", "demo"], ["--profile", "demo", "--profile", "tools"])
# Variable names whose values are secrets: they must come from .env, never from this file.
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSPHRASE|_TOKEN$|_KEYS?$")
REFERENCE = "ENVREF"
# Our services' ports, for the health checks (each checks its own /healthz).
HEALTH_PORTS = {
    "tokendealer": 5001,
    "dataservice": 5002,
    "runnerly-web": 5000,
    "strava-sim": 5004,
    "strava-webhook": 5005,
    "strava-worker": 5006,
    "strava-streams": 5006,
    "gateway": 8081,
}


def _compose_text() -> str:
    return COMPOSE_FILE.read_text(encoding="utf-8")


def _without_references(value: object) -> str:
    """The value with each ${...} replaced by a marker: a URL parser reads what is left."""
    return re.sub(r"\$\{[^}]*\}", REFERENCE, str(value))


def _long_running(services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in services.items() if s.get("restart", "no") != "no"}


class TestValidation:
    @pytest.mark.parametrize("profiles", PROFILES, ids=["default", "demo", "demo+tools"])
    def test_docker_compose_accepts_the_file_with_the_generated_env(
        self, docker_compose: str, project: Path, profiles: list[str]
    ) -> None:
        result = compose_config(docker_compose, project, *profiles)
        assert result.returncode == 0, result.stderr
        resolved = yaml.safe_load(result.stdout)["services"]
        assert "profiles" not in resolved["gateway"]
        # docker-compose 1.29 lists every service; `up` starts a profile's only when asked.
        for name in ("strava-sim", "mailpit", "demo-setup"):
            assert resolved[name]["profiles"] == ["demo"], name
        assert resolved["admin"]["profiles"] == ["tools"]

    def test_the_example_env_file_as_committed_is_accepted_too(
        self, docker_compose: str, project: Path
    ) -> None:
        (project / ".env").write_text(
            (ROOT / ".env.example").read_text(encoding="utf-8"), encoding="utf-8"
        )
        result = compose_config(docker_compose, project, "--profile", "demo", "--profile", "tools")
        assert result.returncode == 0, result.stderr

    def test_a_missing_required_variable_is_refused_by_name(
        self, docker_compose: str, project: Path
    ) -> None:
        env = project / ".env"
        lines = env.read_text(encoding="utf-8").splitlines()
        env.write_text(
            "\n".join(line for line in lines if not line.startswith("STRAVA_API_URL=")),
            encoding="utf-8",
        )
        result = compose_config(docker_compose, project)
        assert result.returncode != 0
        assert "set STRAVA_API_URL in .env" in result.stderr

    def test_an_empty_required_variable_is_refused_by_name(
        self, docker_compose: str, project: Path
    ) -> None:
        # `.env` with the line but no value: `${NAME?}` let it through as "", and the
        # service failed later, or ran with an empty address.
        env = project / ".env"
        text = env.read_text(encoding="utf-8")
        env.write_text(re.sub(r"^STRAVA_CLIENT_ID=.*$", "STRAVA_CLIENT_ID=", text, flags=re.M))
        result = compose_config(docker_compose, project)
        assert result.returncode != 0
        assert "set STRAVA_CLIENT_ID in .env" in result.stderr

    def test_every_variable_is_required_non_empty_or_has_a_default(self) -> None:
        references = re.findall(r"(?<!\$)\$\{([A-Za-z0-9_]+)([^}]*)\}", _compose_text())
        loose = [name for name, rest in references if not rest.startswith((":?", ":-"))]
        assert loose == []
        for name, rest in references:
            if rest.startswith(":?"):
                assert name in rest, f"{name}: the message names the variable"

    def test_every_build_context_dockerfile_and_mounted_path_exists(
        self, services: dict[str, dict[str, Any]]
    ) -> None:
        missing = []
        for name, service in services.items():
            if "build" in service:
                context = ROOT / service["build"]["context"]
                dockerfile = context / service["build"].get("dockerfile", "Dockerfile")
                missing += [f"{name}: {p}" for p in (context, dockerfile) if not p.exists()]
            for volume in service.get("volumes", []):
                source = volume.split(":")[0]
                if source.startswith("."):
                    missing += [f"{name}: {source}"] if not (ROOT / source).exists() else []
        assert missing == []


class TestStartOrder:
    def test_the_migrations_and_the_tokendealer_setup_finish_before_those_services_serve(
        self, services: dict[str, dict[str, Any]]
    ) -> None:
        done = "service_completed_successfully"
        assert services["dataservice"]["depends_on"]["dataservice-migrate"]["condition"] == done
        assert services["tokendealer"]["depends_on"]["tokendealer-setup"]["condition"] == done
        assert services["dataservice-migrate"]["command"] == ["dataservice", "migrate"]
        assert services["tokendealer-setup"]["command"][:3] == [
            "python",
            "-m",
            "tokendealer.provision",
        ]

    def test_the_gateway_starts_once_every_upstream_is_healthy(
        self, services: dict[str, dict[str, Any]]
    ) -> None:
        # nginx resolves its upstreams' names when it starts: a missing one stops it.
        upstreams = {"runnerly-web", "dataservice", "tokendealer", "strava-webhook"}
        depends = services["gateway"]["depends_on"]
        assert set(depends) == upstreams
        assert {d["condition"] for d in depends.values()} == {"service_healthy"}

    def test_every_dependency_is_a_service_of_the_file_without_a_profile_of_its_own(
        self, services: dict[str, dict[str, Any]]
    ) -> None:
        for name, service in services.items():
            for dependency in service.get("depends_on", {}):
                assert dependency in services, f"{name} depends on unknown {dependency}"
                if not service.get("profiles"):
                    # A profile's service is absent by default: depending on it breaks `up`.
                    assert not services[dependency].get("profiles"), (name, dependency)


class TestHealth:
    def test_every_long_running_service_has_a_health_check(
        self, services: dict[str, dict[str, Any]]
    ) -> None:
        unchecked = [
            name
            for name, service in _long_running(services).items()
            if not service.get("healthcheck", {}).get("test")
        ]
        assert unchecked == []

    @pytest.mark.parametrize(("service", "port"), sorted(HEALTH_PORTS.items()))
    def test_our_services_are_checked_on_their_own_healthz(
        self, services: dict[str, dict[str, Any]], service: str, port: int
    ) -> None:
        test = " ".join(services[service]["healthcheck"]["test"])
        assert f"http://127.0.0.1:{port}/healthz" in test

    def test_one_shot_services_are_not_restarted(self, services: dict[str, dict[str, Any]]) -> None:
        for name in ("dataservice-migrate", "tokendealer-setup", "demo-setup", "admin"):
            assert services[name]["restart"] == "no", name


class TestData:
    def test_redis_keeps_an_append_only_file_on_a_named_volume(
        self, compose: dict[str, Any]
    ) -> None:
        redis = compose["services"]["redis"]
        command = " ".join(redis["command"])
        assert "--appendonly yes" in command
        volume = redis["volumes"][0].split(":")
        assert volume == [volume[0], "/data"] and volume[0] in compose["volumes"]

    def test_postgres_data_and_beats_schedule_live_on_named_volumes(
        self, compose: dict[str, Any]
    ) -> None:
        services = compose["services"]
        assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]
        assert "beat-data:/app/var" in services["strava-beat"]["volumes"]
        assert "--schedule=/app/var/celerybeat-schedule" in services["strava-beat"]["command"]

    def test_only_the_gateway_is_published_and_the_demo_mail_view_on_loopback(
        self, services: dict[str, dict[str, Any]]
    ) -> None:
        published = {name: s["ports"] for name, s in services.items() if s.get("ports")}
        # The gateway on the loopback unless told otherwise: the TLS proxy is in front.
        assert published == {
            "gateway": ["${RUNNERLY_PUBLIC_BIND:-127.0.0.1}:${RUNNERLY_PUBLIC_PORT:-8080}:8080"],
            "mailpit": ["127.0.0.1:8025:8025"],
        }


class TestTopology:
    def test_services_reach_each_other_by_service_name(
        self, services: dict[str, dict[str, Any]]
    ) -> None:
        for name, service in services.items():
            for key, value in (service.get("environment") or {}).items():
                if not key.endswith("_URL") or str(value).startswith("${"):
                    continue
                host = urlsplit(_without_references(value)).hostname
                assert host in services, f"{name}: {key} points at {host}, not a service"

    def test_the_worker_beat_webhook_and_web_app_share_one_redis_broker(
        self, services: dict[str, dict[str, Any]]
    ) -> None:
        brokers = {
            services[name]["environment"]["STRAVA_WORKER_BROKER_URL"]
            for name in (
                "strava-worker",
                "strava-streams",
                "strava-beat",
                "strava-webhook",
                "admin",
            )
        }
        brokers.add(services["runnerly-web"]["environment"]["RUNNERLY_WEB_BROKER_URL"])
        assert brokers == {"redis://redis:6379/0"}
        # Required in production: the rate budget every worker process shares.
        for name in ("strava-worker", "strava-streams", "strava-beat", "strava-webhook"):
            assert services[name]["environment"]["STRAVA_WORKER_REDIS_URL"].startswith("redis://")

    def test_our_services_run_in_production_mode_unless_env_says_otherwise(
        self, services: dict[str, dict[str, Any]], env_example: dict[str, str]
    ) -> None:
        assert env_example["RUNNERLY_ENV"] == "production"
        for name, service in services.items():
            if "build" in service and name != "gateway":
                assert service["environment"]["RUNNERLY_ENV"] == "${RUNNERLY_ENV:-production}"


class TestNoSecrets:
    def test_secrets_are_given_as_files_never_as_values(
        self, services: dict[str, dict[str, Any]]
    ) -> None:
        for name, service in services.items():
            for key, value in (service.get("environment") or {}).items():
                if SECRET_NAME.search(key.removesuffix("_FILE")):
                    assert key.endswith("_FILE"), (name, key)
                    assert re.fullmatch(r"/run/secrets/[a-z0-9_]+", str(value)), (name, key)
                if "://" in str(value):
                    password = urlsplit(_without_references(value)).password
                    assert password in (None, REFERENCE), (name, key)

    def test_the_file_holds_no_value_that_looks_generated(self) -> None:
        text = re.sub(r"\$\{[^}]*\}", "", _compose_text())
        # An image's digest is public (the registry's name for its bytes), not a secret.
        text = re.sub(r"@sha256:[0-9a-f]{64}", "", text)
        suspicious = [
            word
            for word in re.findall(r"[A-Za-z0-9+/=_-]{24,}", text)
            if sum(c.isdigit() for c in word) >= 6
        ]
        assert suspicious == []
