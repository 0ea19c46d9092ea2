"""Capacity, read from docker-compose.yml as `docker-compose config` renders it with the
example settings: every container has CPU and memory limits, every server its worker count
written down (not guessed from the CPU count), and PostgreSQL's connection budget holds:

    Σ over the services that open PostgreSQL, per database they open:
        (pool_size + max_overflow) × processes × replicas
    + superuser_reserved_connections + OPERATOR_RESERVE  ≤  max_connections

processes: the gunicorn workers (<PREFIX>WORKERS) of a service running its image's server,
a Celery worker's --concurrency, or 1 for any other command and for a one-shot
(migrations, setup, the admin CLI: all counted, as if they ran at once).
pool_size and max_overflow: the service's <PREFIX>DB_POOL_SIZE / DB_MAX_OVERFLOW, or its
settings class's defaults when compose sets none."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SettingsClass, compose_config, make_project

ALL_PROFILES = ("--profile", "demo", "--profile", "tools")
# Connections kept for people and jobs outside the budget: a psql session, a backup's
# pg_dump, a second admin command.
OPERATOR_RESERVE = 5
DATABASE_URL = re.compile(r"^([A-Z_]+?_)DATABASE_URL(_FILE)?$")


@dataclass
class Budget:
    max_connections: int
    reserved: int
    uses: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.uses.values()) + self.reserved + OPERATOR_RESERVE

    def explain(self) -> str:
        parts = ", ".join(f"{name} {n}" for name, n in sorted(self.uses.items()))
        return (
            f"{parts}, superusers {self.reserved}, operators {OPERATOR_RESERVE}: "
            f"{self.total} > max_connections {self.max_connections}"
        )


def _postgres_setting(command: list[str] | str, name: str, default: int | None) -> int:
    words = shlex.split(command) if isinstance(command, str) else command
    for word in words:  # postgres -c name=value
        match = re.fullmatch(rf"{name}=(\d+)", word)
        if match:
            return int(match.group(1))
    if default is None:
        raise AssertionError(f"postgres's command sets no {name}")
    return default


def _processes(name: str, service: dict[str, Any], prefix: str) -> int:
    if service.get("restart", "no") == "no":
        return 1
    command = service.get("command") or []
    words = shlex.split(command) if isinstance(command, str) else command
    if "celery" in words:
        found = [w.split("=", 1)[1] for w in words if w.startswith("--concurrency=")]
        assert found, f"{name}: a Celery worker without an explicit --concurrency"
        return int(found[0])
    if words:  # a command of its own: one process
        return 1
    # The image's own command: its gunicorn server.
    workers = int((service.get("environment") or {}).get(prefix + "WORKERS") or 0)
    assert workers > 0, f"{name}: {prefix}WORKERS must be set (not from the CPU count)"
    return workers


def _backs_up(service: dict[str, Any]) -> bool:
    """`runnerly backup schedule`: no pool, PostgreSQL's own pg_dump."""
    command = service.get("command") or []
    words = shlex.split(command) if isinstance(command, str) else command
    return words[:3] == ["runnerly", "backup", "schedule"]


def connection_budget(config: dict[str, Any], settings: dict[str, SettingsClass]) -> Budget:
    services = config["services"]
    command = services["postgres"]["command"]
    budget = Budget(
        max_connections=_postgres_setting(command, "max_connections", None),
        reserved=_postgres_setting(command, "superuser_reserved_connections", 3),
        uses={},
    )
    for name, service in services.items():
        environment = service.get("environment") or {}
        prefixes = {m.group(1) for m in map(DATABASE_URL.match, environment) if m}
        for prefix in sorted(prefixes):
            if _backs_up(service):  # pg_dump: one connection per database, one at a time
                budget.uses[f"{name}/{prefix.lower().rstrip('_')}"] = 1
                continue
            defaults = settings[prefix].cls()
            pool = int(environment.get(prefix + "DB_POOL_SIZE", defaults.db_pool_size))
            overflow = int(environment.get(prefix + "DB_MAX_OVERFLOW", defaults.db_max_overflow))
            replicas = int((service.get("deploy") or {}).get("replicas", 1))
            processes = _processes(name, service, prefix)
            budget.uses[f"{name}/{prefix.lower().rstrip('_')}"] = (
                (pool + overflow) * processes * replicas
            )
    return budget


def _render(docker_compose: str, project: Path) -> dict[str, Any]:
    result = compose_config(docker_compose, project, *ALL_PROFILES)
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = yaml.safe_load(result.stdout)
    return config


