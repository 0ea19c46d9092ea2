"""The WAF on its own: a minimal nginx running runnerly.waf, our cases as HTTP requests,
and the fixtures of the ``test_waf*`` modules (loaded with ``pytest_plugins``).

The cases come from :mod:`runnerly_gateway.waf_cases`, the WAF benchmark's too. The nginx
here has no upstreams: ``/<route class>/...``
runs ``waf.access(<route class>)`` and answers 200 JSON, with the WAF's decision
(``ngx.ctx.waf``) in an ``X-WAF-Decision`` header, which only this test server exposes.

Fixtures:

- ``waf``: one server with the shipped config for the whole session;
- ``waf_with(changes)``: a server whose config is the shipped one with ``changes`` merged in
  (see :func:`merge`), stopped after the test;
- ``http``: a requests session.

Every server's error log must be free of ``[error]`` and worse lines when it stops, and a
missing nginx skips these tests on a laptop but fails them in CI.

PYTEST_DONT_REWRITE: the test modules import this module before pytest_plugins loads it.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from runnerly_common.testing import ServiceProcess, ServiceUnavailable, free_port, skip_or_fail
from runnerly_common.testing.nginx import MODULE_DIR as NGINX_MODULE_DIR
from runnerly_common.testing.nginx import require_nginx
from runnerly_gateway.waf_cases import (  # noqa: F401 - the test modules import them here
    BASE_HEADERS,
    BROWSER_AGENT,
    DATA_DIR,
    FORM,
    JSON,
    Case,
    attack_cases,
    benign_cases,
    encode_query,
    form_body,
    json_body,
    load_data,
    place,
    quote_fragment,
    request_case,
)

HOME = Path(__file__).resolve().parents[1]
LUA_DIR = HOME / "lua"
DEFAULT_CONFIG = HOME / "waf" / "config.json"
MODULE_DIR = Path(NGINX_MODULE_DIR)  # the harness checks its Lua module there
SYSTEM_LUA_PATH = "/usr/share/lua/5.1/?.lua"
ROUTES = ("web", "api", "token", "login", "upload", "webhook", "assets")
SERIOUS = re.compile(r"\[(error|crit|alert|emerg)\]")


def nginx_missing() -> str | None:
    """Why the WAF cannot run here, or None: nginx with its Lua module (the harness's check,
    as for the gateway), and lua-resty-core on Debian's Lua path, which this nginx loads."""
    try:
        require_nginx()
    except ServiceUnavailable as exc:
        return str(exc)
    if not Path(SYSTEM_LUA_PATH.replace("?", "resty/core")).is_file():
        return "lua-resty-core is not installed"
    return None


# --- configuration ----------------------------------------------------------------------


def load_default_config() -> dict[str, Any]:
    return json.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))


