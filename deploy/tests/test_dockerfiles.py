"""Every image compose builds: a slim Python base, an unprivileged user, a health check
(one-shot tools excepted), and the front end built in a stage of its own."""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import ROOT, dockerfile_stages

SERVICE_DOCKERFILES = [
    "tokendealer/Dockerfile",
    "dataservice/Dockerfile",
    "strava-sim/Dockerfile",
    "strava-worker/Dockerfile",
    "runnerly-web/Dockerfile",
    "nginx/Dockerfile",
]
# Run once and exit: a health check would only ever report "starting".
ONE_SHOT_DOCKERFILES = ["runnerly-admin/Dockerfile"]


def _final_stage(relative: str) -> list[tuple[str, str]]:
    path = ROOT / relative
    assert path.is_file(), f"{relative} is missing"
    return dockerfile_stages(path)[-1]


def test_compose_builds_exactly_these_dockerfiles(services: dict[str, dict[str, Any]]) -> None:
    built = {s["build"]["dockerfile"] for s in services.values() if "build" in s}
    assert built == set(SERVICE_DOCKERFILES) | set(ONE_SHOT_DOCKERFILES)


@pytest.mark.parametrize("dockerfile", SERVICE_DOCKERFILES + ONE_SHOT_DOCKERFILES)
def test_the_image_runs_as_an_unprivileged_user(dockerfile: str) -> None:
    users = [args for op, args in _final_stage(dockerfile) if op == "USER"]
    assert users, f"{dockerfile} runs as root"
    assert users[-1].split(":")[0] not in {"root", "0"}


@pytest.mark.parametrize("dockerfile", SERVICE_DOCKERFILES)
def test_the_service_image_has_a_health_check(dockerfile: str) -> None:
    checks = [args for op, args in _final_stage(dockerfile) if op == "HEALTHCHECK"]
    assert checks and "/healthz" in checks[-1]


@pytest.mark.parametrize("dockerfile", SERVICE_DOCKERFILES + ONE_SHOT_DOCKERFILES)
def test_python_stages_start_from_a_slim_image(dockerfile: str) -> None:
    assert (ROOT / dockerfile).is_file(), f"{dockerfile} is missing"
    for stage in dockerfile_stages(ROOT / dockerfile):
        base = stage[0][1].split()[0]
        if base.startswith("python:"):
            assert re.fullmatch(r"python:3\.\d+-slim(-\w+)?(@sha256:[0-9a-f]{64})?", base), base


@pytest.mark.parametrize("dockerfile", SERVICE_DOCKERFILES[:-1])
def test_python_services_keep_the_serve_entry_point_or_celery(dockerfile: str) -> None:
    cmd = [args for op, args in _final_stage(dockerfile) if op == "CMD"][-1]
    assert re.fullmatch(r'\["[a-z-]+", "serve"\]|\["celery", .*', cmd), cmd


def test_the_dashboard_is_built_in_its_own_stage_and_only_its_output_is_kept() -> None:
    stages = dockerfile_stages(ROOT / "runnerly-web" / "Dockerfile")
    assert len(stages) >= 2
    assert stages[0][0][1].startswith("node:") and "AS frontend" in stages[0][0][1]
    assert any(op == "RUN" and "npm run build" in args for op, args in stages[0])
    copies = [args for op, args in stages[-1] if op == "COPY" and "--from=frontend" in args]
    assert copies and all("/dist" in args for args in copies)
    assert not any(op == "RUN" and "npm" in args for op, args in stages[-1])


def test_the_worker_image_checks_its_metrics_port_not_the_broker() -> None:
    stage = _final_stage("strava-worker/Dockerfile")
    check = [args for op, args in stage if op == "HEALTHCHECK"][-1]
    assert "127.0.0.1:5006/healthz" in check and "inspect ping" not in check
    env = " ".join(args for op, args in stage if op == "ENV")
    assert "STRAVA_WORKER_METRICS_HOST=0.0.0.0" in env


def test_the_gateway_image_exposes_and_checks_its_status_port() -> None:
    stage = _final_stage("nginx/Dockerfile")
    exposed = " ".join(args for op, args in stage if op == "EXPOSE").split()
    assert {"8080", "8081"} <= set(exposed)
    check = [args for op, args in stage if op == "HEALTHCHECK"][-1]
    assert "http://127.0.0.1:8081/healthz" in check


def test_the_build_context_leaves_out_local_environments_and_secrets() -> None:
    ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".env", ".venv", ".tox", "var", "**/node_modules"} <= ignored


def test_the_tokendealer_image_carries_the_clients_its_setup_registers() -> None:
    stage = _final_stage("tokendealer/Dockerfile")
    assert ("COPY", "config/clients.toml /app/config/clients.toml") in stage


def test_hadolint_checks_every_dockerfile_in_the_lint_env() -> None:
    """`make test` lints each image's Dockerfile (tox's lint env, .hadolint.yaml)."""
    import configparser

    tox = configparser.ConfigParser()
    tox.read(ROOT / "tox.ini", encoding="utf-8")
    commands = tox["testenv:lint"]["commands"].replace("\\\n", " ")
    hadolint = next(line for line in commands.splitlines() if "hadolint" in line)
    assert set(hadolint.split()) >= set(SERVICE_DOCKERFILES + ONE_SHOT_DOCKERFILES)
    assert "--config .hadolint.yaml" in hadolint
