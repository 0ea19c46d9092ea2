"""The gateway's settings (env prefix ``GATEWAY_``, INI section ``[gateway]``).

Addresses, ports, file locations and switches live here; per-route limits (rates, bursts,
body sizes, timeouts) are data in ``config/limits.json`` so that operators change them
without touching code or the template.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import ClassVar

from runnerly_common.settings import Settings, SettingsError

TARGETS = ("local", "test", "container")
_NGINX_SIZE = re.compile(r"[1-9][0-9]*[kKmM]?")
# The folder holding templates/, lua/, config/ and waf/ when the package runs from the
# repository (an editable install); installed elsewhere, GATEWAY_HOME names it.
_SOURCE_HOME = Path(__file__).resolve().parents[2]


@dataclasses.dataclass
class GatewaySettings(Settings):
    SECTION: ClassVar[str] = "gateway"
    ENV_PREFIX: ClassVar[str] = "GATEWAY_"

    port: int = 8080
    # The status server (/healthz, /readyz, /metrics): never the public port, and never
    # published; empty host: 127.0.0.1, or 0.0.0.0 for the container target, where the
    # orchestrator's health check and Prometheus reach it over the private network.
    status_host: str = ""
    status_port: int = 8081
    # The lua_shared_dict that holds the metrics (nginx size: 512k, 4m); when full, new
    # series are dropped with one warning per worker and requests go on.
    metrics_dict: str = "4m"
    target: str = "local"
    # The nginx -p prefix: the rendered config, pid file, temp dirs and (test) logs.
    prefix: str = "var/gateway"
    home: str = ""  # empty: the nginx/ folder of the repository
    limits_file: str = ""  # empty: <home>/config/limits.json
    # Upstreams, host:port (several separated by spaces or commas).
    web_upstream: tuple[str, ...] = ("127.0.0.1:5000",)
    dataservice_upstream: tuple[str, ...] = ("127.0.0.1:5002",)
    tokendealer_upstream: tuple[str, ...] = ("127.0.0.1:5001",)
    webhook_upstream: tuple[str, ...] = ("127.0.0.1:5005",)
    upstream_keepalive: int = 16  # idle connections kept per worker and upstream
    # DNS servers (host or host:port, several separated by spaces or commas) that upstream
    # names are asked of while nginx runs, so a recreated container's new address is
    # followed; empty: names are resolved once, when nginx starts (plain IPs never are).
    # The container image sets compose's embedded DNS, 127.0.0.11.
    resolver: tuple[str, ...] = ()
    # Seconds an answer is used before the name is asked again (DNS TTLs are ignored:
    # compose's DNS answers with 600 s).
    resolver_valid: int = 5
    connect_timeout: int = 3  # seconds; read/send timeouts are per route class
    worker_connections: int = 1024
    # Only these addresses (CIDRs) may say who the client is with X-Forwarded-For.
    trusted_proxies: tuple[str, ...] = ()
    waf: bool = True
    waf_config: str = ""  # empty: the WAF's default, <home>/waf/config.json
    # Where nginx writes; empty: stdout/stderr for local and container, files under the
    # prefix for tests (which read them).
    access_log: str = ""
    error_log: str = ""
    error_log_level: str = "warn"
    nginx: str = "nginx"  # the binary; "openresty" in the container
    module_dir: str = "/usr/lib/nginx/modules"  # Debian's dynamic modules (not OpenResty)
    system_lua_path: str = "/usr/share/lua/5.1/?.lua"  # Debian's lua-resty-core
    # When started as root, the user nginx's workers run as; empty: root too, so a gateway
    # started by root reads the same (possibly 0700) directories its master could.
    worker_user: str = ""

    def check(self) -> None:
        super().check()
        if self.target not in TARGETS:
            raise SettingsError(
                f"{self.env_name('target')} must be one of {', '.join(TARGETS)}, "
                f"not {self.target!r}"
            )
        for name in (
            "port",
            "status_port",
            "worker_connections",
            "connect_timeout",
            "resolver_valid",
        ):
            if getattr(self, name) < 1:
                raise SettingsError(f"{self.env_name(name)} must be a positive number")
        if self.status_port == self.port:
            raise SettingsError(
                f"{self.env_name('status_port')} must differ from {self.env_name('port')}: "
                "the status endpoints are never served on the public port"
            )
        if not _NGINX_SIZE.fullmatch(self.metrics_dict):
            raise SettingsError(
                f"{self.env_name('metrics_dict')} must be an nginx size such as 4m or 512k, "
                f"not {self.metrics_dict!r}"
            )
        if self.upstream_keepalive < 0:
            raise SettingsError(f"{self.env_name('upstream_keepalive')} must be 0 or more")
        for name in ("web", "dataservice", "tokendealer", "webhook"):
            field = f"{name}_upstream"
            if not getattr(self, field):
                raise SettingsError(f"{self.env_name(field)} must name at least one host:port")

    @property
    def home_dir(self) -> Path:
        return Path(self.home).resolve() if self.home else _SOURCE_HOME

    @property
    def status_bind_host(self) -> str:
        """Where the status server listens: the setting, else loopback (0.0.0.0 in a container)."""
        if self.status_host:
            return self.status_host
        return "0.0.0.0" if self.target == "container" else "127.0.0.1"  # noqa: S104

    @property
    def prefix_dir(self) -> Path:
        return Path(self.prefix).resolve()

    @property
    def limits_path(self) -> Path:
        return Path(self.limits_file) if self.limits_file else self.home_dir / "config/limits.json"
