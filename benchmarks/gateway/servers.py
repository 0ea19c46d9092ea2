"""The nginx servers the benchmarks compare, each in a temporary prefix on a free port.

- ModSecurity + OWASP CRS as Debian packages them (``libnginx-mod-http-modsecurity``,
  ``modsecurity-crs``), switched to blocking at paranoia level 1 with inbound anomaly
  threshold 5: :func:`modsecurity_rules` writes that configuration, which ``waf.py`` puts in
  front of a trivial handler and :func:`running_proxy` in front of a real upstream;
- a plain nginx reverse proxy (:func:`running_proxy`), bare, with nginx's native
  ``limit_req``, or with ModSecurity + CRS;
- our gateway, rendered by ``runnerly_gateway`` for the ``local`` target
  (:func:`running_gateway`), with limits that run on every request and never refuse.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common.repo import ROOT
from runnerly_common.testing import ServiceProcess, free_port

MODULE_DIR = Path("/usr/lib/nginx/modules")
MODSECURITY_MODULE = MODULE_DIR / "ngx_http_modsecurity_module.so"
DEBIAN_MODSECURITY_CONF = Path("/etc/nginx/modsecurity.conf")
UNICODE_MAPPING = Path("/etc/nginx/unicode.mapping")
CRS_SETUP = Path("/etc/modsecurity/crs/crs-setup.conf")
CRS_RULES = Path("/usr/share/modsecurity-crs/rules")
SYSTEM_LUA_PATH = "/usr/share/lua/5.1/?.lua"  # Debian's lua-resty-core
SERIOUS = re.compile(r"\[(error|crit|alert|emerg)\]")
# Rates no benchmark reaches: the limiters do their work on every request, and never say no.
UNLIMITED_RATE = 1_000_000


def crs_missing() -> str | None:
    """Why ModSecurity + CRS cannot run here, or None."""
    if not MODSECURITY_MODULE.is_file() or not CRS_RULES.is_dir():
        return (
            "ModSecurity + CRS missing: "
            "apt-get install libnginx-mod-http-modsecurity modsecurity-crs"
        )
    return None


def modsecurity_rules(directory: Path) -> Path:
    """Debian's modsecurity.conf switched to blocking (audit log, response bodies and the
    status beacon off, files in ``directory``), then CRS at PL1 with threshold 5."""
    conf = DEBIAN_MODSECURITY_CONF.read_text(encoding="utf-8")
    replacements = {
        r"^SecRuleEngine .*$": "SecRuleEngine On",
        r"^SecAuditEngine .*$": "SecAuditEngine Off",
        r"^SecAuditLog .*$": f"SecAuditLog {directory}/audit.log",
        r"^SecResponseBodyAccess .*$": "SecResponseBodyAccess Off",
        r"^SecTmpDir .*$": f"SecTmpDir {directory}/",
        r"^SecDataDir .*$": f"SecDataDir {directory}/",
        r"^SecUnicodeMapFile .*$": f"SecUnicodeMapFile {UNICODE_MAPPING} 20127",
        r"^SecStatusEngine .*$": "SecStatusEngine Off",
    }
    for pattern, value in replacements.items():
        conf = re.sub(pattern, value, conf, flags=re.MULTILINE)
    (directory / "modsecurity.conf").write_text(conf, encoding="utf-8")
    main = directory / "main.conf"
    main.write_text(
        f"Include {directory}/modsecurity.conf\n"
        'SecAction "id:900000,phase:1,nolog,pass,t:none,setvar:tx.paranoia_level=1"\n'
        'SecAction "id:900110,phase:1,nolog,pass,t:none,'
        'setvar:tx.inbound_anomaly_score_threshold=5,setvar:tx.outbound_anomaly_score_threshold=4"\n'
        f"Include {CRS_SETUP}\n"
        f"Include {CRS_RULES}/*.conf\n",
        encoding="utf-8",
    )
    return main


@dataclass
class Server:
    """A running server: where to send requests, and its master process (for CPU time)."""

    base_url: str
    pid: int
    prefix: Path

    def serious_errors(self) -> list[str]:
        log = self.prefix / "logs" / "error.log"
        text = log.read_text(errors="replace") if log.exists() else ""
        return [line for line in text.splitlines() if SERIOUS.search(line)]


@contextlib.contextmanager
def _serving(command: list[str], ready_url: str, prefix: Path, what: str) -> Iterator[int]:
    process = ServiceProcess(command, ready_url=ready_url, log_path=prefix / "nginx.out")
    with process:
        assert process.process is not None
        yield process.process.pid
    server = Server("", 0, prefix)
    if errors := server.serious_errors():
        raise RuntimeError(f"{what} logged errors:\n" + "\n".join(errors[:10]))


def _user_line() -> str:
    # Started by root, nginx's workers would run as nobody and could not read the (0700)
    # temporary prefix: keep them as the user that started the benchmark.
    return "user root;" if os.geteuid() == 0 else ""


_PROXY_CONF = """\
{modules}
{user}
worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log {log_level};
events {{ worker_connections 1024; }}
http {{
    access_log {prefix}/logs/access.log;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    keepalive_timeout 65s;
    {http_extra}
    upstream backend {{
        server {upstream};
        keepalive {keepalive};
    }}
    server {{
        listen 127.0.0.1:{port};
        {server_extra}
        location = /_ready {{
            access_log off;
            return 200 "ok";
        }}
        location / {{
            {location_extra}
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Request-ID $request_id;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_pass http://backend;
        }}
    }}
}}
"""


@contextlib.contextmanager
def running_proxy(
    prefix: Path,
    upstream: str,
    *,
    workers: int,
    modsecurity: bool = False,
    limit_req: bool = False,
    keepalive: int = 16,
    log_level: str = "warn",
) -> Iterator[Server]:
    """nginx proxying everything to ``upstream`` (host:port), with a combined access log and
    upstream keep-alive like the gateway's; with ``limit_req``, nginx's own leaky bucket per
    client address (a rate never reached); with ``modsecurity``, CRS PL1 on every request."""
    for sub in ("logs", "tmp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    modules, server_extra, http_extra, location_extra = "", "", "", ""
    if modsecurity:
        modsec_dir = prefix / "modsec"
        modsec_dir.mkdir()
        main = modsecurity_rules(modsec_dir)
        modules = f"load_module {MODSECURITY_MODULE};"
        server_extra = f"modsecurity on; modsecurity_rules_file {main};"
    if limit_req:
        http_extra = (
            f"limit_req_zone $binary_remote_addr zone=api:10m rate={UNLIMITED_RATE}r/s;\n"
            "    limit_conn_zone $binary_remote_addr zone=inflight:2m;"
        )
        location_extra = (
            f"limit_req zone=api burst={UNLIMITED_RATE} nodelay; limit_conn inflight 65535;"
        )
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(
        _PROXY_CONF.format(
            modules=modules,
            user=_user_line(),
            workers=workers or "auto",
            prefix=prefix,
            # ModSecurity logs every rule match at [error]: "crit" where attacks are sent.
            log_level=log_level,
            http_extra=http_extra,
            upstream=upstream,
            keepalive=keepalive,
            port=port,
            server_extra=server_extra,
            location_extra=location_extra,
        ),
        encoding="utf-8",
    )
    command = ["nginx", "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "logs/error.log")]
    command += ["-g", "daemon off;"]
    base = f"http://127.0.0.1:{port}"
    with _serving(command, f"{base}/_ready", prefix, f"nginx at {prefix.name}") as pid:
        yield Server(base, pid, prefix)


_HANDLER_CONF = """\
load_module {modules}/ndk_http_module.so;
load_module {modules}/ngx_http_lua_module.so;
{user}
worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/tmp/body;
    client_max_body_size 16m;
    client_body_buffer_size 64k;
    lua_package_path "{system_lua};;";
    server {{
        listen 127.0.0.1:{port};
        location = /_ready {{ return 200 "ok"; }}
        location / {{
            content_by_lua_block {{
                ngx.header["Content-Type"] = "application/json"
                ngx.say('{{"ok": true}}')
            }}
        }}
    }}
}}
"""


def start_handler(prefix: Path, workers: int) -> ServiceProcess:
    """The upstream behind every server of the WAF benchmark: 200 JSON to any request, its
    body discarded (answered by Lua, as the WAF tests' nginx answers); stopped by the caller."""
    for sub in ("logs", "tmp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(
        _HANDLER_CONF.format(
            modules=MODULE_DIR,
            user=_user_line(),
            workers=workers,
            prefix=prefix,
            system_lua=SYSTEM_LUA_PATH,
            port=port,
        ),
        encoding="utf-8",
    )
    command = ["nginx", "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "logs/error.log")]
    process = ServiceProcess(
        [*command, "-g", "daemon off;"],
        ready_url=f"http://127.0.0.1:{port}/_ready",
        log_path=prefix / "logs" / "nginx.out",
        timeout=20,
        name="handler",
    )
    process.start()
    return process


_WAF_ONLY_CONF = """\
load_module {modules}/ndk_http_module.so;
load_module {modules}/ngx_http_lua_module.so;
{user}
worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/tmp/body;
    client_max_body_size 16m;
    client_body_buffer_size 64k;
    lua_package_path "{lua_dir}/?.lua;{system_lua};;";
    init_by_lua_block {{ require("runnerly.waf").init() }}
    server {{
        listen 127.0.0.1:{port};
        location = /_ready {{ return 200 "ok"; }}
        location ~ ^/(?<waf_route>[a-z]+) {{
            access_by_lua_block {{ require("runnerly.waf").access(ngx.var.waf_route) }}
            content_by_lua_block {{
                ngx.header["Content-Type"] = "application/json"
                ngx.say('{{"ok": true}}')
            }}
        }}
    }}
}}
"""


@contextlib.contextmanager
def running_waf_only(prefix: Path, home: Path, *, workers: int) -> Iterator[Server]:
    """The WAF of ``home`` (an nginx/ folder: its lua/ and waf/) alone on a trivial handler,
    as nginx/tests/waf_support.py runs it: ``/<route class>/...`` runs
    ``waf.access(<route class>)`` and answers 200 itself, no proxying and no other Lua."""
    for sub in ("logs", "tmp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(
        _WAF_ONLY_CONF.format(
            modules=MODULE_DIR,
            user=_user_line(),
            workers=workers,
            prefix=prefix,
            lua_dir=home / "lua",
            system_lua=SYSTEM_LUA_PATH,
            port=port,
        ),
        encoding="utf-8",
    )
    command = ["nginx", "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "logs/error.log")]
    command += ["-g", "daemon off;"]
    base = f"http://127.0.0.1:{port}"
    with _serving(command, f"{base}/_ready", prefix, f"the WAF alone at {prefix.name}") as pid:
        yield Server(base, pid, prefix)


def unlimited_limits(limits: Mapping[str, Any]) -> dict[str, Any]:
    """``limits`` (config/limits.json) with every class's rate out of reach: the buckets and
    the concurrency slots are read and written on every request, and refuse none."""
    out = json.loads(json.dumps(limits))
    for spec in out["classes"].values():
        spec.pop("delay", None)
        spec.update(rate=f"{UNLIMITED_RATE}r/s", burst=UNLIMITED_RATE, nodelay=True)
    out["concurrency"] = {**out["concurrency"], "max": 100_000, "burst": 0}
    return out


@contextlib.contextmanager
def running_gateway(
    prefix: Path,
    upstream: str,
    *,
    workers: int,
    waf: bool = True,
    limits: Mapping[str, Any] | None = None,
    keepalive: int | None = None,
    home: Path | None = None,
    every_upstream: bool = False,
) -> Iterator[Server]:
    """Our gateway (``local`` target) with ``upstream`` as the dataservice, the access log in
    a file; ``limits`` replaces config/limits.json (default: :func:`unlimited_limits` of it);
    ``home``: another copy of nginx/ (templates, Lua, WAF rules) to run, e.g. an older one;
    ``every_upstream``: ``upstream`` behind every route (web, token dealer, webhook too)."""
    from runnerly_gateway.render import nginx_command, prepare
    from runnerly_gateway.settings import GatewaySettings

    prefix.mkdir(parents=True)
    if limits is None:
        shipped = json.loads((home or ROOT / "nginx").joinpath("config/limits.json").read_text())
        limits = unlimited_limits(shipped)
    (prefix / "limits.json").write_text(json.dumps(limits), encoding="utf-8")
    port = free_port()
    options: dict[str, Any] = {}
    if keepalive is not None:
        options["upstream_keepalive"] = keepalive
    if home is not None:
        options["home"] = str(home.resolve())
    if every_upstream:
        options.update(
            web_upstream=(upstream,), tokendealer_upstream=(upstream,), webhook_upstream=(upstream,)
        )
    settings = GatewaySettings.load(
        environ={},
        target="local",
        prefix=str(prefix),
        port=port,
        status_port=free_port(),  # several gateways run side by side
        workers=workers,
        waf=waf,
        limits_file=str(prefix / "limits.json"),
        access_log=str(prefix / "logs/access.log"),
        error_log=str(prefix / "logs/error.log"),
        dataservice_upstream=(upstream,),
        **options,
    )
    command = nginx_command(settings, prepare(settings))
    base = f"http://127.0.0.1:{port}"
    with _serving(command, f"{base}/_gateway/healthz", prefix, "the gateway") as pid:
        yield Server(base, pid, prefix)