@pytest.fixture(scope="module")
def rendered(docker_compose: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _render(docker_compose, make_project(tmp_path_factory.mktemp("project")))


class TestConnectionBudget:
    def test_the_pools_of_every_process_fit_in_max_connections(
        self, rendered: dict[str, Any], settings_classes: dict[str, SettingsClass]
    ) -> None:
        budget = connection_budget(rendered, settings_classes)
        # Both databases' servers and their one-shots are counted.
        assert {"tokendealer/tokendealer", "dataservice/dataservice"} <= budget.uses.keys()
        assert {"admin/tokendealer", "admin/dataservice", "dataservice-migrate/dataservice"} <= (
            budget.uses.keys()
        )
        assert budget.total <= budget.max_connections, budget.explain()

    def test_more_workers_than_the_budget_allows_are_caught(
        self,
        docker_compose: str,
        project: Path,
        settings_classes: dict[str, SettingsClass],
    ) -> None:
        env = project / ".env"
        text = env.read_text(encoding="utf-8")
        env.write_text(
            re.sub(r"^DATASERVICE_WORKERS=.*$", "DATASERVICE_WORKERS=24", text, flags=re.M)
        )
        budget = connection_budget(_render(docker_compose, project), settings_classes)
        assert budget.uses["dataservice/dataservice"] == 24 * 4
        assert budget.total > budget.max_connections

    def test_each_process_pool_holds_its_threads_and_one_more(
        self, rendered: dict[str, Any], settings_classes: dict[str, SettingsClass]
    ) -> None:
        # The threads of a gunicorn worker share its pool, and a request may hold two
        # connections: one fewer than threads + 1 and they can wait on each other until the
        # pool times out (DatabaseSettings.check refuses to start; this sees it in CI).
        for name, prefix in (("tokendealer", "TOKENDEALER_"), ("dataservice", "DATASERVICE_")):
            environment = rendered["services"][name].get("environment") or {}
            defaults = settings_classes[prefix].cls()
            pool = int(environment.get(prefix + "DB_POOL_SIZE", defaults.db_pool_size))
            overflow = int(environment.get(prefix + "DB_MAX_OVERFLOW", defaults.db_max_overflow))
            threads = int(environment.get(prefix + "THREADS", defaults.threads))
            assert threads > 1, f"{name}: threaded workers, as shipped (decision 67)"
            assert pool + overflow >= threads + 1, f"{name}: {pool} + {overflow} for {threads}"

    def test_replicas_count_too(
        self, rendered: dict[str, Any], settings_classes: dict[str, SettingsClass]
    ) -> None:
        one = connection_budget(rendered, settings_classes).uses["tokendealer/tokendealer"]
        rendered["services"]["tokendealer"].setdefault("deploy", {})["replicas"] = 3
        try:
            three = connection_budget(rendered, settings_classes).uses["tokendealer/tokendealer"]
        finally:
            del rendered["services"]["tokendealer"]["deploy"]["replicas"]
        assert three == 3 * one


class TestWorkersAndLimits:
    def test_every_container_has_cpu_and_memory_limits(self, rendered: dict[str, Any]) -> None:
        unlimited = []
        for name, service in rendered["services"].items():
            limits = ((service.get("deploy") or {}).get("resources") or {}).get("limits") or {}
            if not (limits.get("cpus") and limits.get("memory")):
                unlimited.append(name)
        assert unlimited == []

    def test_every_gunicorn_server_has_its_worker_count_written_down(
        self, rendered: dict[str, Any]
    ) -> None:
        servers = {
            "tokendealer": "TOKENDEALER_",
            "dataservice": "DATASERVICE_",
            "runnerly-web": "RUNNERLY_WEB_",
            "strava-webhook": "STRAVA_WORKER_",
            "strava-sim": "STRAVA_SIM_",
        }
        for name, prefix in servers.items():
            assert _processes(name, rendered["services"][name], prefix) >= 1

    def test_every_celery_worker_has_its_concurrency_written_down(
        self, rendered: dict[str, Any]
    ) -> None:
        for name in ("strava-worker", "strava-streams"):
            assert _processes(name, rendered["services"][name], "STRAVA_WORKER_") >= 1

    def test_the_gateway_has_its_nginx_worker_count_written_down(
        self, rendered: dict[str, Any]
    ) -> None:
        # Left to nginx ("auto"), it would be the host's CPU count, whatever the limit.
        environment = rendered["services"]["gateway"].get("environment") or {}
        assert int(environment.get("GATEWAY_WORKERS") or 0) >= 1

    def test_postgres_max_connections_is_set_explicitly(self, rendered: dict[str, Any]) -> None:
        command = rendered["services"]["postgres"]["command"]
        assert _postgres_setting(command, "max_connections", None) >= 20
