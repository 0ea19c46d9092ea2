"""Render ``templates/nginx.conf.j2`` for a target, and lay out an nginx prefix around it.

The same template serves every target; what differs is data: Debian's nginx loads the Lua
module and finds lua-resty-core in /usr/share/lua (local, test), OpenResty has both built
in (container); tests read log files, the other targets log to stdout/stderr.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import jinja2

from runnerly_common.settings import SettingsError
from runnerly_gateway.limits import Limits, load_limits
from runnerly_gateway.settings import GatewaySettings

CONF_NAME = "nginx.conf"
LUA_CONF_NAME = "gateway.json"
_MODULES = ("ndk_http_module.so", "ngx_http_lua_module.so")
# Characters that would end or change a quoted value in nginx's or Lua's syntax ($ starts a
# variable in log paths); such paths are refused rather than escaped.
_UNSAFE = re.compile(r"[\"\\$\x00-\x1f]")
_HOST_PORT = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}")
_CIDR = re.compile(r"[0-9A-Fa-f:.]+(/\d{1,3})?")
_IPV4 = re.compile(r"\d{1,3}(\.\d{1,3}){3}")
_NAMESERVER = re.compile(r"(?P<host>\d{1,3}(?:\.\d{1,3}){3})(?::(?P<port>\d{1,5}))?")
UPSTREAM_NAMES = ("web", "dataservice", "tokendealer", "webhook")


def _checked(value: Any) -> str:
    text = str(value)
    if _UNSAFE.search(text):
        raise SettingsError(
            f"a path or value with quotes, backslashes or $ is not allowed: {text!r}"
        )
    return text


def _ngx(value: Any) -> str:
    """A double-quoted nginx string."""
    return '"' + _checked(value) + '"'


def _lua(value: Any) -> str:
    """A Lua literal: a quoted string, or nil for None."""
    return "nil" if value is None else '"' + _checked(value) + '"'


def _environment(home: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(home / "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - nginx configuration, not HTML
    )
    env.filters["ngx"] = _ngx
    env.filters["lua"] = _lua
    return env


def _servers(setting: str, values: tuple[str, ...]) -> list[str]:
    for value in values:
        if not _HOST_PORT.fullmatch(value):
            raise SettingsError(f"{setting} must be host:port, not {value!r}")
    return list(values)


def _is_address(host: str) -> bool:
    return host.startswith("[") or bool(_IPV4.fullmatch(host))


def _nameservers(settings: GatewaySettings) -> list[tuple[str, int]]:
    servers = []
    for value in settings.resolver:
        match = _NAMESERVER.fullmatch(value)
        if not match:
            raise SettingsError(
                f"{settings.env_name('resolver')} must be IPv4 addresses, each with an "
                f"optional :port, not {value!r}"
            )
        servers.append((match["host"], int(match["port"] or 53)))
    return servers


def upstream_servers(settings: GatewaySettings) -> dict[str, list[str]]:
    """Each upstream group's ``host:port`` servers, checked."""
    return {
        name: _servers(settings.env_name(f"{name}_upstream"), getattr(settings, f"{name}_upstream"))
        for name in UPSTREAM_NAMES
    }


def dynamic_upstreams(settings: GatewaySettings) -> dict[str, list[tuple[str, int]]]:
    """The groups whose names are resolved while nginx runs: with a resolver set, those
    naming a host; groups of addresses alone stay nginx's static upstreams."""
    if not _nameservers(settings):
        return {}
    dynamic = {}
    for name, servers in upstream_servers(settings).items():
        pairs = [(host, int(port)) for host, port in (s.rsplit(":", 1) for s in servers)]
        if not all(_is_address(host) for host, _ in pairs):
            dynamic[name] = pairs
    return dynamic