def merge(base: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` merged in, objects recursively; a None value deletes."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def write_config(directory: Path, changes: Mapping[str, Any] | None = None) -> Path:
    """The shipped config with ``changes`` merged in, written to ``directory``; rule files
    stay the shipped ones unless ``changes`` lists others (absolute paths)."""
    config = merge(load_default_config(), changes or {})
    base = DEFAULT_CONFIG.parent
    config["rule_files"] = [str((base / path).resolve()) for path in config["rule_files"]]
    if config.get("triggers"):
        config["triggers"] = str((base / config["triggers"]).resolve())
    path = directory / "waf-config.json"
    path.write_text(json.dumps(config, indent=1), encoding="utf-8")
    return path


def rule_classes() -> dict[str, str]:
    """Rule id -> attack class, read from the shipped rule files."""
    classes = {}
    for name in load_default_config()["rule_files"]:
        data = json.loads((DEFAULT_CONFIG.parent / name).read_text(encoding="utf-8"))
        for rule in data["rules"]:
            classes[rule["id"]] = data["class"]
    return classes


# --- the server -------------------------------------------------------------------------

_NGINX_CONF = """\
load_module {modules}/ndk_http_module.so;
load_module {modules}/ngx_http_lua_module.so;
{extra_modules}
{user}
worker_processes {workers};
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log {log_level};
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    client_max_body_size 16m;
    client_body_buffer_size {body_buffer};
    lua_package_path "{lua_dir}/?.lua;{system_lua};;";
    init_by_lua_block {{ {init} }}
    server {{
        listen 127.0.0.1:{port};
        {server_extra}
        location = /_ready {{
            access_by_lua_block {{ return }}
            content_by_lua_block {{ ngx.say("ok") }}
        }}
        location ~ ^/(?<waf_route>[a-z]+) {{
            {access}
            content_by_lua_block {{
                local decision = ngx.ctx.waf
                if decision then
                    ngx.header["X-WAF-Decision"] = require("cjson.safe").encode(decision)
                end
                ngx.header["Content-Type"] = "application/json"
                ngx.say('{{"ok": true}}')
            }}
        }}
    }}
}}
"""


@dataclass
class NginxServer:
    """An nginx in its own prefix on a free port, stopped by ``stop()``."""

    prefix: Path
    port: int
    process: ServiceProcess

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def error_log(self) -> str:
        path = self.prefix / "logs" / "error.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def serious_errors(self) -> list[str]:
        return [line for line in self.error_log().splitlines() if SERIOUS.search(line)]

    def stop(self) -> None:
        self.process.stop()


def _user_line() -> str:
    # Started by root, nginx's workers would run as nobody and could not write the
    # (0700) temporary prefix: keep them as the user that started the test.
    return "user root;" if os.geteuid() == 0 else ""


def write_nginx_conf(
    prefix: Path,
    port: int,
    *,
    init: str,
    access: str,
    extra_modules: str = "",
    server_extra: str = "",
    workers: int = 1,
    body_buffer: str = "16k",
    log_level: str = "warn",
) -> Path:
    """nginx.conf in ``prefix``: the Lua module, ``init`` in init_by_lua and ``access`` in
    the inspected location (which answers 200 JSON)."""
    for sub in ("logs", "tmp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text(
        _NGINX_CONF.format(
            modules=MODULE_DIR,
            extra_modules=extra_modules,
            user=_user_line(),
            workers=workers,
            prefix=prefix,
            log_level=log_level,
            body_buffer=body_buffer,
            lua_dir=LUA_DIR,
            system_lua=SYSTEM_LUA_PATH,
            init=init,
            port=port,
            server_extra=server_extra,
            access=access,
        ),
        encoding="utf-8",
    )
    return conf


def nginx_command(prefix: Path, conf: Path, *extra: str) -> list[str]:
    return [
        "nginx",
        *extra,
        "-p",
        str(prefix),
        "-c",
        str(conf),
        "-e",
        str(prefix / "logs" / "error.log"),
    ]


def start_nginx(prefix: Path, **options: Any) -> NginxServer:
    """nginx as :func:`write_nginx_conf` configures it, on a free port, once it answers."""
    port = free_port()
    conf = write_nginx_conf(prefix, port, **options)
    process = ServiceProcess(
        nginx_command(prefix, conf),
        ready_url=f"http://127.0.0.1:{port}/_ready",
        log_path=prefix / "logs" / "nginx.out",
        timeout=20,
    )
    process.start()
    return NginxServer(prefix, port, process)


def lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


def start_waf(prefix: Path, config_path: Path | None = None, **options: Any) -> NginxServer:
    """nginx running our WAF with ``config_path`` (default: the shipped config)."""
    init = 'require("runnerly.waf").init({})'.format(
        lua_string(str(config_path)) if config_path else ""
    )
    access = 'access_by_lua_block { require("runnerly.waf").access(ngx.var.waf_route) }'
    return start_nginx(prefix, init=init, access=access, **options)


def check_config(config_path: Path, timeout: float = 15) -> tuple[bool, str]:
    """Whether nginx starts with this WAF config, and what it logged. (``nginx -t`` does not
    run init_by_lua, so nginx is started for real and stopped once it answers.)"""
    with tempfile.TemporaryDirectory() as tmp:
        prefix = Path(tmp)
        port = free_port()
        init = f'require("runnerly.waf").init({lua_string(str(config_path))})'
        conf = write_nginx_conf(prefix, port, init=init, access="")
        with (prefix / "logs" / "nginx.out").open("wb") as out:
            process = subprocess.Popen(
                nginx_command(prefix, conf), stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        started = False
        try:
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    started = requests.get(f"http://127.0.0.1:{port}/_ready", timeout=1).ok
                except requests.RequestException:
                    started = False
                if started:
                    break
                time.sleep(0.05)
        finally:
            if process.poll() is None:
                process.terminate()
            process.wait(timeout=10)
        logs = [(prefix / "logs" / name) for name in ("nginx.out", "error.log")]
        return started, "".join(p.read_text(errors="replace") for p in logs if p.exists())


def send(http: requests.Session, server: NginxServer, case: Case) -> requests.Response:
    return http.request(
        case.method,
        server.url(case.target),
        data=case.body or None,
        headers=case.all_headers(),
        timeout=10,
    )


def decision(response: requests.Response) -> dict[str, Any]:
    """The WAF's decision the test server exposes (absent on a refusal)."""
    return json.loads(response.headers["X-WAF-Decision"])


# --- fixtures ---------------------------------------------------------------------------


def _require_nginx() -> None:
    if reason := nginx_missing():
        skip_or_fail(reason)


def _stop_checked(server: NginxServer) -> None:
    server.stop()
    errors = server.serious_errors()
    assert not errors, "nginx logged errors:\n" + "\n".join(errors)


# The shipped config as it runs, with Hyperscan where libhs is installed; and the same with
# "hyperscan": false, the path a gateway without libhs takes: every test of ``waf`` runs
# on both, so their verdicts are held to the same cases.
SCANNERS = {"hyperscan": {}, "pcre": {"hyperscan": False}}


@pytest.fixture(scope="session", params=list(SCANNERS))
def waf(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NginxServer]:
    _require_nginx()
    prefix = tmp_path_factory.mktemp("waf")
    changes = SCANNERS[request.param]
    server = start_waf(prefix, write_config(prefix, changes) if changes else None)
    yield server
    _stop_checked(server)


@pytest.fixture
def waf_with(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    _require_nginx()
    started: list[NginxServer] = []

    def start(changes: Mapping[str, Any], **options: Any) -> NginxServer:
        prefix = tmp_path_factory.mktemp("waf")
        server = start_waf(prefix, write_config(prefix, changes), **options)
        started.append(server)
        return server

    yield start
    for server in started:
        _stop_checked(server)


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session
