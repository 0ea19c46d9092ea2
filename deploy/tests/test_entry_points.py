"""The local launcher (Procfile) and compose start the same entry points: a process added,
renamed or given other arguments on one side fails here until the other side follows."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import ROOT, dockerfile_stages

# Procfile process -> the compose service that runs it; None: replaced in compose, and why.
PROCFILE_TO_COMPOSE: dict[str, str | None] = {
    "tokendealer": "tokendealer",
    "dataservice": "dataservice",
    "strava-sim": "strava-sim",
    "strava-worker": "strava-worker",
    "strava-streams": "strava-streams",
    "strava-beat": "strava-beat",
    "strava-webhook": "strava-webhook",
    "web": "runnerly-web",
    "gateway": "gateway",
    # The development mail sink writes .eml files; the demo profile's mailpit has a web view.
    "mailsink": None,
}
# Long-running compose services with no local process, and why.
COMPOSE_ONLY = {"backup": "scheduled encrypted backups (`runnerly backup schedule`): production's"}
# Options whose value is where a file lives on this machine: not compared.
LOCAL_ONLY = {"--schedule"}
# Options both sides pass, with a value each deployment chooses.
VALUE_MAY_DIFFER = {"--concurrency"}


def _image_command(service: dict[str, Any]) -> list[str]:
    """The CMD of the service's image (the last stage of its Dockerfile)."""
    path = ROOT / service["build"]["context"] / service["build"]["dockerfile"]
    commands = [args for op, args in dockerfile_stages(path)[-1] if op == "CMD"]
    assert commands, f"{path} has no CMD"
    return json.loads(commands[-1])


def _effective_command(service: dict[str, Any]) -> list[str]:
    return service.get("command") or _image_command(service)


def _normalized(command: list[str]) -> list[str]:
    # A launcher line may start with its process's own settings (NAME=value, a port two
    # processes of one machine cannot share); compose gives those in `environment`.
    while "=" in command[0] and not command[0].startswith(("-", ".", "/")):
        command = command[1:]
    program, *args = command
    words = [program.removeprefix(".venv/bin/")]
    for arg in args:
        option, sep, _ = arg.partition("=")
        if option in LOCAL_ONLY:
            continue
        words.append(option + "=*" if sep and option in VALUE_MAY_DIFFER else arg)
    return words


def test_every_procfile_process_is_mapped(procfile: dict[str, list[str]]) -> None:
    assert set(procfile) == set(PROCFILE_TO_COMPOSE)


def test_every_long_running_service_we_build_runs_a_procfile_process(
    services: dict[str, dict[str, Any]],
) -> None:
    ours = {
        name
        for name, service in services.items()
        if "build" in service and service.get("restart", "no") != "no"
    }
    assert ours - COMPOSE_ONLY.keys() == {name for name in PROCFILE_TO_COMPOSE.values() if name}


@pytest.mark.parametrize("process", sorted(p for p, s in PROCFILE_TO_COMPOSE.items() if s))
def test_compose_starts_the_same_program_with_the_same_arguments(
    process: str, procfile: dict[str, list[str]], services: dict[str, dict[str, Any]]
) -> None:
    local = _normalized(procfile[process])
    container = _normalized(_effective_command(services[PROCFILE_TO_COMPOSE[process]]))
    assert container == local


def test_the_gateway_image_renders_its_settings_when_it_starts(
    services: dict[str, dict[str, Any]],
) -> None:
    """`runnerly-gateway run` renders nginx.conf from the environment at start, as locally:
    trusted proxies, the WAF switch and the upstreams are settings, never build arguments
    (docs/decisions.md, "The gateway renders its configuration when it starts")."""
    build = services["gateway"]["build"]
    assert "args" not in build
    stages = dockerfile_stages(ROOT / build["context"] / build["dockerfile"])
    assert not [args for stage in stages for op, args in stage if op == "ARG"]
    env = " ".join(args for op, args in stages[-1] if op == "ENV")
    for setting in ("GATEWAY_NGINX=openresty", "GATEWAY_TARGET=container", "GATEWAY_RESOLVER="):
        assert setting in env
    assert "command" not in services["gateway"]  # compose runs the image's own CMD


def test_the_launcher_says_compose_follows_it() -> None:
    # The Procfile is the list compose must match (docs/decisions.md, 8).
    assert "docker-compose.yml" in (ROOT / "Procfile").read_text(encoding="utf-8")


def test_every_worker_names_its_queues_and_the_streams_have_their_own(
    procfile: dict[str, list[str]], services: dict[str, dict[str, Any]]
) -> None:
    """A worker without --queues takes every queue: a backlog of activity streams would
    then hold the task processes a sync needs (docs/decisions.md, 32)."""
    for command in (procfile["strava-worker"], _effective_command(services["strava-worker"])):
        assert "--queues=celery" in command
    for command in (procfile["strava-streams"], _effective_command(services["strava-streams"])):
        assert "--queues=streams" in command