def template_context(settings: GatewaySettings, limits: Limits) -> dict[str, Any]:
    home, prefix = settings.home_dir, settings.prefix_dir
    container = settings.target == "container"
    test = settings.target == "test"
    load_modules = [] if container else [Path(settings.module_dir) / m for m in _MODULES]
    for module in load_modules:
        if not module.is_file():
            raise SettingsError(
                f"nginx module {module} not found: install libnginx-mod-http-lua "
                f"(or set {settings.env_name('module_dir')})"
            )
    lua_path = [f"{home}/lua/?.lua", f"{home}/lua/?/init.lua"]
    if test:
        lua_path.append(f"{home}/tests/lua/?.lua")
    if not container and settings.system_lua_path:
        lua_path.append(settings.system_lua_path)
    worker_user = settings.worker_user
    if not container and not worker_user and os.geteuid() == 0:
        worker_user = "root"
    for cidr in settings.trusted_proxies:
        if not _CIDR.fullmatch(cidr):
            raise SettingsError(f"{settings.env_name('trusted_proxies')}: not an address: {cidr!r}")
    upstreams = upstream_servers(settings)
    return {
        "target": settings.target,
        "load_modules": load_modules,
        "worker_user": worker_user,
        "worker_processes": settings.workers or "auto",
        "worker_connections": settings.worker_connections,
        "prefix": prefix,
        "pid_path": prefix / "nginx.pid",
        "error_log": settings.error_log or _default_log(settings, "error"),
        "error_log_level": settings.error_log_level,
        "access_log": settings.access_log or _default_log(settings, "access"),
        "lua_package_path": ";".join(lua_path) + ";;",
        "gateway_json": prefix / LUA_CONF_NAME,
        "limit_req_dict": "10m",
        "limit_conn_dict": "2m",
        "trusted_proxies": list(settings.trusted_proxies),
        "connect_timeout": settings.connect_timeout,
        "upstreams": upstreams,
        "upstream_keepalive": settings.upstream_keepalive,
        "dynamic_upstreams": sorted(dynamic_upstreams(settings)),
        "classes": limits.classes,
        "listen": _listen(settings.host, settings.port),
        "status_listen": _listen(settings.status_bind_host, settings.status_port),
        "metrics_dict": settings.metrics_dict,
    }


def _listen(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _default_log(settings: GatewaySettings, kind: str) -> str:
    if settings.target == "test":
        return str(settings.prefix_dir / "logs" / f"{kind}.log")
    return "stderr" if kind == "error" else "/dev/stdout"


def lua_config(settings: GatewaySettings, limits: Limits) -> dict[str, Any]:
    """``gateway.json``: what ``runnerly.gateway.init`` reads in nginx's master process."""
    return {
        **limits.for_lua(),
        "waf": settings.waf,
        "waf_config": settings.waf_config or None,
        # Upstream groups that runnerly/upstreams.lua resolves while nginx runs.
        "upstreams": {
            name: [[host, port] for host, port in servers]
            for name, servers in dynamic_upstreams(settings).items()
        },
        "resolver": {
            "nameservers": [[host, port] for host, port in _nameservers(settings)],
            "valid": settings.resolver_valid,
            "timeout": 1,  # seconds for each DNS server to answer
        },
    }


def render(settings: GatewaySettings, limits: Limits | None = None) -> str:
    """The nginx.conf text for ``settings.target``."""
    limits = limits or load_limits(settings.limits_path)
    context = template_context(settings, limits)
    return _environment(settings.home_dir).get_template("nginx.conf.j2").render(context)


def prepare(settings: GatewaySettings) -> Path:
    """Write nginx.conf and gateway.json into the prefix, with its logs and temp dirs.

    Returns the path of nginx.conf, ready for ``nginx -p <prefix> -c <it>``.
    """
    limits = load_limits(settings.limits_path)
    text = render(settings, limits)
    prefix = settings.prefix_dir
    for sub in ("logs", "tmp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    (prefix / LUA_CONF_NAME).write_text(
        json.dumps(lua_config(settings, limits), indent=2) + "\n", encoding="utf-8"
    )
    conf = prefix / CONF_NAME
    conf.write_text(text, encoding="utf-8")
    return conf


def error_log_path(settings: GatewaySettings) -> str:
    """Where nginx writes its error log: ``stderr``, or a file's path."""
    return settings.error_log or _default_log(settings, "error")


def nginx_command(settings: GatewaySettings, conf: Path) -> list[str]:
    """The command that runs the gateway in the foreground."""
    # -e: where nginx writes before it has read the config's error_log (Debian's
    # compiled-in default is stderr, OpenResty's a file it may not be allowed to create).
    early_log = error_log_path(settings)
    return [
        settings.nginx,
        "-p",
        str(settings.prefix_dir),
        "-c",
        str(conf),
        "-e",
        early_log,
        "-g",
        "daemon off;",
    ]
