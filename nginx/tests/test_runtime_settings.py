"""The image's command renders the gateway's settings each time the container starts:
changing GATEWAY_TRUSTED_PROXIES (or GATEWAY_WAF) and restarting changes the gateway, with
no rebuild. The command is read from nginx/Dockerfile, so an image that renders at build
time and runs nginx directly fails here."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from runnerly_common.testing import LiveServer, ServiceProcess, free_port

HOME = Path(__file__).resolve().parents[1]
FORWARDED = "203.0.113.7"


def image_command() -> list[str]:
    """The CMD of nginx/Dockerfile's last stage, continuation lines joined."""
    text = (HOME / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    commands = re.findall(r"^CMD\s+(\[.*\])\s*$", text, flags=re.MULTILINE)
    assert commands, "nginx/Dockerfile has no CMD"
    return json.loads(commands[-1])


class ContainerLike:
    """The image's command, run again and again on one prefix and port, each time with the
    environment `docker compose up -d gateway` would give it."""

    def __init__(self, work: Path, upstreams: dict[str, LiveServer]) -> None:
        self.work = work
        self.port, self.status_port = free_port(), free_port()
        self.base = {
            **{k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")},
            # The image's settings, less what only OpenResty's layout has.
            "GATEWAY_ENV": "test",
            "GATEWAY_TARGET": "test",
            "GATEWAY_PREFIX": str(work),
            "GATEWAY_PORT": str(self.port),
            "GATEWAY_STATUS_PORT": str(self.status_port),
            "GATEWAY_ERROR_LOG": "stderr",
            "GATEWAY_ACCESS_LOG": "/dev/stdout",
            "GATEWAY_WORKERS": "1",
            **{
                f"GATEWAY_{name.upper()}_UPSTREAM": server.url.removeprefix("http://")
                for name, server in upstreams.items()
            },
        }
        self.process: ServiceProcess | None = None

    def start(self, **settings: str) -> None:
        command = image_command()
        # The console script of this environment, as the image's PATH finds its own.
        command[0] = str(Path(sys.executable).parent / command[0])
        self.process = ServiceProcess(
            command,
            ready_url=f"http://127.0.0.1:{self.port}/_gateway/healthz",
            log_path=self.work / f"run-{len(list(self.work.glob('run-*')))}.log",
            env={**self.base, **settings},
            inherit_env=False,
            timeout=20,
        )
        self.process.start()

    def stop(self) -> None:
        if self.process:
            self.process.stop()
            self.process = None

    def client_seen(self) -> dict[str, Any]:
        """Who the gateway and the service behind it take the client for."""
        response = requests.get(
            f"http://127.0.0.1:{self.port}/api/v1/users",
            headers={"X-Forwarded-For": FORWARDED},
            timeout=5,
        )
        assert response.status_code == 200, response.text
        return {
            "real_ip": response.json()["headers"]["X-Real-Ip"],
            "forwarded_for": response.json()["headers"]["X-Forwarded-For"],
        }


@pytest.fixture
def container(tmp_path: Path, upstreams: dict[str, LiveServer]) -> Iterator[ContainerLike]:
    gateway = ContainerLike(tmp_path / "gateway", upstreams)
    gateway.work.mkdir()
    yield gateway
    gateway.stop()


def test_trusted_proxies_change_with_a_restart_not_a_rebuild(container: ContainerLike) -> None:
    container.start(GATEWAY_TRUSTED_PROXIES="")
    assert container.client_seen()["real_ip"] == "127.0.0.1"  # a client cannot say who it is
    container.stop()

    container.start(GATEWAY_TRUSTED_PROXIES="127.0.0.1/32 10.0.0.0/8")
    assert container.client_seen()["real_ip"] == FORWARDED  # the proxy in front says so
    container.stop()

    container.start()
    assert container.client_seen()["real_ip"] == "127.0.0.1"


def test_the_waf_switch_changes_with_a_restart(container: ContainerLike) -> None:
    attack = "/api/v1/users?q=1%27%20UNION%20SELECT%20password%20FROM%20users--"
    container.start(GATEWAY_WAF="on")
    assert requests.get(f"http://127.0.0.1:{container.port}{attack}", timeout=5).status_code == 403
    container.stop()
    container.start(GATEWAY_WAF="off")
    assert requests.get(f"http://127.0.0.1:{container.port}{attack}", timeout=5).status_code == 200
